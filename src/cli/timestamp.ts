import { parseDuration } from './commands/util.js';

/**
 * A --since/--until value as the docker CLI sends it (api/types/time
 * GetTimestamp): a duration counts back from now, a date becomes
 * "seconds.nanoseconds", a Unix timestamp goes as it is.
 */
export function apiTimestamp(value: string, nowMs = Date.now()): string {
  if (value !== '0') {
    let ns: number | undefined;
    try { ns = parseDuration(value); } catch { ns = undefined; }
    if (ns !== undefined && !Number.isNaN(ns)) return String(Math.floor((nowMs - ns / 1e6) / 1000));
  }
  if (/^\d{4}-\d\d-\d\d/.test(value)) {
    // A date without a zone is local time, as Go's ParseInLocation(…, time.Local).
    const m = /^(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d(?::\d\d)?)(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)?$/.exec(value);
    if (!m) throw new Error(`parsing time "${value}": cannot parse "${value}"`);
    const ms = m[4] ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[4]}`) : new Date(`${m[1]}T${m[2] ?? '00:00:00'}`).getTime();
    const frac = (m[3] ?? '.').slice(1).padEnd(9, '0');
    return `${Math.floor(ms / 1000)}.${frac}`;
  }
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return value;
}

/** Go's RFC3339NanoFixed of a time given in nanoseconds, in the local zone (as the docker CLI prints events). */
export function rfc3339NanoFixed(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const local = new Date(ms + off * 60_000).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
  return `${local}.${frac}${zone}`;
}
