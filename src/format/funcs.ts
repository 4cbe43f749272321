/**
 * docker/cli's template functions (templates/templates.go at v28.2):
 * json split join title lower upper pad truncate, and the HeaderFunctions
 * that replace them when a table's header row is rendered.
 */
import { marshal } from './gojson.js';
import { GoError, T, sliceOf, type FuncSig, type GoFunc, type Val } from './types.js';
import { str, val } from './values.js';

const S = T.string, I = T.int;
const sig = (params: FuncSig['params'], results: FuncSig['results']): FuncSig => ({ params, results, variadic: false });
const fn = (s: FuncSig, call: (args: Val[]) => Val): GoFunc => ({ sig: s, call });
const strSlice = sliceOf(S);

/**
 * Maps each rune through a case function the way Go's simple case mapping
 * does: a one-rune result is kept, a rune plus combining marks ('İ' → 'i̇')
 * keeps the rune, anything longer ('ß' → 'SS') leaves the rune as it was.
 */
function mapRunes(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = [...f(c)];
    out += m.length === 1 ? m[0] : m.slice(1).every((x) => /\p{M}/u.test(x)) ? m[0] : c;
  }
  return out;
}
const toUpper = (s: string) => mapRunes(s, (c) => c.toUpperCase());
const toLower = (s: string) => mapRunes(s, (c) => c.toLowerCase());

/** unicode.ToTitle: upper case, except the digraphs that have a title case of their own. */
const TITLE_DIGRAPHS: Record<string, string> = { Ǆ: 'ǅ', ǅ: 'ǅ', ǆ: 'ǅ', Ǉ: 'ǈ', ǈ: 'ǈ', ǉ: 'ǈ', Ǌ: 'ǋ', ǋ: 'ǋ', ǌ: 'ǋ', Ǳ: 'ǲ', ǲ: 'ǲ', ǳ: 'ǲ' };
const toTitle = (c: string) => TITLE_DIGRAPHS[c] ?? mapRunes(c, (x) => x.toUpperCase());

/** strings.Title: upper-cases the first letter of each word (words split on non-letters/digits/_). */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const r of s) {
    out += isSeparator(prev) ? toTitle(r) : r;
    prev = r;
  }
  return out;
}
function isSeparator(r: string): boolean {
  if (r.codePointAt(0)! <= 0x7f) return !/[0-9a-zA-Z_]/.test(r);
  if (/[\p{L}\p{Nd}]/u.test(r)) return false;
  return /\s/u.test(r);
}

/** strings.Split. */
export function split(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

/** Go's source[:length] on a string's bytes. */
function truncate(s: string, n: number): string {
  const b = Buffer.from(s);
  if (b.length < n) return s;
  if (n < 0) throw new GoError(`runtime error: slice bounds out of range [:${n}]`);
  return b.subarray(0, n).toString('utf8');
}

const repeat = (n: number) => {
  if (n < 0) throw new GoError('strings: negative Repeat count');
  return ' '.repeat(n);
};

/** {{json .}}: json.Encoder with SetEscapeHTML(false), trailing newline trimmed. */
function jsonFunc(v: Val): string {
  return marshal(v, false).trim();
}

export const DOCKER_FUNCS: Record<string, GoFunc> = {
  json: fn(sig([T.any], [S]), ([v]) => str(jsonFunc(v))),
  split: fn(sig([S, S], [strSlice]), ([s, sep]) => val(strSlice, split(s!.v, sep!.v))),
  join: fn(sig([strSlice, S], [S]), ([elems, sep]) => str(((elems!.v as string[] | null) ?? []).join(sep!.v))),
  title: fn(sig([S], [S]), ([s]) => str(title(s!.v))),
  lower: fn(sig([S], [S]), ([s]) => str(toLower(s!.v))),
  upper: fn(sig([S], [S]), ([s]) => str(toUpper(s!.v))),
  pad: fn(sig([S, I, I], [S]), ([s, pre, suf]) => str(s!.v === '' ? '' : repeat(pre!.v) + s!.v + repeat(suf!.v))),
  truncate: fn(sig([S, I], [S]), ([s, n]) => str(truncate(s!.v, n!.v))),
};

const same = (params: FuncSig['params']) => fn(sig(params, [S]), ([v]) => v);
/** Headers keep the column names: these replace the functions above while the header row renders. */
export const HEADER_FUNCS: Record<string, GoFunc> = {
  ...DOCKER_FUNCS,
  json: same([S]),
  split: same([S, S]),
  join: same([S, S]),
  title: same([S]),
  lower: same([S]),
  upper: same([S]),
  truncate: same([S, I]),
};
