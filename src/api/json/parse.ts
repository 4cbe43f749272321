/**
 * A JSON reader that answers as Go's encoding/json Decoder does: the first
 * value of the body is read (what follows it is ignored), syntax errors carry
 * Go's scanner text ("invalid character 'x' after object key"), and numbers
 * keep their literal text, because Go checks it against the target type
 * ("1.0" is not a uint64).
 */

export type JsonNode =
  | { t: 'object'; entries: [string, JsonNode][] }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'string'; v: string }
  | { t: 'number'; raw: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' };

/** A body that is not JSON; `eof` when it held no value at all (Go's io.EOF). */
export class JsonSyntaxError extends Error {
  constructor(message: string, readonly eof = false) { super(message); }
}

/** Go's quoteChar: how the scanner shows the offending byte. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const SIMPLE_ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Nesting is bounded as Go bounds it ("exceeded max depth"), lower than Go's 10000 so a hostile body cannot overflow the stack. */
const MAX_DEPTH = 1000;

/**
 * `whole`: the body must be one value and nothing else, as json.Unmarshal
 * wants (an empty or cut body is "unexpected end of JSON input").
 */
export function parseJson(buf: Buffer, opts: { whole?: boolean } = {}): JsonNode {
  let i = 0;
  let depth = 0;
  const eof = () => new JsonSyntaxError('unexpected EOF');
  const bad = (c: number, ctx: string) => new JsonSyntaxError(`invalid character ${quoteChar(c)} ${ctx}`);
  const skip = () => { while (i < buf.length && isSpace(buf[i])) i++; };
  const peek = () => { skip(); if (i >= buf.length) throw eof(); return buf[i]; };

  function value(): JsonNode {
    const c = peek();
    if (c === 0x7b) return object();
    if (c === 0x5b) return array();
    if (c === 0x22) return { t: 'string', v: string() };
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) { literal('true'); return { t: 'bool', v: true }; }
    if (c === 0x66) { literal('false'); return { t: 'bool', v: false }; }
    if (c === 0x6e) { literal('null'); return { t: 'null' }; }
    throw bad(c, 'looking for beginning of value');
  }

  function nest() {
    if (++depth > MAX_DEPTH) throw new JsonSyntaxError('exceeded max depth');
  }

  function object(): JsonNode {
    nest();
    i++;
    const entries: [string, JsonNode][] = [];
    let c = peek();
    if (c === 0x7d) { i++; depth--; return { t: 'object', entries }; }
    for (;;) {
      if (c !== 0x22) throw bad(c, 'looking for beginning of object key string');
      const key = string();
      c = peek();
      if (c !== 0x3a) throw bad(c, 'after object key');
      i++;
      entries.push([key, value()]);
      c = peek();
      if (c === 0x7d) { i++; depth--; return { t: 'object', entries }; }
      if (c !== 0x2c) throw bad(c, 'after object key:value pair');
      i++;
      c = peek();
    }
  }

  function array(): JsonNode {
    nest();
    i++;
    const items: JsonNode[] = [];
    let c = peek();
    if (c === 0x5d) { i++; depth--; return { t: 'array', items }; }
    for (;;) {
      items.push(value());
      c = peek();
      if (c === 0x5d) { i++; depth--; return { t: 'array', items }; }
      if (c !== 0x2c) throw bad(c, 'after array element');
      i++;
    }
  }

  function literal(word: string) {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= buf.length) throw eof();
      if (buf[i] !== word.charCodeAt(k)) throw bad(buf[i], `in literal ${word} (expecting '${word[k]}')`);
    }
  }

  function number(): JsonNode {
    const start = i;
    const at = () => { if (i >= buf.length) throw eof(); return buf[i]; };
    if (buf[i] === 0x2d) { i++; if (!isDigit(at())) throw bad(buf[i], 'in numeric literal'); }
    if (buf[i] === 0x30) i++;
    else while (i < buf.length && isDigit(buf[i])) i++;
    if (i < buf.length && buf[i] === 0x2e) {
      i++;
      if (!isDigit(at())) throw bad(buf[i], 'after decimal point in numeric literal');
      while (i < buf.length && isDigit(buf[i])) i++;
    }
    if (i < buf.length && (buf[i] === 0x65 || buf[i] === 0x45)) {
      i++;
      if (at() === 0x2b || buf[i] === 0x2d) i++;
      if (!isDigit(at())) throw bad(buf[i], 'in exponent of numeric literal');
      while (i < buf.length && isDigit(buf[i])) i++;
    }
    return { t: 'number', raw: buf.toString('latin1', start, i) };
  }

  function hex4(): number {
    let units = '';
    for (let k = 0; k < 4; k++, i++) {
      if (i >= buf.length) throw eof();
      if (!isHex(buf[i])) throw bad(buf[i], 'in \\u hexadecimal character escape');
      units += String.fromCharCode(buf[i]);
    }
    return parseInt(units, 16);
  }

  function string(): string {
    i++;
    let out = '';
    let run = i;
    for (;;) {
      if (i >= buf.length) throw eof();
      const c = buf[i];
      if (c === 0x22) { out += buf.toString('utf8', run, i); i++; return out; }
      if (c < 0x20) throw bad(c, 'in string literal');
      if (c !== 0x5c) { i++; continue; }
      out += buf.toString('utf8', run, i);
      i++;
      if (i >= buf.length) throw eof();
      const e = buf[i];
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) { out += simple; i++; run = i; continue; }
      if (e !== 0x75) throw bad(e, 'in string escape code');
      i++;
      const u = hex4();
      if (u >= 0xd800 && u < 0xdc00 && buf[i] === 0x5c && buf[i + 1] === 0x75) {
        // A surrogate pair arrives as two escapes; an unpaired half becomes U+FFFD, as in Go.
        i += 2;
        const lo = hex4();
        out += lo >= 0xdc00 && lo < 0xe000 ? String.fromCharCode(u, lo) : '\ufffd' + (lo >= 0xd800 && lo < 0xe000 ? '\ufffd' : String.fromCharCode(lo));
      } else {
        out += u >= 0xd800 && u < 0xe000 ? '\ufffd' : String.fromCharCode(u);
      }
      run = i;
    }
  }

  if (opts.whole) {
    let v: JsonNode;
    try {
      v = value();
    } catch (e) {
      if (e instanceof JsonSyntaxError && e.message === 'unexpected EOF') throw new JsonSyntaxError('unexpected end of JSON input');
      throw e;
    }
    skip();
    if (i < buf.length) throw bad(buf[i], 'after top-level value');
    return v;
  }
  skip();
  if (i >= buf.length) throw new JsonSyntaxError('EOF', true);
  return value();
}

