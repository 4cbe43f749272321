/**
 * The two ends of bench/vip, each run inside a network namespace:
 *   node vip-load.js serve NAME PORT
 *       every connection: on its first data, answers NAME and closes; a connection
 *       whose first bytes are 'B<n>' gets n MB instead
 *   node vip-load.js compare VIA_VIP DIRECT N WINDOW_MS BULK_MB
 *       the two paths measured interleaved in this one process (so the load of the
 *       machine falls on both alike): N connections one after another alternating
 *       between them; connections per second with 8 at a time in alternating windows;
 *       one-connection transfers of BULK_MB, alternating, four each.
 * VIA_VIP / DIRECT: comma-separated host:port, taken in turn. Prints one JSON line.
 */
import { connect, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);

function once(target: string, first = 'x', onData?: (n: number) => void): Promise<void> {
  const [host, port] = target.split(':');
  return new Promise((resolve, reject) => {
    const c = connect(Number(port), host, () => c.write(first));
    c.on('data', (d: Buffer) => onData?.(d.length));
    c.on('end', () => resolve());
    c.on('error', reject);
  });
}

async function rate(targets: string[], conc: number, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (performance.now() < end) { await once(targets[next++ % targets.length]); done++; }
  }));
  return done / (ms / 1000);
}

async function bulk(target: string, mb: number): Promise<number> {
  let bytes = 0;
  const t0 = performance.now();
  await once(target, `B${mb}`, (n) => { bytes += n; });
  return bytes / (1 << 20) / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

if (mode === 'serve') {
  const [name, port] = args;
  const chunk = Buffer.alloc(1 << 20, 7);
  createServer((c) => {
    c.once('data', (d: Buffer) => {
      if (d[0] !== 0x42) { c.end(name); return; }
      let left = Number(d.subarray(1).toString());
      const pump = () => {
        while (left > 0) { left--; if (!c.write(chunk)) return void c.once('drain', pump); }
        c.end();
      };
      pump();
    });
    c.on('error', () => c.destroy());
  }).listen(Number(port));
} else if (mode === 'compare') {
  const paths = [args[0].split(','), args[1].split(',')];
  const [n, windowMs, mb] = args.slice(2).map(Number);
  const lat: number[][] = [[], []];
  for (let i = 0; i < 2 * n; i++) {
    const p = i % 2;
    const targets = paths[p];
    const t0 = process.hrtime.bigint();
    await once(targets[(i >> 1) % targets.length]);
    lat[p].push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const rates: number[][] = [[], []];
  for (let w = 0; w < 8; w++) rates[w % 2].push(await rate(paths[w % 2], 8, windowMs));
  const bulks: number[][] = [[], []];
  for (let b = 0; b < 8; b++) bulks[b % 2].push(await bulk(paths[b % 2][0], mb));
  const out = (p: number) => ({ p50: median(lat[p]), p99: p99(lat[p]), mean: mean(lat[p]), rate: median(rates[p]), bulk: median(bulks[p]) });
  console.log(JSON.stringify({ vip: out(0), direct: out(1) }));
}
