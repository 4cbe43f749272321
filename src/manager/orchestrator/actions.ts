import type { Clock } from '../../clock.js';
import type { WriteTx } from '../../store/store.js';
import { slotKey } from '../../store/tables.js';
import { isTerminal, type Node, type Task } from '../../types/objects.js';
import { nodeEligible } from '../scheduler/filters.js';
import { isCurrent } from './slots.js';
import { newTask } from './task-factory.js';

/**
 * The orchestrator's writes. Each is planned from a read of the store and
 * runs later inside a batch transaction, so each checks again that it still
 * applies: two plans of the same change (a service pass and a node pass)
 * write it once.
 */
export type Action = (tx: WriteTx) => void;

export const currentOf = (tasks: Task[]): Task | undefined => {
  let best: Task | undefined;
  for (const t of tasks) if (isCurrent(t) && (!best || newer(t, best))) best = t;
  return best;
};
const newer = (a: Task, b: Task) => (a.CreatedAt === b.CreatedAt ? a.Version.Index > b.Version.Index : a.CreatedAt > b.CreatedAt);

/** A node that is gone, down or drained no longer keeps a replicated task. */
export function nodeLost(node: Node | undefined): boolean {
  return !node || node.Status.State === 'down' || node.Spec.Availability === 'drain';
}

/** Where a global service may run: up, not drained, constraints met. */
export function globalEligible(n: Node | undefined, constraints: string[]): boolean {
  return !!n && n.Status.State !== 'down' && n.Spec.Availability !== 'drain' && nodeEligible(n, constraints);
}

export function shutdown(tx: WriteTx, t: Task, desired: 'shutdown' | 'remove' = 'shutdown') {
  if (t.DesiredState === desired || t.DesiredState === 'remove') return;
  tx.update('tasks', { ...t, DesiredState: desired });
}

export class Actions {
  constructor(private clock: Clock, private onDelayedStart: (t: Task) => void) {}

  /** A new task in an empty replicated slot. */
  createInSlot(serviceId: string, slot: number): Action {
    return (tx) => {
      const s = tx.services.get(serviceId);
      if (!s?.Spec.Mode?.Replicated) return;
      if (tx.tasks.by('slot', `${serviceId}/${slot}`).some(isCurrent)) return;
      tx.create('tasks', newTask(this.clock, s, { slot }));
    };
  }

  /** A new task of a global service on a node that has none. */
  createOnNode(serviceId: string, nodeId: string): Action {
    return (tx) => {
      const s = tx.services.get(serviceId);
      const n = tx.nodes.get(nodeId);
      if (!s?.Spec.Mode?.Global || !n || n.Status.State !== 'ready' || n.Spec.Availability !== 'active') return;
      if (!globalEligible(n, s.Spec.TaskTemplate?.Placement?.Constraints ?? [])) return;
      if (tx.tasks.by('slot', `${serviceId}/${nodeId}`).some(isCurrent)) return;
      tx.create('tasks', newTask(this.clock, s, { nodeId }));
    };
  }

  /** The task stops (scale-down removes it, a lost global node or service stops it). */
  stop(taskId: string, desired: 'shutdown' | 'remove'): Action {
    return (tx) => {
      const t = tx.tasks.get(taskId);
      if (t && isCurrent(t)) shutdown(tx, t, desired);
    };
  }

  /** A replicated task whose node was lost moves: a new task in its slot. */
  replaceLost(taskId: string): Action {
    return (tx) => {
      const t = tx.tasks.get(taskId);
      if (!t || !isCurrent(t) || !t.NodeID || isTerminal(t.Status.State)) return;
      if (!nodeLost(tx.nodes.get(t.NodeID))) return;
      const s = tx.services.get(t.ServiceID);
      if (!s?.Spec.Mode?.Replicated) return;
      shutdown(tx, t);
      tx.create('tasks', newTask(this.clock, s, { slot: t.Slot }));
    };
  }

  /** A task that stopped by itself gets its successor (the restart policy already said yes); after a delay it waits 'ready'. */
  restart(taskId: string, delayMs: number, record: () => void): Action {
    return (tx) => {
      const t = tx.tasks.get(taskId);
      if (!t || t.DesiredState !== 'running' || !isTerminal(t.Status.State)) return;
      const s = tx.services.get(t.ServiceID);
      if (!s) return;
      if (tx.tasks.by('slot', slotKey(t)).some((o) => o.ID !== t.ID && isCurrent(o))) return;
      record();
      shutdown(tx, t);
      const next = newTask(this.clock, s, s.Spec.Mode?.Global ? { nodeId: t.NodeID } : { slot: t.Slot }, delayMs > 0 ? 'ready' : 'running');
      tx.create('tasks', next);
      if (delayMs > 0) this.onDelayedStart(next);
    };
  }
}
