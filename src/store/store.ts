import type { Clock } from '../clock.js';
import { isoNano, systemClock } from '../clock.js';
import { ApiError } from '../types/errors.js';
import type { Cluster, Node, Service, Task } from '../types/objects.js';
import { Table, TaskTable } from './table.js';
import {
  TABLES, type Change, type StoreEvent, type StoreObject, type StoreObjects, type StoreSnapshot,
  type TableName, type TaskQuery,
} from './tables.js';

export interface TableReader<T> {
  get(id: string): T | undefined;
  getByName(name: string): T | undefined;
  all(): T[];
}
export interface TaskReader extends TableReader<Task> {
  find(q: TaskQuery): Task[];
}

export interface ReadTx {
  cluster(): Cluster | undefined;
  nodes: TableReader<Node>;
  services: TableReader<Service>;
  tasks: TaskReader;
}

export interface WriteTx extends ReadTx {
  /** Adds a new object; its Version, CreatedAt and UpdatedAt are set here. */
  create<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K];
  /** Replaces an object; obj.Version must be the stored one, else 'update out of sequence'. */
  update<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K];
  remove(table: TableName, id: string): void;
}

/**
 * Where a transaction's changes are committed (Raft): append resolves once
 * they are durable and applied back through applyCommitted.
 */
export interface ChangeLog {
  append(version: number, changes: Change[]): Promise<void>;
}

export type Watcher = (events: StoreEvent[], version: number) => void;

export const OUT_OF_SEQUENCE = 'update out of sequence';

/**
 * The in-memory store. Writes are serialized transactions: the function runs
 * against an overlay, its changes are persisted through the ChangeLog, then
 * applied and shown to watchers. Objects are frozen; clone before changing.
 */
export class MemoryStore {
  private tables = {
    cluster: new Table<Cluster>(),
    nodes: new Table<Node>((n) => n.Spec.Name ?? n.Description?.Hostname),
    services: new Table<Service>((s) => s.Spec.Name),
    tasks: new TaskTable(),
  };
  private watchers = new Set<Watcher>();
  private queue: Promise<unknown> = Promise.resolve();
  version = 0;
  log?: ChangeLog;

  constructor(private clock: Clock = systemClock) {}

  view<T>(fn: (tx: ReadTx) => T): T {
    return fn(this.reader());
  }

  /** Runs fn as one transaction; resolves once its changes are durable and applied. */
  update<T>(fn: (tx: WriteTx) => T): Promise<T> {
    const run = this.queue.then(() => this.commit(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  watch(w: Watcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** Applies changes already committed elsewhere (log replay, Raft followers). */
  applyCommitted(version: number, changes: Change[]): void {
    const events: StoreEvent[] = [];
    for (const c of changes) {
      const table = this.tables[c.table] as Table<StoreObject>;
      const old = table.get(c.object.ID);
      if (c.action === 'remove') table.delete(c.object.ID);
      else table.put(c.object);
      events.push({ ...c, old });
    }
    this.version = Math.max(this.version, version);
    for (const w of [...this.watchers]) {
      try { w(events, version); } catch { /* a watcher's bug must not break commits */ }
    }
  }

  snapshot(): StoreSnapshot {
    return {
      version: this.version,
      tables: {
        cluster: this.tables.cluster.all(),
        nodes: this.tables.nodes.all(),
        services: this.tables.services.all(),
        tasks: this.tables.tasks.all(),
      },
    };
  }

  restore(snap: StoreSnapshot): void {
    for (const t of TABLES) {
      const table = this.tables[t] as Table<StoreObject>;
      for (const id of [...table.byId.keys()]) table.delete(id);
      for (const o of snap.tables[t] ?? []) table.put(structuredClone(o));
    }
    this.version = snap.version;
  }

  private reader(): ReadTx {
    const t = this.tables;
    return {
      cluster: () => t.cluster.all()[0],
      nodes: t.nodes,
      services: t.services,
      tasks: t.tasks,
    };
  }

  private async commit<T>(fn: (tx: WriteTx) => T): Promise<T> {
    const version = this.version + 1;
    const tx = new WriteTransaction(this.tables, version, isoNano(this.clock.now()));
    const result = fn(tx);
    const changes = tx.changes();
    if (changes.length === 0) return result;
    // Without a log (tests, tools) the store is its own commit point.
    if (this.log) await this.log.append(version, changes);
    else this.applyCommitted(version, changes);
    return result;
  }
}

type Tables = MemoryStore['tables'];

/** A write transaction: reads see its own writes through an overlay. */
class WriteTransaction implements WriteTx {
  private overlay: { [K in TableName]: Map<string, StoreObjects[K] | null> } = {
    cluster: new Map(), nodes: new Map(), services: new Map(), tasks: new Map(),
  };
  private log: Change[] = [];

  nodes: TableReader<Node>;
  services: TableReader<Service>;
  tasks: TaskReader;

  constructor(private base: Tables, private version: number, private now: string) {
    this.nodes = this.readerFor('nodes', (n) => n.Spec.Name ?? n.Description?.Hostname);
    this.services = this.readerFor('services', (s) => s.Spec.Name);
    const tasks = this.readerFor('tasks', () => undefined);
    this.tasks = {
      ...tasks,
      find: (q) => {
        const ov = this.overlay.tasks;
        const out = base.tasks.find(q).filter((t) => !ov.has(t.ID));
        for (const t of ov.values()) if (t && matches(t, q)) out.push(t);
        return out;
      },
    };
  }

  cluster(): Cluster | undefined {
    const ov = [...this.overlay.cluster.values()];
    const live = ov.find((c) => c !== null);
    if (live) return live;
    return this.base.cluster.all().find((c) => !this.overlay.cluster.has(c.ID));
  }

  create<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K] {
    if (this.get(table, obj.ID)) throw new ApiError(409, `object ${obj.ID} already exists`);
    const o = { ...obj, Version: { Index: this.version }, CreatedAt: obj.CreatedAt || this.now, UpdatedAt: this.now };
    this.put(table, 'create', o);
    return o;
  }

  update<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K] {
    const cur = this.get(table, obj.ID);
    if (!cur) throw new ApiError(404, `object ${obj.ID} not found`);
    if (cur.Version.Index !== obj.Version.Index) throw new ApiError(500, OUT_OF_SEQUENCE);
    const o = { ...obj, Version: { Index: this.version }, UpdatedAt: this.now };
    this.put(table, 'update', o);
    return o;
  }

  remove(table: TableName, id: string): void {
    const cur = this.get(table, id);
    if (!cur) return;
    (this.overlay[table] as Map<string, unknown>).set(id, null);
    this.log.push({ action: 'remove', table, object: cur });
  }

  changes(): Change[] {
    // Keep one change per object: the last write wins; a create then update stays a create.
    const last = new Map<string, Change>();
    for (const c of this.log) {
      const key = `${c.table}/${c.object.ID}`;
      const prev = last.get(key);
      if (prev?.action === 'create' && c.action === 'update') last.set(key, { ...c, action: 'create' });
      else if (prev?.action === 'create' && c.action === 'remove') last.delete(key);
      else last.set(key, c);
    }
    return [...last.values()];
  }

  private get<K extends TableName>(table: K, id: string): StoreObjects[K] | undefined {
    const ov = this.overlay[table] as Map<string, StoreObjects[K] | null>;
    if (ov.has(id)) return ov.get(id) ?? undefined;
    return (this.base[table] as unknown as Table<StoreObjects[K]>).get(id);
  }

  private put<K extends TableName>(table: K, action: 'create' | 'update', o: StoreObjects[K]) {
    (this.overlay[table] as Map<string, StoreObjects[K] | null>).set(o.ID, o);
    this.log.push({ action, table, object: o } as Change);
  }

  private readerFor<K extends 'nodes' | 'services' | 'tasks'>(
    table: K, nameOf: (o: StoreObjects[K]) => string | undefined,
  ): TableReader<StoreObjects[K]> {
    const ov = () => this.overlay[table] as Map<string, StoreObjects[K] | null>;
    const base = this.base[table] as unknown as Table<StoreObjects[K]>;
    return {
      get: (id) => this.get(table, id),
      getByName: (name) => {
        for (const o of ov().values()) if (o && nameOf(o) === name) return o;
        const b = base.getByName(name);
        return b && !ov().has(b.ID) ? b : undefined;
      },
      all: () => {
        const out = base.all().filter((o) => !ov().has(o.ID));
        for (const o of ov().values()) if (o) out.push(o);
        return out;
      },
    };
  }
}

function matches(t: Task, q: TaskQuery): boolean {
  return (q.serviceId === undefined || t.ServiceID === q.serviceId)
    && (q.nodeId === undefined || t.NodeID === q.nodeId)
    && (q.desiredState === undefined || t.DesiredState === q.desiredState)
    && (q.slot === undefined || t.Slot === q.slot);
}
