import type { Service, Task } from '../../types/objects.js';

/** A slot's tasks, newest first; the first one desired running/ready is the slot's current task. */
export interface Slot { slot?: number; nodeId?: string; tasks: Task[]; current?: Task }

export function newestFirst(a: Task, b: Task): number {
  return a.CreatedAt === b.CreatedAt ? b.Version.Index - a.Version.Index : a.CreatedAt < b.CreatedAt ? 1 : -1;
}

export const isCurrent = (t: Task) => t.DesiredState === 'running' || t.DesiredState === 'ready';

/**
 * Groups a service's tasks by slot number (replicated) or node ID (global), the
 * map keyed by that value: one pass, no key strings built (a full pass over a
 * 100,000-task service runs on the event loop).
 */
export function slotsOf(s: Service, tasks: Task[]): Map<number | string, Slot> {
  const global = !!s.Spec.Mode?.Global;
  const out = new Map<number | string, Slot>();
  for (const t of tasks) {
    const id = global ? t.NodeID ?? '' : t.Slot ?? 0;
    const slot = out.get(id);
    if (!slot) {
      out.set(id, global ? { nodeId: t.NodeID, tasks: [t], current: isCurrent(t) ? t : undefined } : { slot: t.Slot, tasks: [t], current: isCurrent(t) ? t : undefined });
    } else {
      slot.tasks.push(t);
      slot.current = undefined; // decided below, once the slot's tasks are sorted
    }
  }
  for (const slot of out.values()) {
    if (slot.tasks.length > 1) {
      slot.tasks.sort(newestFirst);
      slot.current = slot.tasks.find(isCurrent);
    }
  }
  return out;
}
