import type { Cluster, Node, Service, Task } from '../types/objects.js';

export interface StoreObjects {
  cluster: Cluster;
  nodes: Node;
  services: Service;
  tasks: Task;
}
export type TableName = keyof StoreObjects;
export const TABLES: TableName[] = ['cluster', 'nodes', 'services', 'tasks'];
export type StoreObject = StoreObjects[TableName];

export type ChangeAction = 'create' | 'update' | 'remove';

/** One change of a transaction; a committed list of these is a log entry. */
export interface Change<T extends TableName = TableName> {
  action: ChangeAction;
  table: T;
  object: StoreObjects[T];
}

/** What watchers see: the change, the version it committed at, and the object before. */
export interface StoreEvent<T extends TableName = TableName> extends Change<T> {
  old?: StoreObjects[T];
}

export interface StoreSnapshot {
  version: number;
  tables: { [K in TableName]: StoreObjects[K][] };
}

export interface TaskQuery {
  serviceId?: string;
  nodeId?: string;
  slot?: number;
  desiredState?: string;
}
