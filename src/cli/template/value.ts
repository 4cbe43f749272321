/**
 * The Go values a template sees, modelled on plain JS data:
 *   undefined      an invalid reflect.Value (a missing map key): prints "<no value>"
 *   null           a nil interface: prints "<nil>"
 *   string/boolean as in Go; number is an int when integral, else a float64
 *   GoFloat        a float64 whose text must stay float ("1.0" prints "1", "1e6" prints "1e+06")
 *   Array          a slice; plain object: a map[string]… (fmt sorts its keys)
 *   GoStruct       a struct (fields in order, methods) — see struct()
 *   GoNil          a typed nil pointer, so errors can name its type
 *   GoStringer     a value with a String() method (time.Time, time.Duration)
 */

export class GoFloat {
  constructor(readonly value: number) {}
}

export class GoNil {
  constructor(readonly type: string) {}
}

/** Values Go prints through their String() method; toJSON is their encoding/json form. */
export abstract class GoStringer {
  abstract goString(): string;
  abstract toJSON(): unknown;
  abstract get goType(): string;
  /** Go's truth of the underlying value (a Duration of 0 is false, a Time struct is always true). */
  truth(): boolean { return true; }
}

const STRUCT = Symbol('go.struct');

export interface StructInfo {
  /** Go's name for the type, as errors print it: "swarm.Service", "*formatter.serviceContext". */
  type: string;
  /** Field (and method) names in declaration order, for {v1 v2} printing; methods are left out of it. */
  fields: string[];
  /** encoding/json form; by default the fields in order. */
  json?: () => unknown;
}

/**
 * Marks obj as a Go struct: only its own keys are fields; function-valued keys are
 * methods, called without arguments when the template reaches them.
 */
export function struct<T extends object>(obj: T, info: Partial<StructInfo> & { type: string }): T {
  const fields = info.fields ?? Object.keys(obj).filter((k) => typeof (obj as Record<string, unknown>)[k] !== 'function');
  Object.defineProperty(obj, STRUCT, { value: { ...info, fields }, enumerable: false });
  return obj;
}

export function structInfo(v: unknown): StructInfo | undefined {
  return v !== null && typeof v === 'object' ? (v as { [STRUCT]?: StructInfo })[STRUCT] : undefined;
}

export const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !structInfo(v) && !(v instanceof GoFloat) && !(v instanceof GoNil) && !(v instanceof GoStringer);

export type Kind = 'invalid' | 'nil' | 'string' | 'int' | 'float' | 'bool' | 'slice' | 'map' | 'struct' | 'stringer';

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null || v instanceof GoNil) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoStringer) return 'stringer';
  if (Array.isArray(v)) return 'slice';
  if (structInfo(v)) return 'struct';
  return 'map';
}

/** Go's name for a value's type, as "can't evaluate field X in type T" prints it. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid': case 'nil': return v instanceof GoNil ? v.type : 'interface {}';
    case 'string': return 'string';
    case 'bool': return 'bool';
    case 'int': return 'int';
    case 'float': return 'float64';
    case 'stringer': return (v as GoStringer).goType;
    case 'struct': return structInfo(v)!.type;
    case 'slice': return (v as unknown[]).length && (v as unknown[]).every((x) => typeof x === 'string') ? '[]string' : '[]interface {}';
    default: return Object.values(v as object).every((x) => typeof x === 'string') ? 'map[string]string' : 'map[string]interface {}';
  }
}

/** text/template's truth: empty strings, slices, maps, zero numbers, false and nil are false. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid': case 'nil': return false;
    case 'string': return (v as string).length > 0;
    case 'bool': return v as boolean;
    case 'int': case 'float': return numberOf(v) !== 0;
    case 'slice': return (v as unknown[]).length > 0;
    case 'map': return Object.keys(v as object).length > 0;
    case 'stringer': return (v as GoStringer).truth();
    default: return true;
  }
}

export const numberOf = (v: unknown): number => (v instanceof GoFloat ? v.value : Number(v));

/** strconv.FormatFloat(f, 'g', -1, 64), the way fmt's %v prints a float64. */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  // shortest digits that round-trip, as JS finds them too
  const [mant, expText] = f.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 21 || (exp >= 6 && true)) {
    if (exp >= -4 && exp < 21 && exp < 6) return String(f);
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return String(f);
}

function formatNumber(v: unknown): string {
  if (v instanceof GoFloat) return formatFloat(v.value);
  if (typeof v === 'bigint') return v.toString();
  const n = v as number;
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? BigInt(n).toString() : formatFloat(n);
  return formatFloat(n);
}

/** fmt's %v. depth > 0 is a value nested in a slice, map or struct. */
export function goPrint(v: unknown, depth = 0): string {
  switch (kindOf(v)) {
    case 'invalid': return '<no value>';
    case 'nil': return '<nil>';
    case 'string': return v as string;
    case 'bool': return String(v);
    case 'int': case 'float': return formatNumber(v);
    case 'stringer': return (v as GoStringer).goString();
    case 'slice': return `[${(v as unknown[]).map((x) => goPrint(x, depth + 1)).join(' ')}]`;
    case 'struct': {
      const info = structInfo(v)!;
      const o = v as Record<string, unknown>;
      return `{${info.fields.map((f) => goPrint(o[f], depth + 1)).join(' ')}}`;
    }
    default: {
      const o = v as Record<string, unknown>;
      return `map[${sortedKeys(o).map((k) => `${k}:${goPrint(o[k], depth + 1)}`).join(' ')}]`;
    }
  }
}

/** Go sorts string keys by their bytes, which for UTF-16 code units below the surrogates is the same order. */
export const sortedKeys = (o: object) => Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** encoding/json with SetEscapeHTML(false): maps sort their keys, structs keep field order. */
export function toJsonValue(v: unknown): unknown {
  switch (kindOf(v)) {
    case 'invalid': case 'nil': return null;
    case 'float': return numberOf(v);
    case 'int': return typeof v === 'bigint' ? Number(v) : v;
    case 'stringer': return (v as GoStringer).toJSON();
    case 'slice': return (v as unknown[]).map(toJsonValue);
    case 'struct': {
      const info = structInfo(v)!;
      if (info.json) return info.json();
      const o = v as Record<string, unknown>;
      return Object.fromEntries(info.fields.map((f) => [f, toJsonValue(o[f])]));
    }
    case 'map': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(sortedKeys(o).map((k) => [k, toJsonValue(o[k])]));
    }
    default: return v;
  }
}

/** JSON text as Go's encoder writes it (no HTML escaping; U+2028/2029 escaped). */
export function goJsonText(v: unknown): string {
  return JSON.stringify(v ?? null).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
