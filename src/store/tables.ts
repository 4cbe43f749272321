import type { Cluster, Node, Service, Task } from '../types/objects.js';
import type { Config, Secret } from '../types/secrets.js';
import type { Network, NetworkAttachmentRecord } from '../types/network.js';

/** Every kind of object the store keeps, by table name. A new kind is one line here and one entry in TABLE_DEFS. */
export interface StoreObjects {
  cluster: Cluster;
  nodes: Node;
  services: Service;
  tasks: Task;
  secrets: Secret;
  configs: Config;
  networks: Network;
  netattachments: NetworkAttachmentRecord;
}
export type TableName = keyof StoreObjects;
export type StoreObject = StoreObjects[TableName];

/** How a table is keyed: an optional unique name, and secondary indexes (key undefined: not indexed). */
export interface TableDef<T> {
  nameOf?: (o: T) => string | undefined;
  indexes?: Record<string, (o: T) => string | undefined>;
}

/** The task's slot: replicated tasks by slot number, global ones by node. */
export const slotKey = (t: Task): string => `${t.ServiceID}/${t.Slot ?? t.NodeID ?? ''}`;

export const progressKey = (serviceId: string, state: string, desired: string) => `${serviceId}\0${state}\0${desired}`;

/** The one registration of each table; the store, snapshots and transactions are built from it. */
export const TABLE_DEFS: { [K in TableName]: TableDef<StoreObjects[K]> } = {
  cluster: {},
  nodes: { nameOf: (n) => n.Spec.Name ?? n.Description?.Hostname },
  services: { nameOf: (s) => s.Spec.Name },
  tasks: {
    indexes: {
      service: (t) => t.ServiceID,
      node: (t) => t.NodeID,
      desired: (t) => t.DesiredState,
      state: (t) => t.Status.State,
      slot: slotKey,
      /** Counts for `service ls` without reading the service's tasks. */
      progress: (t) => progressKey(t.ServiceID, t.Status.State, t.DesiredState),
    },
  },
  secrets: { nameOf: (s) => s.Spec.Name },
  configs: { nameOf: (c) => c.Spec.Name },
  networks: { nameOf: (n) => n.Spec.Name },
  netattachments: { indexes: { node: (a) => a.NodeID, network: (a) => a.NetworkID } },
};
export const TABLES = Object.keys(TABLE_DEFS) as TableName[];

export type ChangeAction = 'create' | 'update' | 'remove';

/** One change of a transaction; a committed list of these is a log entry. */
export interface Change<T extends TableName = TableName> {
  action: ChangeAction;
  table: T;
  object: StoreObjects[T];
}

/** What watchers see: the change and the object before it. */
export interface StoreEvent<T extends TableName = TableName> extends Change<T> {
  old?: StoreObjects[T];
}

export interface StoreSnapshot {
  version: number;
  tables: { [K in TableName]?: StoreObjects[K][] };
}

export interface TaskQuery {
  serviceId?: string;
  nodeId?: string;
  slot?: number;
  desiredState?: string;
}
