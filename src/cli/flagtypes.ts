// The docker CLI's typed flags (spf13/pflag and docker/cli/opts, 28.2): the
// values they refuse when set, with Go's error texts (strconv, time, go-units,
// math/big). parseArgs reports them as `invalid argument "V" for "--F" flag: …`.
import { goQuote } from './args.js';

const lower = (c: string) => c.toLowerCase();

/** Go's strconv underscoreOK: underscores only between digits (and after a base prefix). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s[1]))) { i = 2; saw = '0'; hex = lower(s[1]) === 'x'; }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) { saw = '0'; continue; }
    if (c === '_') { if (saw !== '0') return false; saw = '_'; continue; }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

type Fail = 'syntax' | 'range';

/** Go's strconv.ParseUint(s, 0, bits) without the error's wrapping. */
function uintBase0(s: string, bits: number): bigint | Fail {
  if (s === '') return 'syntax';
  const s0 = s;
  let base = 10n;
  if (s[0] === '0') {
    if (s.length >= 3 && lower(s[1]) === 'b') { base = 2n; s = s.slice(2); } else if (s.length >= 3 && lower(s[1]) === 'o') { base = 8n; s = s.slice(2); } else if (s.length >= 3 && lower(s[1]) === 'x') { base = 16n; s = s.slice(2); } else { base = 8n; s = s.slice(1); }
  }
  const max = (1n << BigInt(bits)) - 1n;
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    let d: number;
    if (c === '_') { underscores = true; continue; } else if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (lower(c) >= 'a' && lower(c) <= 'z') d = lower(c).charCodeAt(0) - 87;
    else return 'syntax';
    if (BigInt(d) >= base) return 'syntax';
    n = n * base + BigInt(d);
    if (n > max) return 'range';
  }
  if (underscores && !underscoreOK(s0)) return 'syntax';
  return n;
}

const strconvError = (fn: string, s: string, why: Fail) => new Error(`strconv.${fn}: parsing ${goQuote(s)}: ${why === 'syntax' ? 'invalid syntax' : 'value out of range'}`);

/** Go's strconv.ParseUint(s, 0, bits): 0x, 0o, 0b and 0 prefixes, underscores. */
export function goParseUint(s: string, bits = 64): bigint {
  const r = uintBase0(s, bits);
  if (typeof r === 'string') throw strconvError('ParseUint', s, r);
  return r;
}

/** Go's strconv.ParseInt(s, 0, bits). */
export function goParseInt(s: string, bits = 64): bigint {
  if (s === '') throw strconvError('ParseInt', s, 'syntax');
  const neg = s[0] === '-';
  const body = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
  const r = uintBase0(body, bits);
  if (r === 'syntax') throw strconvError('ParseInt', s, 'syntax');
  const cutoff = 1n << BigInt(bits - 1);
  if (r === 'range' || (!neg && r >= cutoff) || (neg && r > cutoff)) throw strconvError('ParseInt', s, 'range');
  return neg ? -r : r;
}

/** Go's strconv.ParseFloat(s, 64): decimal and hexadecimal (0x1p-2) forms, inf and nan, underscores between digits. */
export function goParseFloat(s: string): number {
  const t = s.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(t);
  if (hex && (hex[2] || hex[3]) && (t === s || underscoreOK(s))) {
    const frac = hex[3] ?? '';
    const n = parseInt(`${hex[2]}${frac}` || '0', 16) * 2 ** (Number(hex[4]) - 4 * frac.length) * (hex[1] === '-' ? -1 : 1);
    if (!Number.isFinite(n)) throw strconvError('ParseFloat', s, 'range');
    return n;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) || (t !== s && !underscoreOK(s))) throw strconvError('ParseFloat', s, 'syntax');
  const n = Number(t);
  if (!Number.isFinite(n)) throw strconvError('ParseFloat', s, 'range');
  return n;
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, '\u00b5s': 1000n, '\u03bcs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** Go's time.ParseDuration → nanoseconds, sign included, with its errors. */
export function goParseDuration(orig: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') { neg = s[0] === '-'; s = s.slice(1); }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  const limit = 1n << 63n;
  let d = 0n;
  while (s) {
    if (!(s[0] === '.' || (s[0] >= '0' && s[0] <= '9'))) throw invalid();
    const int = /^\d*/.exec(s)![0];
    s = s.slice(int.length);
    let frac = '';
    if (s[0] === '.') { s = s.slice(1); frac = /^\d*/.exec(s)![0]; s = s.slice(frac.length); }
    if (int === '' && frac === '') throw invalid();
    const unitText = /^[^\d.]*/.exec(s)![0];
    if (unitText === '') throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    s = s.slice(unitText.length);
    const unit = UNITS[unitText];
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(orig)}`);
    const v = BigInt(int || '0');
    if (v > (limit - 1n) / unit) throw invalid();
    let part = v * unit;
    if (frac) {
      // Go keeps the fraction's leading digits (to what fits) and truncates
      const scale = 10n ** BigInt(frac.length);
      part += (BigInt(frac) * unit) / scale;
      if (part > limit) throw invalid();
    }
    d += part;
    if (d > limit) throw invalid();
  }
  if (neg) return -d;
  if (d > limit - 1n) throw invalid();
  return d;
}

/** math/big's Rat.SetString: a fraction a/b (each part Go's base-0 integer) or a float (0x/0o/0b prefixes, e or p exponents). */
function ratOf(v: string): [bigint, bigint] | undefined {
  if (v.includes('_') && !v.split('/').every(underscoreOK)) return undefined;
  const frac = /^([+-]?)([0-9a-z_]+)\/([0-9a-z_]+)$/i.exec(v);
  if (frac) {
    const a = uintBase0(frac[2], 1 << 16);
    const b = uintBase0(frac[3], 1 << 16);
    if (typeof a === 'string' || typeof b === 'string' || b === 0n) return undefined;
    return [frac[1] === '-' ? -a : a, b];
  }
  const t = v.replace(/_/g, '');
  const m = /^([+-]?)(?:0(x))([0-9a-f]*)(?:\.([0-9a-f]*))?(?:(p)([+-]?\d+))?$/i.exec(t)
    ?? /^([+-]?)(?:0([ob]))?([0-9]*)(?:\.([0-9]*))?(?:([ep])([+-]?\d+))?$/i.exec(t);
  if (!m || !(m[3] || m[4])) return undefined;
  const base = ({ x: 16, o: 8, b: 2 } as Record<string, number>)[(m[2] ?? '').toLowerCase()] ?? 10;
  const digits = `${m[3]}${m[4] ?? ''}`;
  if (![...digits].every((c) => parseInt(c, base) < base)) return undefined;
  const expChar = (m[5] ?? '').toLowerCase();
  let num = [...digits].reduce((n, c) => n * BigInt(base) + BigInt(parseInt(c, base)), 0n);
  let den = BigInt(base) ** BigInt(m[4]?.length ?? 0);
  const exp = BigInt(m[6] ?? 0);
  const eb = expChar === 'p' ? 2n : 10n;
  if (exp > 0n) num *= eb ** exp; else if (exp < 0n) den *= eb ** -exp;
  return [m[1] === '-' ? -num : num, den];
}

/** docker's opts.ParseCPUs: a rational number (math/big Rat.SetString) of CPUs → NanoCPUs. */
export function parseCpus(v: string): number {
  const r = ratOf(v);
  if (!r) throw new Error(`failed to parse ${v} as a rational number`);
  const nano = r[0] * 1_000_000_000n;
  if (nano % r[1] !== 0n) throw new Error('value is too precise');
  return Number(nano / r[1]);
}

/** go-units RAMInBytes (docker's opts.MemBytes): 512m, 1.5GiB, 100 kb. */
export function ramInBytes(v: string): number {
  const sep = Math.max(...[...'01234567890. '].map((c) => v.lastIndexOf(c)));
  if (sep < 0) throw new Error(`invalid size: '${v}'`);
  const num = v[sep] !== ' ' ? v.slice(0, sep + 1) : v.slice(0, sep);
  let sfx = v.slice(sep + 1);
  let size = goParseFloat(num);
  if (size < 0) throw new Error(`invalid size: '${v}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') { if (sfx.length > 1) throw bad(); return Math.trunc(size); }
  const mul = 'kmgtp'.indexOf(sfx[0]);
  if (mul < 0) throw bad();
  size *= 1024 ** (mul + 1);
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw bad();
  return Math.trunc(size);
}

/** docker's opts.ValidateLabel. */
export function validateLabel(value: string): void {
  const key = value.split('=')[0].replace(/^[ \t\n\v\f\r]+/, '');
  if (key === '') throw new Error(`invalid label '${value}': empty name`);
  if (/[ \t\n\v\f\r]/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
}

/** The checks of the flag types, for FlagSpec entries. */
export const T = {
  uint64: (v: string) => { goParseUint(v, 64); },
  uint32: (v: string) => { goParseUint(v, 32); },
  int64: (v: string) => { goParseInt(v, 64); },
  duration: (v: string) => { goParseDuration(v); },
  /** opts.PositiveDurationOpt */
  positiveDuration: (v: string) => { if (goParseDuration(v) < 0n) throw new Error('duration cannot be negative'); },
  decimal: (v: string) => { parseCpus(v); },
  bytes: (v: string) => { ramInBytes(v); },
  float64: (v: string) => { goParseFloat(v); },
  filter: (v: string) => { if (v !== '' && !v.includes('=')) throw new Error('bad format of filter (expected name=value)'); },
  label: validateLabel,
  /** service's placementPrefOpts */
  pref: (v: string) => {
    const i = v.indexOf('=');
    if (i <= 0) throw new Error('placement preference must be of the format "<strategy>=<arg>"');
    if (v.slice(0, i) !== 'spread') throw new Error(`unsupported placement preference ${v.slice(0, i)} (only spread is supported)`);
  },
};
