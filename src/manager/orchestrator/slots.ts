import type { Service, Task } from '../../types/objects.js';

/** A slot's tasks, newest first; the first one desired running/ready is the slot's current task. */
export interface Slot { key: string; slot?: number; nodeId?: string; tasks: Task[]; current?: Task }

export function newestFirst(a: Task, b: Task): number {
  return a.CreatedAt === b.CreatedAt ? b.Version.Index - a.Version.Index : a.CreatedAt < b.CreatedAt ? 1 : -1;
}

export const isCurrent = (t: Task) => t.DesiredState === 'running' || t.DesiredState === 'ready';

/** Groups a service's tasks by slot (replicated) or node (global). */
export function slotsOf(s: Service, tasks: Task[]): Map<string, Slot> {
  const global = !!s.Spec.Mode?.Global;
  const out = new Map<string, Slot>();
  for (const t of tasks) {
    const key = global ? `${s.ID}/${t.NodeID}` : `${s.ID}/${t.Slot}`;
    let slot = out.get(key);
    if (!slot) out.set(key, (slot = { key, slot: t.Slot, nodeId: global ? t.NodeID : undefined, tasks: [] }));
    slot.tasks.push(t);
  }
  for (const slot of out.values()) {
    if (slot.tasks.length > 1) slot.tasks.sort(newestFirst);
    slot.current = slot.tasks.find(isCurrent);
  }
  return out;
}
