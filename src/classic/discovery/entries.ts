/**
 * Engine addresses as classic Swarm writes them: `host:port`, with at most one
 * numeric range `[from:to]` that expands to one address per number
 * (`10.0.0.[11:13]:2375` → 10.0.0.11:2375, 10.0.0.12:2375, 10.0.0.13:2375).
 */

/** A range wider than this is a typo, not a pool (classic Swarm had no bound; we refuse to allocate millions). */
const MAX_RANGE = 65_536;

/** Expands the one `[from:to]` range in pattern; a pattern without one is itself. */
export function expandRange(pattern: string): string[] {
  // `[::1]:2375`: an IPv6 host in brackets, not a range
  const re = /\[([^\]]*)\]/g;
  if (pattern.startsWith('[')) re.lastIndex = pattern.indexOf(']') + 1;
  const m = re.exec(pattern);
  if (!m) return [pattern];
  const bounds = /^(\d+):(\d+)$/.exec(m[1]);
  if (!bounds) throw new Error(`invalid range "[${m[1]}]" in "${pattern}": want [from:to] with two numbers`);
  const from = Number(bounds[1]);
  const to = Number(bounds[2]);
  if (from > to) throw new Error(`invalid range "[${m[1]}]" in "${pattern}": ${from} is greater than ${to}`);
  if (to - from >= MAX_RANGE) throw new Error(`invalid range "[${m[1]}]" in "${pattern}": more than ${MAX_RANGE} addresses`);
  const before = pattern.slice(0, m.index);
  const after = pattern.slice(m.index + m[0].length);
  if (after.includes('[')) throw new Error(`invalid pattern "${pattern}": only one range allowed`);
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(`${before}${n}${after}`);
  return out;
}

/**
 * Checks that addr is `host:port` (IPv6 in brackets) with a port in 1..65535, as
 * Go's net.SplitHostPort plus classic Swarm's join check; returns it unchanged.
 */
export function checkAddress(addr: string): string {
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(addr);
  let host: string;
  let port: string;
  if (bracketed) {
    [, host, port] = bracketed;
  } else {
    const i = addr.lastIndexOf(':');
    if (i < 0) throw new Error(`address ${addr}: missing port in address`);
    host = addr.slice(0, i);
    port = addr.slice(i + 1);
    if (host.includes(':')) throw new Error(`address ${addr}: too many colons in address`);
  }
  if (host === '') throw new Error(`address ${addr}: missing host in address`);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new Error(`address ${addr}: invalid port "${port}" (want 1-65535)`);
  }
  return addr;
}

/** Same entries in the same order (what a watch compares before telling its listener). */
export function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}
