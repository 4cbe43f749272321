import type { Task } from '../types/objects.js';
import type { StoreObject, TaskQuery } from './tables.js';

/** Objects are stored frozen: readers share them, writers clone first. */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function addTo(index: Map<string, Set<string>>, key: string | undefined, id: string) {
  if (key === undefined) return;
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(id);
}
function removeFrom(index: Map<string, Set<string>>, key: string | undefined, id: string) {
  if (key === undefined) return;
  const s = index.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) index.delete(key);
}

/** One table: objects by ID plus a by-name index (nodes, services). */
export class Table<T extends StoreObject> {
  readonly byId = new Map<string, T>();
  protected byName = new Map<string, string>();

  constructor(protected nameOf: (o: T) => string | undefined = () => undefined) {}

  get(id: string): T | undefined {
    return this.byId.get(id);
  }
  getByName(name: string): T | undefined {
    const id = this.byName.get(name);
    return id === undefined ? undefined : this.byId.get(id);
  }
  all(): T[] {
    return [...this.byId.values()];
  }
  put(o: T): void {
    const old = this.byId.get(o.ID);
    if (old) this.unindex(old);
    this.byId.set(o.ID, deepFreeze(o));
    this.index(o);
  }
  delete(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.unindex(old);
    this.byId.delete(id);
  }
  protected index(o: T) {
    const n = this.nameOf(o);
    if (n !== undefined) this.byName.set(n, o.ID);
  }
  protected unindex(o: T) {
    const n = this.nameOf(o);
    if (n !== undefined && this.byName.get(n) === o.ID) this.byName.delete(n);
  }
}

/** Tasks are indexed by service, node and desired state; slot queries go through the service. */
export class TaskTable extends Table<Task> {
  private byService = new Map<string, Set<string>>();
  private byNode = new Map<string, Set<string>>();
  private byDesired = new Map<string, Set<string>>();

  find(q: TaskQuery): Task[] {
    let ids: Iterable<string> | undefined;
    let smallest = Infinity;
    for (const [idx, key] of [
      [this.byService, q.serviceId],
      [this.byNode, q.nodeId],
      [this.byDesired, q.desiredState],
    ] as const) {
      if (key === undefined) continue;
      const s = idx.get(key);
      if (!s) return [];
      if (s.size < smallest) { smallest = s.size; ids = s; }
    }
    const out: Task[] = [];
    for (const id of ids ?? this.byId.keys()) {
      const t = this.byId.get(id)!;
      if (q.serviceId !== undefined && t.ServiceID !== q.serviceId) continue;
      if (q.nodeId !== undefined && t.NodeID !== q.nodeId) continue;
      if (q.desiredState !== undefined && t.DesiredState !== q.desiredState) continue;
      if (q.slot !== undefined && t.Slot !== q.slot) continue;
      out.push(t);
    }
    return out;
  }
  protected override index(t: Task) {
    addTo(this.byService, t.ServiceID, t.ID);
    addTo(this.byNode, t.NodeID, t.ID);
    addTo(this.byDesired, t.DesiredState, t.ID);
  }
  protected override unindex(t: Task) {
    removeFrom(this.byService, t.ServiceID, t.ID);
    removeFrom(this.byNode, t.NodeID, t.ID);
    removeFrom(this.byDesired, t.DesiredState, t.ID);
  }
}
