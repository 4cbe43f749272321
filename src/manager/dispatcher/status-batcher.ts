import type { Clock } from '../../clock.js';
import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import type { TaskStatusUpdate } from '../../types/dispatcher.js';
import { taskStateRank } from '../../types/objects.js';

const log = logger('dispatcher');
/** Status reports arriving within this window share one store transaction. */
const BATCH_WINDOW_MS = 20;

interface Pending { nodeId: string; update: TaskStatusUpdate; done: () => void }

/**
 * Collects agents' task status reports and writes them in one transaction per
 * window. A report never moves a task's state backwards, and only the node a
 * task is assigned to may report on it.
 */
export class StatusBatcher {
  private pending: Pending[] = [];
  private timer?: { cancel(): void };
  private inflight: Promise<void> = Promise.resolve();

  constructor(private store: MemoryStore, private clock: Clock) {}

  add(nodeId: string, updates: TaskStatusUpdate[]): Promise<void> {
    const all = updates.map((update) => new Promise<void>((done) => this.pending.push({ nodeId, update, done })));
    this.timer ??= this.clock.setTimeout(() => { this.timer = undefined; void this.flush(); }, BATCH_WINDOW_MS);
    return Promise.all(all).then(() => undefined);
  }

  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.inflight;
    this.inflight = this.inflight.then(() => this.write(batch)).catch((err) => log.warn({ err }, 'status batch failed'));
    return this.inflight;
  }

  private async write(batch: Pending[]) {
    try {
      await this.store.update((tx) => {
        for (const { nodeId, update } of batch) {
          const t = tx.tasks.get(update.taskId);
          if (!t || t.NodeID !== nodeId) continue;
          if (taskStateRank(update.status.State) < taskStateRank(t.Status.State)) continue;
          if (JSON.stringify(t.Status) === JSON.stringify(update.status)) continue;
          tx.update('tasks', { ...structuredClone(t), Status: update.status });
        }
      });
    } finally {
      for (const p of batch) p.done();
    }
  }
}
