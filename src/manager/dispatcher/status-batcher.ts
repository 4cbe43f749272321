import type { Clock } from '../../clock.js';
import { logger } from '../../log.js';
import type { MemoryStore, WriteTx } from '../../store/store.js';
import type { TaskStatusUpdate } from '../../types/dispatcher.js';
import { taskStateRank, type TaskStatus } from '../../types/objects.js';

const log = logger('dispatcher');
/** Status reports arriving within this window share transactions. */
const BATCH_WINDOW_MS = 20;

interface Pending { nodeId: string; update: TaskStatusUpdate; done: (err?: unknown) => void }

/**
 * Collects agents' task status reports and writes them in bounded batch
 * transactions per window. A report never moves a task's state backwards,
 * and only the node a task is assigned to may report on it.
 */
export class StatusBatcher {
  private pending: Pending[] = [];
  private timer?: { cancel(): void };
  private inflight: Promise<void> = Promise.resolve();

  constructor(private store: MemoryStore, private clock: Clock) {}

  /** Resolves once the reports are written; rejects when they could not be, so the agent sends them again. */
  add(nodeId: string, updates: TaskStatusUpdate[]): Promise<void> {
    const all = updates.map((update) => new Promise<void>((resolve, reject) => {
      this.pending.push({ nodeId, update, done: (err) => (err ? reject(err as Error) : resolve()) });
    }));
    this.timer ??= this.clock.setTimeout(() => { this.timer = undefined; this.flush().catch(() => undefined); }, BATCH_WINDOW_MS);
    return Promise.all(all).then(() => undefined);
  }

  /** Writes what is pending; never rejects (each report's sender hears of a failure). */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.inflight;
    this.inflight = this.inflight.then(() => this.write(batch));
    return this.inflight;
  }

  private async write(batch: Pending[]) {
    // The newest report of each task wins within a window.
    const latest = new Map<string, Pending>();
    for (const p of batch) latest.set(p.update.taskId, p);
    try {
      await this.store.batch((b) => { for (const p of latest.values()) b.update((tx) => apply(tx, p)); });
      for (const p of batch) p.done();
    } catch (err) {
      log.warn({ err: String(err), reports: batch.length }, 'status batch failed; the agents send again');
      for (const p of batch) p.done(err);
    }
  }
}

function apply(tx: WriteTx, { nodeId, update }: Pending) {
  const t = tx.tasks.get(update.taskId);
  if (!t || t.NodeID !== nodeId) return;
  if (taskStateRank(update.status.State) < taskStateRank(t.Status.State)) return;
  if (sameStatus(t.Status, update.status)) return;
  tx.update('tasks', { ...t, Status: update.status });
}

function sameStatus(a: TaskStatus, b: TaskStatus): boolean {
  return a.State === b.State && a.Timestamp === b.Timestamp && a.Message === b.Message && a.Err === b.Err
    && JSON.stringify([a.ContainerStatus, a.PortStatus, a.Endpoints]) === JSON.stringify([b.ContainerStatus, b.PortStatus, b.Endpoints]);
}
