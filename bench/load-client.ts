/**
 * The client side shared by bench/vip-load.ts and bench/mesh-load.ts: one
 * TCP request (a new connection, the server answers and closes), requests/s
 * over a window at a fixed concurrency, one connection's bulk transfer, and
 * the statistics they print. Servers: vip-load.js serve.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** One request: connects, sends `first`, reads until the server closes. */
export function once(target: string, first = 'x', onData?: (n: number) => void): Promise<void> {
  const [host, port] = target.split(':');
  return new Promise((resolve, reject) => {
    const c = connect(Number(port), host, () => c.write(first));
    c.on('data', (d: Buffer) => onData?.(d.length));
    c.on('end', () => resolve());
    c.on('error', reject);
  });
}

/** Requests per second over `ms`, `conc` at a time, a new connection each; several targets are taken in turn. */
export async function rate(targets: string | string[], conc: number, ms: number): Promise<number> {
  const list = typeof targets === 'string' ? [targets] : targets;
  const end = performance.now() + ms;
  let done = 0;
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (performance.now() < end) { await once(list[next++ % list.length]); done++; }
  }));
  return done / (ms / 1000);
}

/** One connection's transfer of `mb` MB (the server's 'B<n>' answer), in MB/s. */
export async function bulk(target: string, mb: number): Promise<number> {
  let bytes = 0;
  const t0 = performance.now();
  await once(target, `B${mb}`, (n) => { bytes += n; });
  return bytes / (1 << 20) / ((performance.now() - t0) / 1000);
}

/** One request's time in µs. */
export async function latency(target: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await once(target);
  return Number(process.hrtime.bigint() - t0) / 1000;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
export const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
/** The q-quantile (0.99: p99) as the element at ⌊n·q⌋. */
export const percentile = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The machine's CPU time from /proc/stat, in clock ticks: busy (all but idle and iowait) and total. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/**
 * Where a window's time went: this process's CPU (user + system, µs) and the
 * whole machine's busy share (0..1 of all its cores). A client near 100% of
 * one core is bound by its own CPU (on one machine that includes the kernel's
 * forwarding of its packets through every namespace, done in its system calls),
 * not by the paths' latency.
 */
export function cpuMeter(): () => { clientUs: number; machineBusy: number } {
  const c0 = process.cpuUsage();
  const m0 = machineTicks();
  return () => {
    const c = process.cpuUsage(c0);
    const m = machineTicks();
    return { clientUs: c.user + c.system, machineBusy: (m.busy - m0.busy) / Math.max(1, m.total - m0.total) };
  };
}
