import { DOCKER_TABWRITER, TabWriter } from '../format/tabwriter.js';
import { humanDuration } from '../format/units.js';

export { humanDuration };

/**
 * Lines of cells through docker's tabwriter (minwidth 10, padding 3): every
 * cell but a line's last is tab-terminated, so the last is never padded.
 */
export function tabwrite(lines: string[][], minwidth = 10, padding = 3): string {
  const w = new TabWriter({ ...DOCKER_TABWRITER, minwidth, padding });
  for (const cells of lines) w.write(cells.join('\t') + '\n');
  return w.flush();
}

/** "Running 5 seconds ago" as `service ps` prints a task's state. */
export function stateAgo(state: string, timestamp: string | undefined, now = Date.now()): string {
  const title = state.charAt(0).toUpperCase() + state.slice(1);
  if (!timestamp) return title;
  return `${title} ${humanDuration(now - Date.parse(timestamp)).toLowerCase()} ago`;
}
