// Mappings whose keys are not all strings, as the docker CLI meets them: go-yaml
// v3 decodes such a mapping (`~: 1`, `null:`, `1: x`, `true: x`, a date) into a
// map[interface{}]interface{} instead of a map[string]interface{}. At the top
// of a file that is "top-level object must be a mapping"; anywhere else the
// loader carries it along (its forbidden-keys check and interpolation pass over
// it) until the schema check marshals the file to JSON and fails with
// "json: unsupported type: map[interface {}]interface {}". The `yaml` library
// turns those keys into strings ("" for `~`), so they are found here on the
// document's nodes.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar } from 'yaml';

export const UNSUPPORTED_MAP = 'json: unsupported type: map[interface {}]interface {}';

const STR_TAG = 'tag:yaml.org,2002:str';
const MERGE_TAG = 'tag:yaml.org,2002:merge';

/** go-yaml's resolver table: plain words that are not strings. */
const WORDS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF']);
const GO_INT = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DATE_START = /^[0-9]{4}-/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]| )[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$/;

/** Whether a plain (untagged, unquoted) scalar resolves to something other than !!str or !!merge in go-yaml v3. */
function plainIsNotString(s: string): boolean {
  if (s === '<<') return false;
  if (WORDS.has(s)) return true;
  const c = s[0];
  if (c === '.') return YAML_FLOAT.test(s);
  if (!/[0-9+-]/.test(c)) return false;
  if (DATE_START.test(s) && TIMESTAMP.test(s)) return true;
  const plain = s.replaceAll('_', '');
  return GO_INT.test(plain) || YAML_FLOAT.test(plain) || /^-0[bB][01]+$/.test(plain) || /^-0[oO][0-7]+$/.test(plain);
}

function keyIsString(doc: Document, key: unknown): boolean {
  if (key === null || key === undefined) return false; // `? ` with nothing: a null key
  if (isAlias(key)) return keyIsString(doc, key.resolve(doc));
  if (!isScalar(key)) return true; // a collection as a key is another error (go-yaml's "invalid map key")
  const k = key as Scalar;
  if (k.tag) return k.tag === STR_TAG || k.tag === MERGE_TAG;
  if (k.type !== 'PLAIN') return true;
  return !plainIsNotString(String(k.source ?? k.value ?? ''));
}

export interface KeyTypes {
  /** The document's top mapping has a key that is not a string. */
  top: boolean;
  /** Paths (as the `yaml` library names keys) of the other mappings that have one. */
  paths: string[][];
}

/** Where the compose text has mappings that go-yaml would not decode as string-keyed. */
export function nonStringKeyMaps(text: string): KeyTypes {
  const doc = parseDocument(text, { uniqueKeys: false, merge: true, logLevel: 'silent' });
  const paths: string[][] = [];
  let top = false;
  const walk = (n: Node | null | undefined, path: string[]) => {
    if (isMap(n)) {
      if (!n.items.every((p) => keyIsString(doc, p.key))) {
        if (path.length === 0) top = true; else paths.push(path);
      }
      for (const p of n.items) {
        const k = p.key;
        walk(p.value as Node, [...path, String(isScalar(k) ? k.value : k)]);
      }
    } else if (isSeq(n)) {
      n.items.forEach((x, i) => walk(x as Node, [...path, String(i)]));
    }
  };
  walk(doc.contents as Node, []);
  return { top, paths };
}
