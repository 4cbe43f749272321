import type { Cluster, Node, Service, Task } from '../types/objects.js';
import type { StoreObjects, TableName, TaskQuery } from './tables.js';

export interface TableReader<T> {
  get(id: string): T | undefined;
  getByName(name: string): T | undefined;
  all(): T[];
  /** Objects under one key of a secondary index of the table's definition. */
  by(index: string, key: string): T[];
  /** How many objects `by` would return. */
  count(index: string, key: string): number;
}
export interface TaskReader extends TableReader<Task> {
  find(q: TaskQuery): Task[];
}

export interface ReadTx {
  cluster(): Cluster | undefined;
  nodes: TableReader<Node>;
  services: TableReader<Service>;
  tasks: TaskReader;
  table<K extends TableName>(name: K): TableReader<StoreObjects[K]>;
}

export function taskMatches(t: Task, q: TaskQuery): boolean {
  return (q.serviceId === undefined || t.ServiceID === q.serviceId)
    && (q.nodeId === undefined || t.NodeID === q.nodeId)
    && (q.desiredState === undefined || t.DesiredState === q.desiredState)
    && (q.slot === undefined || t.Slot === q.slot);
}

/** A task query through the narrowest index it names. */
export function findTasks(r: TableReader<Task>, q: TaskQuery): Task[] {
  let base: Task[];
  if (q.serviceId !== undefined && q.slot !== undefined) base = r.by('slot', `${q.serviceId}/${q.slot}`);
  else if (q.nodeId !== undefined) base = r.by('node', q.nodeId);
  else if (q.serviceId !== undefined) base = r.by('service', q.serviceId);
  else if (q.desiredState !== undefined) base = r.by('desired', q.desiredState);
  else return r.all().filter((t) => taskMatches(t, q));
  return base.filter((t) => taskMatches(t, q));
}

/** The read surface of a set of tables (the store's own, or a transaction's overlay). */
export function readTx(table: <K extends TableName>(name: K) => TableReader<StoreObjects[K]>): ReadTx {
  const tasks = table('tasks');
  return {
    cluster: () => table('cluster').all()[0],
    nodes: table('nodes'),
    services: table('services'),
    tasks: { ...bind(tasks), find: (q) => findTasks(tasks, q) },
    table,
  };
}

function bind<T>(r: TableReader<T>): TableReader<T> {
  return { get: (id) => r.get(id), getByName: (n) => r.getByName(n), all: () => r.all(), by: (i, k) => r.by(i, k), count: (i, k) => r.count(i, k) };
}
