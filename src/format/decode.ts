/**
 * JSON from the daemon into Go values: typed (as the docker CLI unmarshals
 * into its structs, dropping unknown keys) or untyped (interface{} maps and
 * slices, as a template sees data it has no struct for).
 */
import { jsonFields } from './gojson.js';
import { parseTime } from './gotime.js';
import { T, mapOf, sliceOf, zeroOf, type GoType, type GoValue } from './types.js';
import { Ptr, val } from './values.js';

/** The representation of json decoded into type t (encoding/json.Unmarshal, leniently). */
export function decodeAs(t: GoType, json: unknown): any {
  if (json === undefined) return zeroOf(t);
  if (t.name === 'time.Time') return typeof json === 'string' ? parseTime(json) : zeroOf(t);
  switch (t.kind) {
    case 'ptr': return json === null ? null : new Ptr(decodeAs(t.elem!, json));
    case 'interface': return json === null ? null : untyped(json, 'float64');
    case 'slice':
      if (json === null) return null;
      if (t.elem!.kind === 'uint8' && typeof json === 'string') return [...Buffer.from(json, 'base64')];
      return Array.isArray(json) ? json.map((x) => decodeAs(t.elem!, x)) : zeroOf(t);
    case 'array': return Array.from({ length: t.len ?? 0 }, (_, i) => decodeAs(t.elem!, Array.isArray(json) ? json[i] : undefined));
    case 'map': {
      if (json === null || typeof json !== 'object') return null;
      const m = new Map<any, any>();
      const numericKey = t.key!.kind !== 'string' && t.key!.kind !== 'interface';
      for (const [k, v] of Object.entries(json)) m.set(numericKey ? Number(k) : k, decodeAs(t.elem!, v));
      return m;
    }
    case 'struct': return json !== null && typeof json === 'object' && !Array.isArray(json) ? decodeStruct(t, json as Record<string, unknown>) : zeroOf(t);
    case 'string': return typeof json === 'string' ? json : '';
    case 'bool': return json === true;
    default: return typeof json === 'number' ? json : 0;
  }
}

function decodeStruct(t: GoType, json: Record<string, unknown>): Record<string, any> {
  const obj: Record<string, any> = {};
  const fields = jsonFields(t);
  for (const [key, value] of Object.entries(json)) {
    const f = fields.find((x) => x.key === key) ?? fields.find((x) => x.key.toLowerCase() === key.toLowerCase());
    if (!f) continue;
    let cur = obj;
    for (const step of f.path.slice(0, -1)) {
      if (step.type.kind === 'ptr') {
        cur[step.name] ??= new Ptr({});
        cur = cur[step.name].target;
      } else cur = cur[step.name] ??= {};
    }
    cur[f.path[f.path.length - 1].name] = decodeAs(f.type, value);
  }
  return obj;
}

/** A typed value decoded from JSON. */
export const decode = (t: GoType, json: unknown): GoValue => val(t, decodeAs(t, json));

const anyMap = mapOf(T.string, T.any);
const anySlice = sliceOf(T.any);

/**
 * An untyped value (interface{} contents). JSON numbers become float64 as in
 * encoding/json, or with 'int64' the whole ones become int64 so they print as
 * integers (the typed fields docker has for them would).
 */
export function untyped(json: unknown, numbers: 'float64' | 'int64'): GoValue | null {
  if (json === null || json === undefined) return null;
  if (Array.isArray(json)) return val(anySlice, json.map((x) => untyped(x, numbers)));
  switch (typeof json) {
    case 'string': return val(T.string, json);
    case 'boolean': return val(T.bool, json);
    case 'number': return val(numbers === 'int64' && Number.isInteger(json) ? T.int64 : T.float64, json);
    case 'object': {
      const m = new Map<any, any>();
      for (const [k, v] of Object.entries(json as object)) if (v !== undefined) m.set(k, untyped(v, numbers));
      return val(anyMap, m);
    }
  }
  return val(T.string, String(json));
}
