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
import { createServer } from 'node:net';
import { bulk, latency, mean, median, percentile, rate } from './load-client.js';

const [mode, ...args] = process.argv.slice(2);

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
    lat[p].push(await latency(targets[(i >> 1) % targets.length]));
  }
  const rates: number[][] = [[], []];
  for (let w = 0; w < 8; w++) rates[w % 2].push(await rate(paths[w % 2], 8, windowMs));
  const bulks: number[][] = [[], []];
  for (let b = 0; b < 8; b++) bulks[b % 2].push(await bulk(paths[b % 2][0], mb));
  const out = (p: number) => ({ p50: median(lat[p]), p99: percentile(lat[p], 0.99), mean: mean(lat[p]), rate: median(rates[p]), bulk: median(bulks[p]) });
  console.log(JSON.stringify({ vip: out(0), direct: out(1) }));
}
