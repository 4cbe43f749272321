import type { Clock } from '../../clock.js';
import type { MemoryStore } from '../../store/store.js';
import type { Task, TaskState } from '../../types/objects.js';

/**
 * Restart delays: a task waits prepared (desired 'ready') for its delay, then
 * is let run (desired `runState`: 'running', or 'complete' for jobs). One
 * timer per task; a failed write asks the orchestrator for a full pass.
 */
export class DelayedStarts {
  private timers = new Map<string, { cancel(): void }>();

  constructor(private store: MemoryStore, private clock: Clock, private runState: TaskState, private onFailure: () => void) {}

  has(taskId: string): boolean { return this.timers.has(taskId); }

  start(t: Task, delayMs: number): void {
    if (this.timers.has(t.ID)) return;
    this.timers.set(t.ID, this.clock.setTimeout(() => {
      this.timers.delete(t.ID);
      this.store.update((tx) => {
        const cur = tx.tasks.get(t.ID);
        if (cur?.DesiredState === 'ready') tx.update('tasks', { ...cur, DesiredState: this.runState });
      }).catch(() => this.onFailure());
    }, delayMs));
  }

  cancelAll(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
