/**
 * Go's text/tabwriter as docker's tables use it (minwidth 10, padding 3):
 * cells end at '\t'; the last cell of a line is not padded.
 */
export function tabwrite(lines: string[][], minwidth = 10, padding = 3): string {
  const widths: number[] = [];
  for (const cells of lines) {
    cells.slice(0, -1).forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, [...c].length + padding, minwidth); });
  }
  return lines.map((cells) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i] - ([...c].length - c.length)) : c)).join('')).join('\n') + (lines.length ? '\n' : '');
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** "Running 5 seconds ago" as `service ps` prints a task's state. */
export function stateAgo(state: string, timestamp: string | undefined, now = Date.now()): string {
  const title = state.charAt(0).toUpperCase() + state.slice(1);
  if (!timestamp) return title;
  return `${title} ${humanDuration(now - Date.parse(timestamp)).toLowerCase()} ago`;
}
