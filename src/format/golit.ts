/** Go literal syntax for template constants: strconv.Unquote, UnquoteChar, ParseInt/ParseUint/ParseFloat with base 0. */
import { NumberNode } from './nodes.js';

export class SyntaxError extends Error {}

/** Reads one (possibly escaped) character at s[i]; returns its bytes and the next index. */
function unquoteChar(s: string, i: number, quote: string): [number[], number] {
  const c = s[i];
  if (c !== '\\') {
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    if (ch === quote && (quote === "'" || quote === '"')) throw new SyntaxError('invalid syntax');
    return [[...Buffer.from(ch)], i + ch.length];
  }
  const e = s[i + 1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e in simple) return [[simple[e]], i + 2];
  if (e === "'" || e === '"') {
    if (e !== quote) throw new SyntaxError('invalid syntax');
    return [[e.charCodeAt(0)], i + 2];
  }
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const hex = s.slice(i + 2, i + 2 + n);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new SyntaxError('invalid syntax');
    const v = parseInt(hex, 16);
    if (e === 'x') return [[v], i + 2 + n];
    if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new SyntaxError('invalid syntax');
    return [[...Buffer.from(String.fromCodePoint(v))], i + 2 + n];
  }
  if (e >= '0' && e <= '7') {
    const oct = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new SyntaxError('invalid syntax');
    return [[parseInt(oct, 8)], i + 4];
  }
  throw new SyntaxError('invalid syntax');
}

/** strconv.Unquote for "…" and `…` literals. */
export function unquote(q: string): string {
  if (q[0] === '`') {
    if (q.length < 2 || q[q.length - 1] !== '`') throw new SyntaxError('invalid syntax');
    return q.slice(1, -1).replace(/\r/g, '');
  }
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') throw new SyntaxError('invalid syntax');
  const body = q.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    if (body[i] === '\n') throw new SyntaxError('invalid syntax');
    const [b, next] = unquoteChar(body, i, '"');
    bytes.push(...b);
    i = next;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The rune value of a 'c' literal. */
function charValue(text: string): number {
  const body = text.slice(1);
  if (body[0] === "'" || body === '') throw new SyntaxError('invalid syntax');
  if (body[0] !== '\\') {
    const cp = body.codePointAt(0)!;
    const tail = body.slice(String.fromCodePoint(cp).length);
    if (tail !== "'") throw new SyntaxError(`malformed character constant: ${text}`);
    return cp;
  }
  const [bytes, next] = unquoteChar(body, 0, "'");
  if (body.slice(next) !== "'") throw new SyntaxError(`malformed character constant: ${text}`);
  const e = body[1];
  return e === 'x' || (e >= '0' && e <= '7') ? bytes[0] : Buffer.from(bytes).toString('utf8').codePointAt(0)!;
}

/** Go's underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1])) { i = 2; saw = '0'; hex = /[xX]/.test(s[1]); }
  for (; i < s.length; i++) {
    const c = s[i];
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) { saw = '0'; continue; }
    if (c === '_') { if (saw !== '0') return false; saw = '_'; continue; }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt(s, 0, 64)-style: the value, or undefined if s is not an integer literal. */
function parseBase0(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  if (s === '') return undefined;
  let base = 10;
  let digits = s;
  if (s[0] === '0' && s.length > 1) {
    const p = s[1].toLowerCase();
    if (p === 'x') { base = 16; digits = s.slice(2); } else if (p === 'o') { base = 8; digits = s.slice(2); } else if (p === 'b') { base = 2; digits = s.slice(2); } else { base = 8; digits = s.slice(1); }
  }
  if (digits.includes('_')) {
    if (!underscoreOK(text)) return undefined;
    digits = digits.replace(/_/g, '');
  }
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return undefined;
  let v = 0n;
  for (const d of digits) v = v * BigInt(base) + BigInt(parseInt(d, 16));
  return neg ? -v : v;
}

function parseFloatGo(text: string): number | undefined {
  let s = text;
  if (s.includes('_')) {
    if (!underscoreOK(s)) return undefined;
    s = s.replace(/_/g, '');
  }
  if (/^[+-]?0[xX]/.test(s)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m || (m[2] + (m[3] ?? '')) === '') return undefined;
    const mant = parseInt((m[2] || '0') + (m[3] ?? ''), 16) / 16 ** (m[3]?.length ?? 0);
    return (m[1] === '-' ? -1 : 1) * mant * 2 ** Number(m[4]);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

const MAX_INT64 = (1n << 63n) - 1n, MIN_INT64 = -(1n << 63n), MAX_UINT64 = (1n << 64n) - 1n;

/** parse.Tree.newNumber: fills the int/uint/float/complex views of a number constant. */
export function newNumber(pos: number, text: string, typ: 'number' | 'charConstant' | 'complex'): NumberNode {
  const n = new NumberNode(pos, text);
  if (typ === 'charConstant') {
    const r = charValue(text);
    n.isInt = n.isUint = n.isFloat = true;
    n.int64 = n.uint64 = BigInt(r);
    n.float64 = r;
    return n;
  }
  if (typ === 'complex') {
    const m = /^([+-]?[^+-]+(?:[eE][+-]\d+)?)([+-].*)i$/.exec(text);
    const re = m ? parseFloatGo(m[1]) : undefined, im = m ? parseFloatGo(m[2]) : undefined;
    if (re === undefined || im === undefined) throw new SyntaxError(`expected integer`);
    n.isComplex = true;
    n.complex = { re, im };
    simplifyComplex(n);
    return n;
  }
  if (text.endsWith('i')) {
    const f = parseFloatGo(text.slice(0, -1));
    if (f !== undefined) { n.isComplex = true; n.complex = { re: 0, im: f }; simplifyComplex(n); return n; }
  }
  const v = parseBase0(text);
  // ParseUint takes no sign
  if (v !== undefined && !/^[+-]/.test(text) && v <= MAX_UINT64) { n.isUint = true; n.uint64 = v; }
  if (v !== undefined && v >= MIN_INT64 && v <= MAX_INT64) {
    n.isInt = true; n.int64 = v;
    if (v === 0n) { n.isUint = true; n.uint64 = 0n; }
  }
  if (n.isInt) { n.isFloat = true; n.float64 = Number(n.int64); } else if (n.isUint) { n.isFloat = true; n.float64 = Number(n.uint64); } else {
    const f = parseFloatGo(text);
    if (f !== undefined && Number.isFinite(f)) {
      if (!/[.eEpP]/.test(text)) throw new SyntaxError(`integer overflow: ${JSON.stringify(text)}`);
      n.isFloat = true;
      n.float64 = f;
      if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) { n.isInt = true; n.int64 = BigInt(f); }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) { n.isUint = true; n.uint64 = BigInt(f); }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new SyntaxError(`illegal number syntax: ${JSON.stringify(text)}`);
  return n;
}

function simplifyComplex(n: NumberNode) {
  n.isFloat = n.complex.im === 0;
  if (n.isFloat) {
    const f = n.complex.re;
    n.float64 = f;
    n.isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
    if (n.isInt) n.int64 = BigInt(f);
    n.isUint = Number.isInteger(f) && f >= 0 && f < 2 ** 64;
    if (n.isUint) n.uint64 = BigInt(f);
  }
}
