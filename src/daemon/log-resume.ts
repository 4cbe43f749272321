import type { PublishedLog } from '../types/logbroker.js';

/** How many of each task's last lines are kept to find where a new subscription's lines pick up. */
const RECENT = 64;
/** After subscribing again, a task's first lines are held this long to match them against what was passed on. */
export const RESYNC_MS = 1000;

const key = (m: PublishedLog) => `${m.stream}\u0000${m.line}`;

/**
 * A following `service logs` that subscribes again after losing the leader's
 * broker: the new subscription sends lines already passed on (from `since`,
 * or from the start where the executor cannot tell times, as the process
 * executor's files). Lines older than a task's last are dropped by time;
 * then the task's first new lines are matched against its last lines passed
 * on, and only what follows them is passed on.
 */
export class LogResume {
  private last = new Map<string, { ts: string; lines: Set<string> }>();
  private recent = new Map<string, string[]>();
  private pending?: Map<string, PublishedLog[]>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly deliver: (m: PublishedLog[]) => void, private readonly startedAt = Date.now()) {}

  /** Where a new subscription starts: the earliest of the tasks' last lines (ms), or when following began. */
  since(asked = 0): number {
    const seen = [...this.last.values()].map((l) => Date.parse(l.ts)).filter((t) => !Number.isNaN(t));
    return Math.max(asked, seen.length ? Math.min(...seen) : this.startedAt);
  }

  accept(ms: PublishedLog[]): void {
    const out: PublishedLog[] = [];
    for (const m of ms) {
      const l = this.last.get(m.context.taskId);
      if (l && (m.timestamp < l.ts || (m.timestamp === l.ts && l.lines.has(key(m))))) continue;
      const held = this.pending && this.recent.has(m.context.taskId) ? this.pending : undefined;
      if (held) held.set(m.context.taskId, [...(held.get(m.context.taskId) ?? []), m]);
      else out.push(m);
    }
    this.pass(out);
  }

  /** A new subscription replaces a lost one: hold each known task's first lines for RESYNC_MS. */
  resubscribed(): void {
    clearTimeout(this.timer);
    this.pending ??= new Map();
    this.timer = setTimeout(() => this.flush(), RESYNC_MS);
  }

  close(): void { clearTimeout(this.timer); }

  private flush() {
    const pending = this.pending ?? new Map<string, PublishedLog[]>();
    this.pending = undefined;
    for (const [task, lines] of pending) this.pass(lines.slice(overlapEnd(lines.map(key), this.recent.get(task) ?? [])));
  }

  private pass(ms: PublishedLog[]) {
    if (ms.length === 0) return;
    for (const m of ms) {
      const l = this.last.get(m.context.taskId);
      if (!l || m.timestamp > l.ts) this.last.set(m.context.taskId, { ts: m.timestamp, lines: new Set([key(m)]) });
      else l.lines.add(key(m));
      const r = this.recent.get(m.context.taskId) ?? [];
      r.push(key(m));
      if (r.length > RECENT) r.shift();
      this.recent.set(m.context.taskId, r);
    }
    this.deliver(ms);
  }
}

/**
 * Where `lines` (a new subscription's first lines of a task) stop repeating
 * `recent` (the task's last lines passed on): the index after the longest
 * run of `lines` that ends like `recent` does; 0 when none does.
 */
export function overlapEnd(lines: string[], recent: string[]): number {
  let best = 0; let bestLen = 0;
  for (let p = lines.length - 1; p >= 0; p--) {
    let n = 0;
    while (n <= p && n < recent.length && lines[p - n] === recent[recent.length - 1 - n]) n++;
    if (n > bestLen) { bestLen = n; best = p + 1; }
  }
  return best;
}
