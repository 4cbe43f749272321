import type { StoreObject, TableDef } from './tables.js';

/** Objects are stored frozen: readers share them, writers make new objects (spread) instead of changing them. */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

const EMPTY: ReadonlySet<string> = new Set();

/** One table: objects by ID, a unique name index, and the secondary indexes of its definition. */
export class Table<T extends StoreObject> {
  readonly byId = new Map<string, T>();
  private byName = new Map<string, string>();
  private indexes = new Map<string, { key: (o: T) => string | undefined; ids: Map<string, Set<string>> }>();

  constructor(readonly def: TableDef<T>) {
    for (const [name, key] of Object.entries(def.indexes ?? {})) this.indexes.set(name, { key, ids: new Map() });
  }

  get size(): number { return this.byId.size; }
  get(id: string): T | undefined { return this.byId.get(id); }
  getByName(name: string): T | undefined {
    const id = this.byName.get(name);
    return id === undefined ? undefined : this.byId.get(id);
  }
  all(): T[] { return [...this.byId.values()]; }

  /** IDs under one key of a secondary index (live view: copy before writing the table). */
  ids(index: string, key: string): ReadonlySet<string> {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`no index ${index}`);
    return idx.ids.get(key) ?? EMPTY;
  }
  find(index: string, key: string): T[] {
    const out: T[] = [];
    for (const id of this.ids(index, key)) out.push(this.byId.get(id)!);
    return out;
  }
  hasIndex(index: string): boolean { return this.indexes.has(index); }

  /** How many objects are under one key of a secondary index. */
  count(index: string, key: string): number { return this.ids(index, key).size; }

  put(o: T): void {
    const old = this.byId.get(o.ID);
    this.byId.set(o.ID, deepFreeze(o));
    if (old) this.reindex(old, o); else this.index(o);
  }
  delete(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.unindex(old);
    this.byId.delete(id);
  }
  clear(): void {
    this.byId.clear();
    this.byName.clear();
    for (const idx of this.indexes.values()) idx.ids.clear();
  }

  private index(o: T) {
    const n = this.def.nameOf?.(o);
    if (n !== undefined) this.byName.set(n, o.ID);
    for (const { key, ids } of this.indexes.values()) {
      const k = key(o);
      if (k === undefined) continue;
      let s = ids.get(k);
      if (!s) ids.set(k, (s = new Set()));
      s.add(o.ID);
    }
  }
  /** Moves an updated object between index keys, touching only the keys that changed. */
  private reindex(old: T, o: T) {
    const on = this.def.nameOf?.(old);
    const nn = this.def.nameOf?.(o);
    if (on !== nn) {
      if (on !== undefined && this.byName.get(on) === o.ID) this.byName.delete(on);
      if (nn !== undefined) this.byName.set(nn, o.ID);
    }
    for (const { key, ids } of this.indexes.values()) {
      const ok = key(old);
      const nk = key(o);
      if (ok === nk) continue;
      if (ok !== undefined) {
        const s = ids.get(ok);
        if (s) { s.delete(o.ID); if (s.size === 0) ids.delete(ok); }
      }
      if (nk !== undefined) {
        let s = ids.get(nk);
        if (!s) ids.set(nk, (s = new Set()));
        s.add(o.ID);
      }
    }
  }

  private unindex(o: T) {
    const n = this.def.nameOf?.(o);
    if (n !== undefined && this.byName.get(n) === o.ID) this.byName.delete(n);
    for (const { key, ids } of this.indexes.values()) {
      const k = key(o);
      if (k === undefined) continue;
      const s = ids.get(k);
      if (!s) continue;
      s.delete(o.ID);
      if (s.size === 0) ids.delete(k);
    }
  }
}
