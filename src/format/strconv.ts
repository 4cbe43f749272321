/**
 * Go's strconv as fmt uses it: FormatFloat ('e', 'f', 'g' with Go's exact
 * rounding and shortest forms, 32- and 64-bit) and Quote.
 */

interface Digits { d: string; dp: number }

/** The exact decimal expansion of a finite x > 0 (every double is a finite decimal). */
function exactDigits(x: number): Digits {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0), lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2 = -1074;
  if (bexp !== 0) { mant |= 1n << 52n; e2 = bexp - 1075; }
  let d: string, dp: number;
  if (e2 >= 0) { d = (mant << BigInt(e2)).toString(); dp = d.length; } else {
    d = (mant * 5n ** BigInt(-e2)).toString();
    dp = d.length + e2;
  }
  return trim({ d, dp });
}

function trim(x: Digits): Digits {
  let d = x.d.replace(/0+$/, '');
  if (d === '') return { d: '', dp: 0 };
  const lead = d.length - d.replace(/^0+/, '').length;
  d = d.slice(lead);
  return { d, dp: x.dp - lead };
}

/** Rounds to nd significant digits, half to even on exact ties (strconv's decimal.Round). */
function round(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x;
  const c = x.d[nd];
  const up = c === '5' && nd + 1 === x.d.length ? nd > 0 && Number(x.d[nd - 1]) % 2 === 1 : c >= '5';
  if (!up) return trim({ d: x.d.slice(0, nd), dp: x.dp });
  const digits = x.d.slice(0, nd).split('').map(Number);
  let i = nd - 1;
  for (; i >= 0; i--) {
    if (digits[i] < 9) { digits[i]++; break; }
    digits[i] = 0;
  }
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  return trim({ d: digits.join(''), dp: x.dp });
}

/** Shortest digits that read back as x at the given size. */
function shortest(x: number, bits: 32 | 64): Digits {
  if (bits === 64) {
    const [m, e] = x.toExponential().split('e');
    return trim({ d: m.replace('.', ''), dp: Number(e) + 1 });
  }
  const exact = exactDigits(x);
  for (let n = 1; n < 18; n++) {
    const r = round(exact, n);
    if (Math.fround(Number(`0.${r.d}e${r.dp}`)) === x) return r;
  }
  return exact;
}

function fmtE(neg: boolean, x: Digits, prec: number, e: string): string {
  let s = (neg ? '-' : '') + (x.d[0] ?? '0');
  if (prec > 0) s += '.' + x.d.slice(1, prec + 1).padEnd(prec, '0');
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${s}${e}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? '-' : '';
  if (x.dp > 0) s += x.d.slice(0, x.dp).padEnd(x.dp, '0');
  else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = x.dp + i;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

/** The binary parts of |x|: x = mant × 2^(exp − mantbits), as strconv splits a float. */
function binaryParts(x: number, bits: 32 | 64): { mant: bigint; exp: number; mantbits: number } {
  if (bits === 32) {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, x);
    const u = dv.getUint32(0);
    let exp = (u >>> 23) & 0xff;
    let mant = BigInt(u & 0x7fffff);
    if (exp === 0) exp++; else mant |= 1n << 23n;
    return { mant, exp: exp - 127, mantbits: 23 };
  }
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  let exp = (dv.getUint32(0) >>> 20) & 0x7ff;
  let mant = (BigInt(dv.getUint32(0) & 0xfffff) << 32n) | BigInt(dv.getUint32(4));
  if (exp === 0) exp++; else mant |= 1n << 52n;
  return { mant, exp: exp - 1023, mantbits: 52 };
}

/** %b: decimal mantissa, binary exponent ("4503599627370496p-52"). */
function fmtB(neg: boolean, x: number, bits: 32 | 64): string {
  const { mant, exp, mantbits } = binaryParts(x, bits);
  const e = exp - mantbits;
  return `${neg ? '-' : ''}${mant}p${e >= 0 ? '+' : '-'}${Math.abs(e)}`;
}

/** %x: -0x1.yyyyp±dd, rounded to prec hex digits when prec ≥ 0 (strconv's fmtX). */
function fmtX(neg: boolean, x: number, prec: number, fmt: string, bits: 32 | 64): string {
  let { mant, exp } = binaryParts(x, bits);
  const { mantbits } = binaryParts(x, bits);
  if (mant === 0n) exp = 0;
  mant <<= BigInt(60 - mantbits);
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) { mant <<= 1n; exp--; }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if (mant & (1n << 61n)) { mant >>= 1n; exp++; }
  }
  const hex = (d: bigint) => { const h = d.toString(16); return fmt === 'X' ? h.toUpperCase() : h; };
  let out = `${neg ? '-' : ''}0${fmt}${(mant >> 60n) & 1n}`;
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) { out += hex((mant >> 60n) & 15n); mant = (mant << 4n) & ((1n << 64n) - 1n); }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) { out += hex((mant >> 60n) & 15n); mant = (mant << 4n) & ((1n << 64n) - 1n); }
  }
  out += fmt === 'X' ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  return out + String(Math.abs(exp)).padStart(2, '0');
}

/** strconv.FormatFloat(f, fmt, prec, bitSize) for fmt in b e E f g G x X. */
export function formatFloat(f: number, fmt: string, prec: number, bits: 32 | 64 = 64): string {
  if (bits === 32) f = Math.fround(f);
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const neg = f < 0 || Object.is(f, -0);
  const x = Math.abs(bits === 32 ? Math.fround(f) : f);
  if (fmt === 'b') return fmtB(neg, x, bits);
  if (fmt === 'x' || fmt === 'X') return fmtX(neg, x, prec, fmt, bits);
  const isShortest = prec < 0;
  let digs: Digits;
  if (x === 0) digs = { d: '', dp: 0 };
  else if (isShortest) digs = shortest(x, bits);
  else {
    const exact = exactDigits(x);
    if (fmt === 'f') digs = round(exact, exact.dp + prec);
    else if (fmt === 'e' || fmt === 'E') digs = round(exact, prec + 1);
    else digs = round(exact, prec === 0 ? 1 : prec);
  }
  if (isShortest) {
    if (fmt === 'e' || fmt === 'E') prec = Math.max(digs.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else if ((fmt === 'g' || fmt === 'G') && prec === 0) prec = 1;
  switch (fmt) {
    case 'e': case 'E': return fmtE(neg, digs, prec, fmt);
    case 'f': return fmtF(neg, digs, prec);
    case 'g': case 'G': {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (isShortest) eprec = 6;
      const exp = digs.dp - 1;
      if (exp < -4 || exp >= eprec) return fmtE(neg, digs, Math.min(prec, digs.d.length) - 1, fmt === 'g' ? 'e' : 'E');
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
    }
  }
  return `%${fmt}`;
}

/** encoding/json's float form: %f unless the exponent is extreme, then a trimmed %e. */
export function jsonFloat(f: number, bits: 32 | 64): string {
  const abs = Math.abs(bits === 32 ? Math.fround(f) : f);
  let s: string;
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    s = formatFloat(f, 'e', -1, bits).replace(/e-0(\d)$/, 'e-$1');
  } else s = formatFloat(f, 'f', -1, bits);
  return s;
}

const PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
/** unicode.IsPrint as strconv uses it. */
const isPrint = (ch: string) => PRINT.test(ch);

/** strconv.Quote (or QuoteToASCII). */
export function quote(s: string, asciiOnly = false, q = '"'): string {
  let out = q;
  for (const ch of s) out += escapeRune(ch, q, asciiOnly);
  return out + q;
}

export function quoteRune(r: number, asciiOnly = false): string {
  const ch = r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff) ? '\ufffd' : String.fromCodePoint(r);
  return `'${escapeRune(ch, "'", asciiOnly)}'`;
}

function escapeRune(ch: string, q: string, asciiOnly: boolean): string {
  const r = ch.codePointAt(0)!;
  if (ch === q || ch === '\\') return '\\' + ch;
  if (asciiOnly ? r < 0x80 && isPrint(ch) : isPrint(ch)) return ch;
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  if (named[ch]) return named[ch];
  if (r < 0x20 || r === 0x7f) return '\\x' + r.toString(16).padStart(2, '0');
  if (r < 0x10000) return '\\u' + r.toString(16).padStart(4, '0');
  return '\\U' + r.toString(16).padStart(8, '0');
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '`' || ch === '\ufeff') return false;
    if (r < 0x20 && ch !== '\t') return false;
    if (r === 0x7f) return false;
  }
  return true;
}
