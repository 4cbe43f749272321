/**
 * bench/mesh's client: several paths to the same server (vip-load.js serve)
 * measured interleaved in this one process, so the machine's load (2 cores
 * shared with whatever else runs) falls on all of them alike:
 *   node mesh-load.js N WINDOW_MS WINDOWS BULK_MB TARGET...
 *     latency: N connections per path one after another, the paths in turn;
 *     requests/s: WINDOWS windows of WINDOW_MS per path with 8 connections
 *       at a time, the paths in turn (window i of every path back to back);
 *     bulk: one connection's transfer of BULK_MB, four per path, in turn.
 * Prints one JSON line: per path p50/p99/mean latency (µs), the median
 * window rate, its ratio to the first path's paired windows, and bulk MB/s.
 */
import { connect } from 'node:net';

function once(target: string, first = 'x', onData?: (n: number) => void): Promise<void> {
  const [host, port] = target.split(':');
  return new Promise((resolve, reject) => {
    const c = connect(Number(port), host, () => c.write(first));
    c.on('data', (d: Buffer) => onData?.(d.length));
    c.on('end', () => resolve());
    c.on('error', reject);
  });
}

async function rate(target: string, conc: number, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (performance.now() < end) { await once(target); done++; }
  }));
  return done / (ms / 1000);
}

async function bulk(target: string, mb: number): Promise<number> {
  let bytes = 0;
  const t0 = performance.now();
  await once(target, `B${mb}`, (n) => { bytes += n; });
  return bytes / (1 << 20) / ((performance.now() - t0) / 1000);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
const pct = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

const [n, windowMs, windows, mb] = process.argv.slice(2, 6).map(Number);
const targets = process.argv.slice(6);
const lat: number[][] = targets.map(() => []);
for (let i = 0; i < n; i++) {
  for (let p = 0; p < targets.length; p++) {
    const t0 = process.hrtime.bigint();
    await once(targets[p]);
    lat[p].push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}
const rates: number[][] = targets.map(() => []);
for (let w = 0; w < windows; w++) {
  // Each window's order rotates, so no path always runs right after another.
  for (let k = 0; k < targets.length; k++) { const p = (w + k) % targets.length; rates[p].push(await rate(targets[p], 8, windowMs)); }
}
const bulks: number[][] = targets.map(() => []);
for (let b = 0; b < 4; b++) for (let p = 0; p < targets.length; p++) bulks[p].push(await bulk(targets[p], mb));
console.log(JSON.stringify(targets.map((t, p) => ({
  target: t, p50: median(lat[p]), p99: pct(lat[p], 0.99), mean: lat[p].reduce((a, b) => a + b, 0) / lat[p].length,
  rate: median(rates[p]), ratio: median(rates[p].map((r, w) => r / rates[0][w])), bulk: median(bulks[p]),
}))));
