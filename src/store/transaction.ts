import { ApiError } from '../types/errors.js';
import { deepFreeze, type Table } from './table.js';
import { readTx, type ReadTx, type TableReader } from './readers.js';
import { TABLES, type Change, type StoreObject, type StoreObjects, type TableName } from './tables.js';

export const OUT_OF_SEQUENCE = 'update out of sequence';

/**
 * A copy of obj with its store metadata set. Object.assign onto {} on purpose:
 * V8 (Node 20) gives an object spread that adds a property (`{ ...t, NodeID }`)
 * a hidden class of its own, so 100,000 tasks had 100,000 shapes (memory, and
 * every property read megamorphic); assigned copies share one per key order.
 */
function withMeta<T extends StoreObject>(obj: T, meta: { Version: { Index: number }; CreatedAt?: string; UpdatedAt: string }): T {
  return Object.assign({}, obj, meta);
}

export interface WriteTx extends ReadTx {
  /** Adds a new object; its Version, CreatedAt and UpdatedAt are set here. */
  create<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K];
  /** Replaces an object; obj.Version must be the stored one, else 'update out of sequence'. */
  update<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K];
  remove(table: TableName, id: string): void;
}

export type Tables = { [K in TableName]: Table<StoreObjects[K]> };

interface Undo { table: TableName; id: string; had: boolean; prev: StoreObject | null | undefined }
export interface Savepoint { log: number; undo: number; bytes: number }

/**
 * A write transaction: reads see its own writes through an overlay over the
 * committed tables. Written objects are frozen at once (they are shared with
 * readers after commit) and serialized once, for the log entry.
 */
export class WriteTransaction implements WriteTx {
  private overlay = new Map<TableName, Map<string, StoreObject | null>>(TABLES.map((t) => [t, new Map()]));
  /** The overlay's own secondary indexes: table → index → key → IDs written under that key. */
  private overlayIndex = new Map<TableName, Map<string, Map<string, Set<string>>>>();
  private log: Change[] = [];
  private undo: Undo[] = [];
  private json = new Map<StoreObject, string>();
  /** Serialized size of what was written (an upper bound of the entry's size). */
  bytes = 0;
  private readers: ReadTx;

  constructor(private base: Tables, private version: number, private now: string) {
    this.readers = readTx((name) => this.reader(name));
  }

  get nodes() { return this.readers.nodes; }
  get services() { return this.readers.services; }
  get tasks() { return this.readers.tasks; }
  cluster() { return this.readers.cluster(); }
  table<K extends TableName>(name: K) { return this.reader(name); }

  create<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K] {
    if (this.get(table, obj.ID)) throw new ApiError(409, `object ${obj.ID} already exists`);
    const o = withMeta(obj, { Version: { Index: this.version }, CreatedAt: obj.CreatedAt || this.now, UpdatedAt: this.now });
    this.put(table, 'create', o);
    return o;
  }

  update<K extends TableName>(table: K, obj: StoreObjects[K]): StoreObjects[K] {
    const cur = this.get(table, obj.ID);
    if (!cur) throw new ApiError(404, `object ${obj.ID} not found`);
    if (cur.Version.Index !== obj.Version.Index) throw new ApiError(500, OUT_OF_SEQUENCE);
    const o = withMeta(obj, { Version: { Index: this.version }, UpdatedAt: this.now });
    this.put(table, 'update', o);
    return o;
  }

  remove(table: TableName, id: string): void {
    const cur = this.get(table, id);
    if (!cur) return;
    this.record(table, id, null);
    this.log.push({ action: 'remove', table, object: cur });
    this.bytes += id.length + 64;
  }

  /** Distinct objects written so far. */
  size(): number {
    let n = 0;
    for (const m of this.overlay.values()) n += m.size;
    return n;
  }

  savepoint(): Savepoint { return { log: this.log.length, undo: this.undo.length, bytes: this.bytes }; }

  /** Forgets every write since the savepoint. */
  rollbackTo(sp: Savepoint): void {
    for (let i = this.undo.length - 1; i >= sp.undo; i--) {
      const u = this.undo[i];
      this.setOverlay(u.table, u.id, u.had ? u.prev! : undefined);
    }
    this.undo.length = sp.undo;
    this.log.length = sp.log;
    this.bytes = sp.bytes;
  }

  changes(): Change[] {
    // One change per object: the last write wins; a create then update stays a create.
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

  /** The log entry of these changes; a removal carries only the ID. */
  encode(version: number, changes: Change[]): string {
    const parts = changes.map((c) => {
      const obj = c.action === 'remove' ? JSON.stringify({ ID: c.object.ID }) : (this.json.get(c.object) ?? JSON.stringify(c.object));
      return `{"action":"${c.action}","table":"${c.table}","object":${obj}}`;
    });
    return `{"v":${version},"c":[${parts.join(',')}]}`;
  }

  private put(table: TableName, action: 'create' | 'update', o: StoreObject) {
    deepFreeze(o);
    const text = JSON.stringify(o);
    this.json.set(o, text);
    this.bytes += text.length;
    this.record(table, o.ID, o);
    this.log.push({ action, table, object: o } as Change);
  }

  private record(table: TableName, id: string, value: StoreObject | null) {
    const ov = this.overlay.get(table)!;
    this.undo.push({ table, id, had: ov.has(id), prev: ov.get(id) });
    this.setOverlay(table, id, value);
  }

  /** Sets (undefined: forgets) an overlay entry and keeps the overlay's indexes in step, once built. */
  private setOverlay(table: TableName, id: string, value: StoreObject | null | undefined) {
    const ov = this.overlay.get(table)!;
    const byIndex = this.overlayIndex.get(table);
    if (byIndex) {
      const prev = ov.get(id);
      if (prev) this.indexOverlay(table, byIndex, id, prev, -1);
      if (value) this.indexOverlay(table, byIndex, id, value, 1);
    }
    if (value === undefined) ov.delete(id); else ov.set(id, value);
  }

  private indexOverlay(table: TableName, byIndex: Map<string, Map<string, Set<string>>>, id: string, o: StoreObject, sign: 1 | -1) {
    const indexes = this.base[table].def.indexes as Record<string, (o: StoreObject) => string | undefined>;
    for (const name in indexes) {
      const k = indexes[name](o);
      if (k === undefined) continue;
      let keys = byIndex.get(name);
      if (!keys) byIndex.set(name, (keys = new Map()));
      let ids = keys.get(k);
      if (!ids) keys.set(k, (ids = new Set()));
      if (sign > 0) ids.add(id); else ids.delete(id);
    }
  }

  /** The overlay's indexes of a table, built on first use (most transactions never query an index). */
  private overlayIndexOf(table: TableName): Map<string, Map<string, Set<string>>> {
    let byIndex = this.overlayIndex.get(table);
    if (!byIndex) {
      this.overlayIndex.set(table, (byIndex = new Map()));
      for (const [id, o] of this.overlay.get(table)!) if (o) this.indexOverlay(table, byIndex, id, o, 1);
    }
    return byIndex;
  }

  private get<K extends TableName>(table: K, id: string): StoreObjects[K] | undefined {
    const ov = this.overlay.get(table)!;
    if (ov.has(id)) return (ov.get(id) ?? undefined) as StoreObjects[K] | undefined;
    return this.base[table].get(id);
  }

  private reader<K extends TableName>(name: K): TableReader<StoreObjects[K]> {
    type T = StoreObjects[K];
    const base = this.base[name] as Table<T>;
    const ov = this.overlay.get(name)! as Map<string, T | null>;
    const def = base.def;
    return {
      get: (id) => this.get(name, id),
      getByName: (n) => {
        for (const o of ov.values()) if (o && def.nameOf?.(o) === n) return o;
        const b = base.getByName(n);
        return b && !ov.has(b.ID) ? b : undefined;
      },
      all: () => {
        if (ov.size === 0) return base.all();
        const out = base.all().filter((o) => !ov.has(o.ID));
        for (const o of ov.values()) if (o) out.push(o);
        return out;
      },
      count: (index, key) => (ov.size === 0 ? base.count(index, key) : this.reader(name).by(index, key).length),
      by: (index, key) => {
        const out = base.find(index, key);
        if (ov.size === 0) return out;
        const kept = out.length ? out.filter((o) => !ov.has(o.ID)) : out;
        for (const id of this.overlayIndexOf(name).get(index)?.get(key) ?? []) kept.push(ov.get(id)!);
        return kept;
      },
    };
  }
}
