/**
 * time.Time, time.Duration, time.Month and time.Weekday with the methods
 * templates use on them (String, Format, Unix, …), printed as Go does.
 */
import { formatGoLayout } from './timefmt.js';
import { GoError, T, setZeroTime, type GoType, type GoValue, type Method, type Val } from './types.js';
import { str, val } from './values.js';

/** An instant: whole Unix seconds, nanoseconds, and the zone it is shown in. */
export class GoTime {
  constructor(public sec: number, public nsec: number, public offset = 0, public zone = 'UTC') {}
  /** The wall clock fields in the time's own zone. */
  wall(): { year: number; month: number; day: number; hour: number; min: number; sec: number; yday: number; wday: number } {
    const ms = (this.sec + this.offset) * 1000;
    const d = new Date(ms);
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
      min: d.getUTCMinutes(), sec: d.getUTCSeconds(), yday: Math.floor((ms - start) / 86400000) + 1, wday: d.getUTCDay(),
    };
  }
  isZero(): boolean { return this.sec === ZERO_SEC && this.nsec === 0; }
}

/** Unix seconds of Go's zero time, January 1, year 1, 00:00:00 UTC. */
const ZERO_SEC = -62135596800;
setZeroTime(() => new GoTime(ZERO_SEC, 0));

/** Parses RFC 3339 as time.Time.UnmarshalJSON does ("Z" is UTC; other offsets get a nameless fixed zone). */
export function parseTime(s: string): GoTime {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) throw new GoError(`parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
  const offset = /^[Zz]$/.test(m[8]) ? 0 : (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 3600 + Number(m[8].slice(4, 6)) * 60);
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const nsec = Number((m[7] ?? '').padEnd(9, '0').slice(0, 9));
  return new GoTime(d.getTime() / 1000 - offset, nsec, offset, offset === 0 ? 'UTC' : '');
}

const m0 = (name: string, results: GoType[], call: (t: GoTime) => any): Method => ({
  name, sig: { params: [], variadic: false, results }, call: (r) => val(results[0], call(r.v as GoTime)),
});

export const MonthType: GoType = { kind: 'int', name: 'time.Month' };
export const WeekdayType: GoType = { kind: 'int', name: 'time.Weekday' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
MonthType.methods = [{ name: 'String', sig: { params: [], variadic: false, results: [T.string] },
  call: (r) => str(r.v >= 1 && r.v <= 12 ? MONTHS[r.v - 1] : `%!Month(${r.v})`) }];
WeekdayType.methods = [{ name: 'String', sig: { params: [], variadic: false, results: [T.string] },
  call: (r) => str(r.v >= 0 && r.v <= 6 ? DAYS[r.v] : `%!Weekday(${r.v})`) }];

export const TimeType: GoType = { kind: 'struct', name: 'time.Time', fields: [], marshalJSON: (v: GoTime) => JSON.stringify(formatGoLayout(v, RFC3339Nano)) };
const RFC3339Nano = '2006-01-02T15:04:05.999999999Z07:00';
/** time.Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
export const timeString = (t: GoTime) => formatGoLayout(t, '2006-01-02 15:04:05.999999999 -0700 MST');

TimeType.methods = [
  m0('String', [T.string], timeString),
  m0('Unix', [T.int64], (t) => t.sec),
  m0('UnixNano', [T.int64], (t) => t.sec * 1e9 + t.nsec),
  m0('UnixMilli', [T.int64], (t) => t.sec * 1e3 + Math.floor(t.nsec / 1e6)),
  m0('Year', [T.int], (t) => t.wall().year),
  m0('Month', [MonthType], (t) => t.wall().month),
  m0('Day', [T.int], (t) => t.wall().day),
  m0('Hour', [T.int], (t) => t.wall().hour),
  m0('Minute', [T.int], (t) => t.wall().min),
  m0('Second', [T.int], (t) => t.wall().sec),
  m0('Nanosecond', [T.int], (t) => t.nsec),
  m0('YearDay', [T.int], (t) => t.wall().yday),
  m0('Weekday', [WeekdayType], (t) => t.wall().wday),
  m0('IsZero', [T.bool], (t) => t.isZero()),
  m0('UTC', [TimeType], (t) => new GoTime(t.sec, t.nsec)),
  { name: 'Format', sig: { params: [T.string], variadic: false, results: [T.string] }, call: (r, [layout]) => str(formatGoLayout(r.v, layout!.v)) },
];

export const DurationType: GoType = { kind: 'int64', name: 'time.Duration' };
DurationType.methods = [
  { name: 'String', sig: { params: [], variadic: false, results: [T.string] }, call: (r) => str(durationString(r.v)) },
  ...(['Hours', 'Minutes', 'Seconds'] as const).map((n, i): Method => ({
    name: n, sig: { params: [], variadic: false, results: [T.float64] }, call: (r: GoValue): Val => val(T.float64, r.v / [3600e9, 60e9, 1e9][i]),
  })),
  { name: 'Milliseconds', sig: { params: [], variadic: false, results: [T.int64] }, call: (r) => val(T.int64, Math.trunc(r.v / 1e6)) },
];

/** time.Duration.String: "1h2m3.5s", "1.5ms", "0s". */
export function durationString(ns: number): string {
  let u = BigInt(Math.trunc(ns));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    const [prec, unit] = u < 1000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    out = frac(u, prec) + unit;
  } else {
    const s = frac(u % 60_000_000_000n, 9);
    let m = u / 60_000_000_000n;
    out = `${s}s`;
    if (m > 0n) {
      out = `${m % 60n}m${out}`;
      m /= 60n;
      if (m > 0n) out = `${m}h${out}`;
    }
  }
  return (neg ? '-' : '') + out;
}

/** v / 10^prec with the fraction's trailing zeros (and a bare point) dropped. */
function frac(v: bigint, prec: number): string {
  const p = 10n ** BigInt(prec);
  const f = (v % p).toString().padStart(prec, '0').replace(/0+$/, '');
  return `${v / p}${f ? `.${f}` : ''}`;
}
