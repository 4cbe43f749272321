import { secondsSince, storeBatchLatency, storeReadTxLatency, storeWriteTxLatency } from '../metrics/registry.js';
import type { Clock } from '../clock.js';
import { isoNano, systemClock } from '../clock.js';
import { logger } from '../log.js';
import { Table } from './table.js';
import { readTx, type ReadTx } from './readers.js';
import { WriteTransaction, type Tables, type WriteTx } from './transaction.js';
import { WatchQueue, type WatchOptions, type Watcher } from './watch.js';
import {
  TABLES, TABLE_DEFS, type Change, type StoreEvent, type StoreObject, type StoreSnapshot, type TableName,
} from './tables.js';

export type { ReadTx, TableReader, TaskReader } from './readers.js';
export { OUT_OF_SEQUENCE, type WriteTx } from './transaction.js';
export type { Watcher, WatchOptions } from './watch.js';

const log = logger('store');

/**
 * Where a transaction's changes are committed (Raft): append resolves once
 * they are durable and applied back through applyCommitted. `entry` is the
 * changes already serialized as one log entry.
 */
export interface ChangeLog {
  append(version: number, changes: Change[], entry: string): Promise<void>;
}

/** How big one transaction of a batch may grow (swarmkit: 200 changes, 1.5 MiB). */
export interface BatchLimits { changes: number; bytes: number }
export const DEFAULT_BATCH_LIMITS: BatchLimits = { changes: 200, bytes: 1.5 * 1024 * 1024 };

/** Collects the callbacks of store.batch(); each runs inside one of the batch's transactions. */
export interface Batch {
  update(cb: (tx: WriteTx) => void): void;
}

/**
 * The in-memory store. Writes are serialized transactions: the function runs
 * against an overlay, its changes are persisted through the ChangeLog, then
 * applied and queued to watchers. Objects are frozen; make new ones to write.
 */
export class MemoryStore {
  private tables = Object.fromEntries(TABLES.map((t) => [t, new Table(TABLE_DEFS[t] as never)])) as unknown as Tables;
  private watchers = new Set<WatchQueue>();
  private queue: Promise<unknown> = Promise.resolve();
  private reader: ReadTx = readTx((name) => {
    const t = this.tables[name];
    return { get: (id) => t.get(id), getByName: (n) => t.getByName(n), all: () => t.all(), by: (i, k) => t.find(i, k), count: (i, k) => t.count(i, k) };
  });
  version = 0;
  log?: ChangeLog;

  constructor(private clock: Clock = systemClock) {}

  view<T>(fn: (tx: ReadTx) => T): T {
    const start = process.hrtime.bigint();
    try { return fn(this.reader); } finally { storeReadTxLatency.observe(secondsSince(start)); }
  }

  /** How many objects a table holds, without copying them. */
  count(table: TableName): number { return this.tables[table].size; }

  /** Runs fn as one transaction; resolves once its changes are durable and applied. */
  update<T>(fn: (tx: WriteTx) => T): Promise<T> {
    const start = process.hrtime.bigint();
    const run = this.queue.then(() => this.commit(fn)).finally(() => storeWriteTxLatency.observe(secondsSince(start)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Many changes as several bounded transactions (each one Raft entry, applied
   * atomically): the callbacks run in order, a transaction is cut when it
   * reaches the limits, and other writers may commit between two of them. A
   * callback that throws is rolled back alone; its error is returned.
   */
  async batch(fn: (b: Batch) => void, limits: BatchLimits = DEFAULT_BATCH_LIMITS): Promise<unknown[]> {
    const start = process.hrtime.bigint();
    const cbs: ((tx: WriteTx) => void)[] = [];
    fn({ update: (cb) => { cbs.push(cb); } });
    const errors: unknown[] = [];
    let i = 0;
    while (i < cbs.length) {
      await this.update((tx) => {
        const w = tx as WriteTransaction;
        let taken = 0;
        while (i < cbs.length) {
          const sp = w.savepoint();
          try {
            cbs[i](w);
          } catch (err) {
            w.rollbackTo(sp);
            errors.push(err);
            i++;
            continue;
          }
          const full = w.size() > limits.changes || w.bytes > limits.bytes;
          if (full && taken > 0) { w.rollbackTo(sp); break; } // this one starts the next transaction
          i++;
          taken++;
          if (full || w.size() === limits.changes) break;
        }
      });
    }
    storeBatchLatency.observe(secondsSince(start));
    return errors;
  }

  watch(fn: Watcher, opts: WatchOptions = {}): () => void {
    const q = new WatchQueue(fn, opts, (x) => this.watchers.delete(x));
    this.watchers.add(q);
    return () => q.close();
  }

  /** Applies changes already committed elsewhere (log replay, Raft followers). */
  applyCommitted(version: number, changes: Change[]): void {
    const events: StoreEvent[] = [];
    for (const c of changes) {
      const table = this.tables[c.table] as unknown as Table<StoreObject>;
      const old = table.get(c.object.ID);
      if (c.action === 'remove') {
        table.delete(c.object.ID);
        // A logged removal carries only the ID: watchers see the object as it was.
        events.push({ action: 'remove', table: c.table, object: old ?? c.object, old });
      } else {
        table.put(c.object);
        events.push({ ...c, old });
      }
    }
    this.version = Math.max(this.version, version);
    for (const w of this.watchers) w.push(events, version);
  }

  snapshot(): StoreSnapshot {
    const tables: StoreSnapshot['tables'] = {};
    for (const t of TABLES) (tables as Record<string, unknown>)[t] = this.tables[t].all();
    return { version: this.version, tables };
  }

  /** Replaces the whole contents; watchers must resync from the store. */
  restore(snap: StoreSnapshot): void {
    for (const t of TABLES) {
      const table = this.tables[t] as unknown as Table<StoreObject>;
      table.clear();
      for (const o of (snap.tables[t] ?? []) as StoreObject[]) table.put(o);
    }
    this.version = snap.version;
    for (const w of this.watchers) w.dropToResync('store restored from a snapshot');
    log.info({ version: snap.version }, 'store restored from a snapshot');
  }

  private async commit<T>(fn: (tx: WriteTx) => T): Promise<T> {
    const version = this.version + 1;
    const tx = new WriteTransaction(this.tables, version, isoNano(this.clock.now()));
    const result = fn(tx);
    const changes = tx.changes();
    if (changes.length === 0) return result;
    // Without a log (tests, tools) the store is its own commit point.
    if (this.log) await this.log.append(version, changes, tx.encode(version, changes));
    else this.applyCommitted(version, changes);
    return result;
  }
}
