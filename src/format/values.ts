/**
 * reflect.Value operations over GoValue. Representations by kind:
 * struct → object keyed by Go field name (a missing key is the zero value);
 * ptr → null or Ptr; slice → null or array; array → array; map → null or Map;
 * interface → null or the dynamic GoValue; numbers → number; time.Time → GoTime.
 */
import { GoError, T, isFloat, isInt, isUint, zeroOf, type Field, type GoType, type GoValue, type Val } from './types.js';

let nextAddr = 0;
/** A pointer: identity gives it an address for %p-like printing. */
export class Ptr {
  readonly addr = 0xc000010000 + 0x10 * nextAddr++;
  constructor(public target: any) {}
}

export const val = (t: GoType, v: any, addr = false): GoValue => ({ t, v, addr });
export const str = (s: string): GoValue => val(T.string, s);
export const int = (n: number): GoValue => val(T.int, n);
export const bool = (b: boolean): GoValue => val(T.bool, b);

export function isNil(v: Val): boolean {
  if (!v) return true;
  switch (v.t.kind) {
    case 'ptr': case 'slice': case 'map': case 'interface': case 'func': return v.v === null;
  }
  return false;
}

/** The value a pointer points to, or an interface holds (undefined for nil). */
export function elem(v: GoValue): Val {
  if (v.t.kind === 'ptr') return v.v === null ? undefined : val(v.t.elem!, v.v.target, true);
  if (v.t.kind === 'interface') return v.v ?? undefined;
  throw new Error(`elem of ${v.t.kind}`);
}

/** Methods take their receiver dereferenced: none of ours needs the pointer itself. */
export function methodRecv(v: GoValue): GoValue {
  if (v.t.kind !== 'ptr') return v;
  if (v.v === null) throw new GoError('runtime error: invalid memory address or nil pointer dereference');
  return val(v.t.elem!, v.v.target, true);
}

/** exec.go indirect: follows pointers and interfaces; stops at a nil one. */
export function indirect(v: Val): [Val, boolean] {
  while (v && (v.t.kind === 'ptr' || v.t.kind === 'interface')) {
    if (v.v === null) return [v, true];
    v = elem(v);
  }
  return [v, false];
}

/** exec.go indirectInterface: the concrete value in an interface (undefined for nil). */
export function indirectInterface(v: Val): Val {
  if (!v || v.t.kind !== 'interface') return v;
  return v.v ?? undefined;
}

/** Field path by name with Go's embedding rules (shallowest depth wins; ambiguity hides it). */
export function fieldByName(t: GoType, name: string): Field[] | undefined {
  let level: { t: GoType; path: Field[] }[] = [{ t, path: [] }];
  const seen = new Set<GoType>();
  while (level.length) {
    const found: Field[][] = [];
    const next: { t: GoType; path: Field[] }[] = [];
    for (const { t: st, path } of level) {
      if (seen.has(st)) continue;
      seen.add(st);
      for (const f of st.fields ?? []) {
        if (f.name === name) found.push([...path, f]);
        else if (f.embedded) {
          const ft = f.type.kind === 'ptr' ? f.type.elem! : f.type;
          if (ft.kind === 'struct') next.push({ t: ft, path: [...path, f] });
        }
      }
    }
    if (found.length === 1) return found[0];
    if (found.length > 1) return undefined;
    level = next;
  }
  return undefined;
}

/** reflect FieldByIndexErr: walks a field path, failing on a nil embedded pointer. */
export function fieldValue(v: GoValue, path: Field[]): GoValue {
  let cur = v;
  path.forEach((f, i) => {
    if (i > 0 && cur.t.kind === 'ptr') {
      if (cur.v === null) throw new GoError(`reflect: indirection through nil pointer to embedded struct field ${path[i - 1].name}`);
      cur = val(cur.t.elem!, cur.v.target, true);
    }
    const raw = cur.v?.[f.name];
    cur = val(f.type, raw === undefined ? zeroOf(f.type) : raw, cur.addr);
  });
  return cur;
}

export function length(v: GoValue): number {
  switch (v.t.kind) {
    case 'string': return Buffer.byteLength(v.v);
    case 'slice': case 'array': return v.v?.length ?? 0;
    case 'map': return v.v?.size ?? 0;
  }
  throw new Error(`len of ${v.t.kind}`);
}

export function indexOf(v: GoValue, i: number): GoValue {
  if (v.t.kind === 'string') return val(T.uint8, Buffer.from(v.v)[i]);
  const raw = v.v[i];
  return val(v.t.elem!, raw === undefined ? zeroOf(v.t.elem!) : raw, v.t.kind === 'slice' || v.addr);
}

/** isTrue from exec.go: [truth, ok]. */
export function isTrue(v: Val): [boolean, boolean] {
  if (!v) return [false, true];
  const k = v.t.kind;
  switch (k) {
    case 'array': case 'slice': case 'map': case 'string': return [length(v) > 0, true];
    case 'bool': return [v.v, true];
    case 'ptr': case 'interface': case 'func': return [v.v !== null, true];
    case 'struct': return [true, true];
    case 'complex128': return [v.v.re !== 0 || v.v.im !== 0, true];
  }
  if (isInt(k) || isUint(k) || isFloat(k)) return [v.v !== 0, true];
  return [false, false];
}

/** Compares strings by code point, which is Go's byte order for UTF-8. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) return d < 0 ? -1 : 1;
  }
  return x.length - y.length;
}

/** A map's entries in internal/fmtsort order (the order fmt and range use). */
export function sortedEntries(m: GoValue): [GoValue, GoValue][] {
  const kt = m.t.key!, et = m.t.elem!;
  const entries: [GoValue, GoValue][] = [...((m.v as Map<any, any> | null) ?? new Map()).entries()].map(([k, v]) => [val(kt, k), val(et, v)]);
  return entries.sort((a, b) => compareKeys(a[0], b[0]));
}

function compareKeys(a: GoValue, b: GoValue): number {
  const k = a.t.kind;
  if (k === 'string') return compareStrings(a.v, b.v);
  if (k === 'bool') return a.v === b.v ? 0 : a.v ? 1 : -1;
  if (k === 'interface') {
    const x = a.v as Val, y = b.v as Val;
    if (!x || !y) return !x && !y ? 0 : !x ? -1 : 1;
    return x.t === y.t ? compareKeys(x, y) : 0;
  }
  if (k === 'ptr') return (a.v?.addr ?? 0) - (b.v?.addr ?? 0);
  return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
}
