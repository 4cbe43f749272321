import { badRequest } from '../../types/errors.js';
import type { Field } from '../../types/schema.js';
import { goMapOrder } from '../../types/go-map.js';
import { JsonSyntaxError, parseJson, type JsonNode } from './parse.js';

/**
 * Decodes a request body into the shape of `schema` as Go's encoding/json
 * does for Docker: keys matched to field names exactly first, then without
 * regard to case; unknown keys ignored; nested objects merged into what an
 * earlier duplicate key set; wrong JSON types refused with Go's message.
 * The result uses the canonical spelling of every field.
 */
export function decodeBody<T>(schema: Field, body: Buffer, opts: { onEmpty?: () => T } = {}): T {
  let node: JsonNode;
  try {
    node = parseJson(body);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    if (e.eof) {
      if (opts.onEmpty) return opts.onEmpty();
      throw badRequest('got EOF while reading request body');
    }
    throw badRequest(e.message);
  }
  // A top-level null leaves Go's zero value: an empty object.
  return (convert(node, schema, { path: [], struct: '' }, undefined) ?? {}) as T;
}

/** Decodes a JSON value already in memory (a forwarded or generated body) the same way. */
export function decodeValue<T>(schema: Field, value: unknown): T {
  return decodeBody<T>(schema, Buffer.from(JSON.stringify(value ?? null)));
}

interface Where { path: string[]; struct: string }

function describe(n: JsonNode): string {
  return n.t === 'bool' ? 'bool' : n.t;
}

function typeError(what: string, at: Where, go: string) {
  if (at.path.length === 0) return badRequest(`json: cannot unmarshal ${what} into Go value of type ${go}`);
  return badRequest(`json: cannot unmarshal ${what} into Go struct field ${at.struct}.${at.path.join('.')} of type ${go}`);
}

const INT_RE = /^-?(0|[1-9][0-9]*)$/;

function integer(raw: string, f: Extract<Field, { kind: 'int' }>): number | undefined {
  if (!INT_RE.test(raw)) return undefined;
  if (f.unsigned && raw.startsWith('-')) return undefined;
  const v = BigInt(raw);
  const max = f.unsigned ? (1n << BigInt(f.bits)) - 1n : (1n << BigInt(f.bits - 1)) - 1n;
  const min = f.unsigned ? 0n : -(1n << BigInt(f.bits - 1));
  if (v > max || v < min) return undefined;
  return Number(v);
}

function float(raw: string, go: 'float32' | 'float64'): number | undefined {
  const v = Number(raw);
  if (!Number.isFinite(v)) return undefined;
  if (go === 'float32' && Math.abs(v) > 3.4028234663852886e38) return undefined;
  return v;
}

/** Plain JSON for fields taken as they come. */
function plain(n: JsonNode): unknown {
  switch (n.t) {
    case 'object': return Object.fromEntries(n.entries.map(([k, v]) => [k, plain(v)]));
    case 'array': return n.items.map(plain);
    case 'string': return n.v;
    case 'number': return Number(n.raw);
    case 'bool': return n.v;
    case 'null': return null;
  }
}

const shortName = (go: string) => go.slice(go.lastIndexOf('.') + 1);

function convert(n: JsonNode, f: Field, at: Where, prev: unknown): unknown {
  if (n.t === 'null') {
    // Go: null clears a pointer, slice, map or interface and leaves a plain value as it was.
    return f.ptr || f.kind === 'slice' || f.kind === 'map' || f.kind === 'any' ? undefined : prev;
  }
  switch (f.kind) {
    case 'any': return plain(n);
    case 'string':
      if (n.t !== 'string') throw typeError(describe(n), at, f.go);
      return n.v;
    case 'bool':
      if (n.t !== 'bool') throw typeError(describe(n), at, f.go);
      return n.v;
    case 'int': {
      if (n.t !== 'number') throw typeError(describe(n), at, f.go);
      const v = integer(n.raw, f);
      if (v === undefined) throw typeError(`number ${n.raw}`, at, f.go);
      return v;
    }
    case 'float': {
      if (n.t !== 'number') throw typeError(describe(n), at, f.go);
      const v = float(n.raw, f.go);
      if (v === undefined) throw typeError(`number ${n.raw}`, at, f.go);
      return v;
    }
    case 'slice':
      if (n.t !== 'array') throw typeError(describe(n), at, f.go);
      return n.items.map((item) => convert(item, f.of, at, undefined));
    case 'map': {
      if (n.t !== 'object') throw typeError(describe(n), at, f.go);
      const out: Record<string, unknown> = isObject(prev) ? { ...prev } : {};
      for (const [k, v] of n.entries) {
        const val = convert(v, f.of, at, Object.hasOwn(out, k) ? out[k] : undefined);
        if (val === undefined) delete out[k]; else setOwn(out, k, val);
      }
      // Sorted where a request's maps are decoded: every reply of what was written has Go's order.
      return goMapOrder(out);
    }
    case 'struct': {
      if (n.t !== 'object') throw typeError(describe(n), at, f.go);
      const out: Record<string, unknown> = isObject(prev) ? { ...prev } : {};
      const names = Object.keys(f.fields);
      for (const [k, v] of n.entries) {
        const name = names.includes(k) ? k : names.find((x) => x.toLowerCase() === k.toLowerCase());
        if (name === undefined) continue;
        const field = f.fields[name];
        const val = convert(v, field, { path: [...at.path, field.goName ?? name], struct: shortName(f.go) }, out[name]);
        if (val === undefined) delete out[name]; else out[name] = val;
      }
      return out;
    }
  }
}

/** Sets a key as an own property, even "__proto__" (a label may be called that). */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
