import type { Clock } from '../../clock.js';
import type { RestartPolicy, Task } from '../../types/objects.js';

const DEFAULT_DELAY_MS = 5000;

/** Restart decisions per slot: condition, max attempts within a window, and the delay. */
export class RestartSupervisor {
  private history = new Map<string, number[]>();

  constructor(private clock: Clock) {}

  /** Whether a task that stopped by itself gets a replacement under its policy. */
  shouldRestart(t: Task, slotKey: string): boolean {
    const p: RestartPolicy = t.Spec.RestartPolicy ?? {};
    const cond = p.Condition ?? 'any';
    if (cond === 'none') return false;
    const failed = t.Status.State !== 'complete' || (t.Status.ContainerStatus?.ExitCode ?? 0) !== 0;
    if (cond === 'on-failure' && !failed) return false;
    if (p.MaxAttempts && p.MaxAttempts > 0) {
      const now = this.clock.now();
      const windowMs = p.Window ? p.Window / 1e6 : Infinity;
      const recent = (this.history.get(slotKey) ?? []).filter((ts) => now - ts < windowMs);
      if (recent.length >= p.MaxAttempts) return false;
    }
    return true;
  }

  recordRestart(slotKey: string) {
    const h = this.history.get(slotKey) ?? [];
    h.push(this.clock.now());
    this.history.set(slotKey, h.slice(-100));
  }

  delayMs(t: Task): number {
    const d = t.Spec.RestartPolicy?.Delay;
    return d === undefined ? DEFAULT_DELAY_MS : d / 1e6;
  }
}
