/**
 * encoding/json over GoValue: struct fields in declaration order with their
 * tags (name, omitempty, "-", string), embedded structs flattened, sorted map
 * keys, nil slices/maps as null, []byte as base64, Marshaler types, and Go's
 * string escaping (HTML escaping optional, as json.Encoder.SetEscapeHTML).
 */
import { jsonFloat } from './strconv.js';
import { findMethod, GoError, isFloat, isInt, isUint, typeString, zeroOf, type Field, type GoType, type GoValue, type Val } from './types.js';
import { compareStrings, elem, indexOf, length, methodRecv, val } from './values.js';

export interface JsonField { key: string; path: Field[]; type: GoType; omitempty: boolean; quoted: boolean }

const fieldCache = new WeakMap<GoType, JsonField[]>();

/** The fields encoding/json sees in a struct type (typeFields with its dominance rules). */
export function jsonFields(t: GoType): JsonField[] {
  const hit = fieldCache.get(t);
  if (hit) return hit;
  const all: (JsonField & { depth: number; tagged: boolean; order: number[] })[] = [];
  const walk = (st: GoType, path: Field[], order: number[], seen: Set<GoType>) => {
    if (seen.has(st)) return;
    seen = new Set(seen).add(st);
    (st.fields ?? []).forEach((f, i) => {
      const tag = parseTag(f.tag);
      if (tag.skip) return;
      const ft = f.type.kind === 'ptr' && !f.type.name ? f.type.elem! : f.type;
      if (f.embedded && !tag.name && ft.kind === 'struct' && !ft.marshalJSON) {
        walk(ft, [...path, f], [...order, i], seen);
        return;
      }
      if (!f.embedded && f.name[0] === f.name[0].toLowerCase()) return;
      all.push({ key: tag.name || f.name, path: [...path, f], type: f.type, omitempty: tag.omitempty, quoted: tag.quoted,
        depth: path.length, tagged: !!tag.name, order: [...order, i] });
    });
  };
  walk(t, [], [], new Set());
  const byName = new Map<string, typeof all>();
  for (const f of all) byName.set(f.key, [...(byName.get(f.key) ?? []), f]);
  const kept = all.filter((f) => {
    const rivals = byName.get(f.key)!;
    const depth = Math.min(...rivals.map((r) => r.depth));
    const top = rivals.filter((r) => r.depth === depth);
    if (top.length === 1) return top[0] === f;
    const tagged = top.filter((r) => r.tagged);
    return tagged.length === 1 && tagged[0] === f;
  });
  const out = kept.map(({ key, path, type, omitempty, quoted }) => ({ key, path, type, omitempty, quoted }));
  fieldCache.set(t, out);
  return out;
}

function parseTag(tag: string): { name: string; omitempty: boolean; quoted: boolean; skip: boolean } {
  const m = /json:"([^"]*)"/.exec(tag);
  if (!m) return { name: '', omitempty: false, quoted: false, skip: false };
  if (m[1] === '-') return { name: '', omitempty: false, quoted: false, skip: true };
  const [name, ...opts] = m[1].split(',');
  return { name, omitempty: opts.includes('omitempty'), quoted: opts.includes('string'), skip: false };
}

/** Go's json string escaping. */
export function jsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20) out += ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' } as Record<string, string>)[ch] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
    else if (escapeHTML && (ch === '<' || ch === '>' || ch === '&')) out += `\\u00${c.toString(16)}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return out + '"';
}

function isEmpty(v: GoValue): boolean {
  const k = v.t.kind;
  if (k === 'bool') return !v.v;
  if (k === 'string') return v.v === '';
  if (isInt(k) || isUint(k) || isFloat(k)) return v.v === 0;
  if (k === 'ptr' || k === 'interface') return v.v === null;
  if (k === 'slice' || k === 'map' || k === 'array') return length(v) === 0;
  return false;
}

/** json.Marshal(v); escapeHTML as the encoder is set. */
export function marshal(v: Val, escapeHTML = true): string {
  if (!v) return 'null';
  const t = v.t;
  if (t.marshalJSON) return compact(t.marshalJSON(v.v), escapeHTML);
  const m = findMethod(t, 'MarshalJSON', v.addr);
  if (m) {
    if (t.kind === 'ptr' && v.v === null) return 'null';
    const out = m.call(methodRecv(v), [])!.v;
    return compact(Array.isArray(out) ? Buffer.from(out).toString('utf8') : out, escapeHTML);
  }
  const k = t.kind;
  if (k === 'bool') return v.v ? 'true' : 'false';
  if (isInt(k) || isUint(k)) return String(BigInt(Math.trunc(v.v)));
  if (isFloat(k)) {
    if (!Number.isFinite(v.v)) throw new GoError(`json: unsupported value: ${Number.isNaN(v.v) ? 'NaN' : v.v > 0 ? '+Inf' : '-Inf'}`);
    return jsonFloat(v.v, k === 'float32' ? 32 : 64);
  }
  switch (k) {
    case 'string': return jsonString(v.v, escapeHTML);
    case 'ptr': case 'interface': return v.v === null ? 'null' : marshal(elem(v), escapeHTML);
    case 'struct': return marshalStruct(v, escapeHTML);
    case 'map': return marshalMap(v, escapeHTML);
    case 'slice': case 'array': {
      if (k === 'slice' && v.v === null) return 'null';
      if (t.elem!.kind === 'uint8' && !t.elem!.methods) return jsonString(Buffer.from(v.v as number[]).toString('base64'), false);
      const items: string[] = [];
      for (let i = 0; i < length(v); i++) items.push(marshal(indexOf(v, i), escapeHTML));
      return `[${items.join(',')}]`;
    }
  }
  throw new GoError(`json: unsupported type: ${typeString(t)}`);
}

function marshalStruct(v: GoValue, escapeHTML: boolean): string {
  const parts: string[] = [];
  for (const f of jsonFields(v.t)) {
    let cur: any = v.v;
    let missing = false;
    for (const step of f.path.slice(0, -1)) {
      cur = cur?.[step.name];
      if (step.type.kind === 'ptr') cur = cur?.target;
      if (cur === undefined || cur === null) { missing = true; break; }
    }
    if (missing) continue;
    const raw = cur?.[f.path[f.path.length - 1].name];
    const fv = val(f.type, raw === undefined ? zeroOf(f.type) : raw);
    if (f.omitempty && isEmpty(fv)) continue;
    let enc = marshal(fv, escapeHTML);
    if (f.quoted && (isInt(f.type.kind) || isUint(f.type.kind) || isFloat(f.type.kind) || f.type.kind === 'bool')) enc = `"${enc}"`;
    else if (f.quoted && f.type.kind === 'string') enc = jsonString(enc, escapeHTML);
    parts.push(`${jsonString(f.key, escapeHTML)}:${enc}`);
  }
  return `{${parts.join(',')}}`;
}

function marshalMap(v: GoValue, escapeHTML: boolean): string {
  if (v.v === null) return 'null';
  const entries = [...(v.v as Map<any, any>).entries()].map(([k, x]) => [String(k), x] as [string, any]);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  return `{${entries.map(([k, x]) => `${jsonString(k, escapeHTML)}:${marshal(val(v.t.elem!, x), escapeHTML)}`).join(',')}}`;
}

/** json.Compact: strips insignificant space; escapes <>& when asked. */
export function compact(src: string, escapeHTML: boolean): string {
  let out = '';
  let inStr = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inStr) {
      if (escapeHTML && (c === '<' || c === '>' || c === '&')) out += `\\u00${c.charCodeAt(0).toString(16)}`;
      else out += c;
      if (c === '\\') out += src[++i];
      else if (c === '"') inStr = false;
    } else if (c === '"') { inStr = true; out += c; } else if (!' \t\r\n'.includes(c)) out += c;
  }
  return out;
}

/** json.Indent(prefix "", indent) of compact JSON. */
export function indent(src: string, ind: string): string {
  let out = '';
  let depth = 0;
  let inStr = false;
  const nl = () => '\n' + ind.repeat(depth);
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inStr) {
      out += c;
      if (c === '\\') out += src[++i];
      else if (c === '"') inStr = false;
      continue;
    }
    switch (c) {
      case '"': inStr = true; out += c; break;
      case '{': case '[':
        if (src[i + 1] === (c === '{' ? '}' : ']')) { out += c + src[++i]; break; }
        depth++;
        out += c + nl();
        break;
      case '}': case ']': depth--; out += nl() + c; break;
      case ',': out += c + nl(); break;
      case ':': out += ': '; break;
      default: out += c;
    }
  }
  return out;
}
