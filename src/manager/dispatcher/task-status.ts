import { schedulingDelay } from '../../metrics/registry.js';
import type { WriteTx } from '../../store/store.js';
import type { TaskStatusUpdate } from '../../types/dispatcher.js';
import { taskStateRank, type TaskStatus } from '../../types/objects.js';

/** Status reports arriving within this window share transactions. */
export const STATUS_WINDOW_MS = 20;

export interface StatusReport { nodeId: string; update: TaskStatusUpdate }

/**
 * A task's reported status, as written: never backwards, and only from the
 * node the task is assigned to. Within a window the newest report of a task
 * wins (keyed by task).
 */
export function writeStatus(tx: WriteTx, { nodeId, update }: StatusReport) {
  const t = tx.tasks.get(update.taskId);
  if (!t || t.NodeID !== nodeId) return;
  if (taskStateRank(update.status.State) < taskStateRank(t.Status.State)) return;
  if (sameStatus(t.Status, update.status)) return;
  if (update.status.State === 'running' && t.Status.State !== 'running' && t.CreatedAt) {
    schedulingDelay.observe(Math.max(0, Date.now() - Date.parse(t.CreatedAt)) / 1000);
  }
  tx.update('tasks', { ...t, Status: update.status });
}

function sameStatus(a: TaskStatus, b: TaskStatus): boolean {
  return a.State === b.State && a.Timestamp === b.Timestamp && a.Message === b.Message && a.Err === b.Err
    && JSON.stringify([a.ContainerStatus, a.PortStatus, a.Endpoints]) === JSON.stringify([b.ContainerStatus, b.PortStatus, b.Endpoints]);
}
