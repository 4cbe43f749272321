// A sequence or mapping used as a mapping key (`[a, b]: 1`, `? {a: 1}`), in
// the docker CLI's words: go-yaml v3 decodes the key into a Go value, finds
// a slice or a map, and fails with "yaml: invalid map key: %#v" — the value
// as Go source ([]interface {}{"a", "b"}, map[string]interface {}{"a":1}).
// The first such key in document order is the one named (go-yaml decodes a
// pair's key before its value). The `yaml` library reads such keys (with an
// "IMPOSSIBLE" error for a flow key in a nested block mapping, a bug of its
// own that libyaml does not share), so they are found on its nodes.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { formatFloat, quote } from '../../format/strconv.js';

const STR_TAG = 'tag:yaml.org,2002:str';
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);
const GO_INT = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** A scalar as go-yaml resolves it into interface{}, written as %#v writes it. */
function scalarGo(s: Scalar): { go: string; type: string } {
  const src = String(s.source ?? s.value ?? '');
  if (s.type !== 'PLAIN' || s.tag === STR_TAG) return { go: quote(String(s.value ?? '')), type: 'string' };
  if (NULLS.has(src)) return { go: 'interface {}(nil)', type: 'nil' };
  if (TRUE.has(src) || FALSE.has(src)) return { go: String(TRUE.has(src)), type: 'bool' };
  const plain = src.replaceAll('_', '');
  if (GO_INT.test(plain)) {
    const neg = plain.startsWith('-');
    const body = plain.replace(/^[+-]/, '');
    const n = /^0[oO]/.test(body) ? BigInt(`0o${body.slice(2)}`) : /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
    return { go: String(neg ? -n : n), type: 'int' };
  }
  if (YAML_FLOAT.test(plain)) return { go: formatFloat(Number(plain), 'g', -1), type: 'float64' };
  if (/^[-+]?\.(inf|Inf|INF)$/.test(src)) return { go: src.startsWith('-') ? '-Inf' : '+Inf', type: 'float64' };
  if (/^\.(nan|NaN|NAN)$/.test(src)) return { go: 'NaN', type: 'float64' };
  return { go: quote(src), type: 'string' };
}

/** %#v of the Go value go-yaml decodes a node into (interface{} element type). */
function goValue(doc: Document, n: unknown): { go: string; type: string } {
  if (n === null || n === undefined) return { go: 'interface {}(nil)', type: 'nil' };
  if (isAlias(n)) return goValue(doc, n.resolve(doc));
  if (isScalar(n)) return scalarGo(n);
  if (isSeq(n)) return { go: `[]interface {}{${n.items.map((x) => goValue(doc, x).go).join(', ')}}`, type: 'slice' };
  if (isMap(n)) {
    const entries = n.items.map((p) => ({ k: goValue(doc, p.key), v: goValue(doc, p.value) }));
    const stringKeys = entries.every((e) => e.k.type === 'string');
    // fmt prints a map's entries sorted by key.
    entries.sort((a, b) => (a.k.go < b.k.go ? -1 : a.k.go > b.k.go ? 1 : 0));
    const body = entries.map((e) => `${e.k.go}:${e.v.go}`).join(', ');
    return { go: `map[${stringKeys ? 'string' : 'interface {}'}]interface {}{${body}}`, type: 'map' };
  }
  return { go: 'interface {}(nil)', type: 'nil' };
}

/** go-yaml's "invalid map key" for the first collection used as a key in the text, if there is one. */
export function invalidMapKey(text: string): string | undefined {
  const doc = parseDocument(text, { uniqueKeys: false, merge: true, logLevel: 'silent' });
  if (doc.errors.some((e) => e.code !== 'IMPOSSIBLE')) return undefined;
  let found: string | undefined;
  const walk = (n: unknown): void => {
    if (found) return;
    if (isAlias(n)) return;
    if (isMap(n)) {
      for (const p of n.items) {
        const key = isAlias(p.key) ? p.key.resolve(doc) : p.key;
        walk(key);
        if (found) return;
        if (isMap(key) || isSeq(key)) { found = `yaml: invalid map key: ${goValue(doc, key).go}`; return; }
        walk(p.value);
      }
    } else if (isSeq(n)) {
      for (const x of n.items) walk(x);
    }
  };
  walk(doc.contents as Node);
  return found;
}
