/**
 * A small model of Go's reflect types: enough for text/template to find
 * fields and methods, print values as fmt does and report types in errors
 * exactly as Go spells them ("swarm.ServiceSpec", "*uint64", "[]string").
 */
export type Kind =
  | 'bool' | 'int' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'uintptr'
  | 'float32' | 'float64' | 'complex128' | 'string'
  | 'struct' | 'ptr' | 'slice' | 'array' | 'map' | 'interface' | 'func';

/** A Go value: its type and its JS representation (see values.ts). */
export interface GoValue { t: GoType; v: any; addr?: boolean }
/** undefined stands for Go's invalid reflect.Value (no value at all). */
export type Val = GoValue | undefined;

export interface FuncSig { params: GoType[]; variadic: boolean; results: GoType[] }

export interface Method {
  name: string;
  sig: FuncSig;
  /** declared on *T: only in the method set of pointers (or addressable values). */
  ptr?: boolean;
  /** returns the results; throws GoError for a non-nil error result. */
  call(recv: GoValue, args: Val[]): Val;
}

/** A function a template can call: builtins and FuncMap entries. */
export interface GoFunc {
  sig: FuncSig;
  /** returns the result; throws GoError for a non-nil error result. */
  call(args: Val[]): Val;
}

export interface Field { name: string; type: GoType; embedded: boolean; tag: string }

export interface GoType {
  kind: Kind;
  /** qualified name of a named type ('string', 'time.Duration', 'swarm.Node'); unnamed types have none. */
  name?: string;
  elem?: GoType;
  key?: GoType;
  len?: number;
  fields?: Field[];
  methods?: Method[];
  sig?: FuncSig;
  /** encoding/json Marshaler, for types like time.Time. */
  marshalJSON?: (v: any) => string;
  /** cached *T */
  ptrTo?: GoType;
}

/** An error a Go function returned (or a panic it raised). */
export class GoError extends Error {}

const named = (kind: Kind, name = kind): GoType => ({ kind, name });
export const T = {
  bool: named('bool'), int: named('int'), int8: named('int8'), int16: named('int16'), int32: named('int32'), int64: named('int64'),
  uint: named('uint'), uint8: named('uint8'), uint16: named('uint16'), uint32: named('uint32'), uint64: named('uint64'),
  uintptr: named('uintptr'), float32: named('float32'), float64: named('float64'), complex128: named('complex128'),
  string: named('string'),
  any: { kind: 'interface' } as GoType,
  /** reflect.Value parameters take any argument unconverted. */
  reflectValue: { kind: 'struct', name: 'reflect.Value', fields: [] } as GoType,
  error: { kind: 'interface', name: 'error' } as GoType,
};

export function ptrTo(t: GoType): GoType {
  return (t.ptrTo ??= { kind: 'ptr', elem: t });
}
export const sliceOf = (t: GoType): GoType => ({ kind: 'slice', elem: t });
export const mapOf = (k: GoType, v: GoType): GoType => ({ kind: 'map', key: k, elem: v });

export function typeString(t: GoType): string {
  if (t.name) return t.name;
  return underlyingString(t);
}

/** The type literal of t's underlying type. */
function underlyingString(t: GoType): string {
  switch (t.kind) {
    case 'ptr': return `*${typeString(t.elem!)}`;
    case 'slice': return `[]${typeString(t.elem!)}`;
    case 'array': return `[${t.len}]${typeString(t.elem!)}`;
    case 'map': return `map[${typeString(t.key!)}]${typeString(t.elem!)}`;
    case 'interface': return t.name === 'error' ? 'interface { Error() string }' : 'interface {}';
    case 'func': return funcString(t.sig!);
    case 'struct': return `struct { ${t.fields!.map((f) => (f.embedded ? typeString(f.type) : `${f.name} ${typeString(f.type)}`)).join('; ')} }`.replace('{  }', '{}');
    default: return t.kind;
  }
}

function funcString(s: FuncSig): string {
  const ps = s.params.map((p, i) => (s.variadic && i === s.params.length - 1 ? `...${typeString(p.elem!)}` : typeString(p)));
  const rs = s.results.map(typeString);
  return `func(${ps.join(', ')})${rs.length === 0 ? '' : rs.length === 1 ? ` ${rs[0]}` : ` (${rs.join(', ')})`}`;
}

export function identical(a: GoType, b: GoType): boolean {
  if (a === b) return true;
  if (a.name || b.name) return a.name === b.name && a.kind === b.kind;
  return underlyingString(a) === underlyingString(b);
}

/** reflect's AssignableTo. */
export function assignable(v: GoType, to: GoType): boolean {
  if (identical(v, to)) return true;
  if (to.kind === 'interface') return to.name !== 'error' || !!findMethod(v, 'Error');
  // basic types are all named, so this is a composite literal type meeting a named one
  return (!v.name || !to.name) && v.kind === to.kind && underlyingString(v) === underlyingString(to);
}


export const isInt = (k: Kind) => k === 'int' || k === 'int8' || k === 'int16' || k === 'int32' || k === 'int64';
export const isUint = (k: Kind) => k === 'uint' || k === 'uint8' || k === 'uint16' || k === 'uint32' || k === 'uint64' || k === 'uintptr';
export const isFloat = (k: Kind) => k === 'float32' || k === 'float64';

/** Finds a method in the method set of t (pointer receivers count only for *T or addressable T). */
export function findMethod(t: GoType, name: string, addressable = false): Method | undefined {
  if (t.kind === 'ptr') {
    const m = t.elem!.methods?.find((x) => x.name === name);
    if (m) return m;
    return promoted(t.elem!, name, true);
  }
  const m = t.methods?.find((x) => x.name === name && (!x.ptr || addressable));
  return m ?? promoted(t, name, addressable);
}

/** Methods of embedded fields are promoted to the outer struct. */
function promoted(t: GoType, name: string, addressable: boolean): Method | undefined {
  if (t.kind !== 'struct') return undefined;
  for (const f of t.fields ?? []) {
    if (!f.embedded) continue;
    const m = findMethod(f.type, name, addressable || f.type.kind === 'ptr');
    if (m) return { ...m, call: (recv, args) => m.call(embeddedValue(recv, f), args) };
  }
  return undefined;
}

function embeddedValue(recv: GoValue, f: Field): GoValue {
  const v = recv.v?.[f.name] ?? zeroOf(f.type);
  // an embedded *T: methods take their receiver dereferenced
  if (f.type.kind === 'ptr') return { t: f.type.elem!, v: v?.target ?? zeroOf(f.type.elem!), addr: true };
  return { t: f.type, v, addr: true };
}

/** The JS representation of Go's zero value of t. */
export function zeroOf(t: GoType): any {
  switch (t.kind) {
    case 'bool': return false;
    case 'string': return '';
    case 'struct': return t.name === 'time.Time' ? zeroTime() : {};
    case 'array': return Array.from({ length: t.len ?? 0 }, () => zeroOf(t.elem!));
    case 'ptr': case 'slice': case 'map': case 'interface': case 'func': return null;
    default: return 0;
  }
}

/** Set by gotime.ts (kept apart so this file has no cycle). */
let zeroTime: () => any = () => ({});
export function setZeroTime(f: () => any) { zeroTime = f; }

/** Go's token.IsExported: the name starts with an upper-case letter. */
export function isExported(name: string): boolean {
  const c = [...name][0] ?? '';
  return c !== c.toLowerCase();
}
