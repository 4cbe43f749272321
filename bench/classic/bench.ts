// bench/classic: `tswarm manage` (classic standalone Swarm) against real and simulated engines.
//  1. `docker run --rm` through manage (3 real engines) vs directly against one engine: the latency ratio.
//  2. GET /containers/json?all=1 (`docker ps -a`) and GET /info p99 with the 3 real engines plus N simulated
//     engines of C containers each (default N = 100 and 1,000, C = 30: 30,000 containers at 1,000 engines,
//     classic Swarm's own test, which reported an API p99 of 360 ms). Goal: p99 under 100 ms at 1,000 engines.
// Needs root (network namespaces, engines); run under the test lock:
//   flock -o /tmp/tswarm-itest.lock node dist/bench/classic/bench.js [N ...] [--containers C] [--runs R]
// --sim-only: simulated engines alone (no real engines, no namespaces, no lock; part 1 skipped);
// --cpu-prof DIR: manage writes a V8 CPU profile of each pool run to DIR (open it in Chrome's DevTools).
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_IMAGE } from '../../test/helpers/image.js';
import { eventually, run } from '../../test/helpers/tswarmd.js';
import { clearEngine, clearPool, engineAddr, engineHost, enginesUp, startManager } from '../../test/classic/pool-hosts.js';
import { startSimEnginesProcess } from './sim-engines-process.js';

const ANCHOR_P99_MS = 360;
const GOAL_P99_MS = 100;

const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const perEngine = opt('--containers', 30);
const runs = opt('--runs', 20);
const simOnly = args.includes('--sim-only');
const profDir = args.includes('--cpu-prof') ? args[args.indexOf('--cpu-prof') + 1] : undefined;
const sizes = args.filter((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith('--')).map(Number);
const pools = sizes.length ? sizes : [100, 1000];

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };
const ms = (x: number) => `${x.toFixed(1)} ms`;
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** One API call's latency (whole body read, unpacked when gzip is asked for as the docker CLI asks), in ms. */
function timed(port: number, path: string, gzip = false): Promise<{ ms: number; bytes: number; wire: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const r = request({ host: '127.0.0.1', port, path: `/v1.41${path}`, headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (resp) => {
      let bytes = 0; let wire = 0;
      resp.on('data', (c: Buffer) => { wire += c.length; });
      const body = resp.headers['content-encoding'] === 'gzip' ? resp.pipe(createGunzip()) : resp;
      body.on('data', (c: Buffer) => { bytes += c.length; });
      body.on('end', () => (resp.statusCode === 200 ? res({ ms: performance.now() - t0, bytes, wire }) : rej(new Error(`${path}: ${resp.statusCode}`))));
    });
    r.on('error', rej);
    r.end();
  });
}

async function timeCli(host: string, n: number, ...a: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await run('docker', ['-H', host, ...a], { DOCKER_HOST: '' });
    if (r.code !== 0) throw new Error(`docker ${a.join(' ')}: ${r.stderr}`);
    out.push(performance.now() - t0);
  }
  return out;
}

async function runRatio(): Promise<void> {
  const m = await startManager(['nodes://10.78.0.[1:3]:2375']);
  try {
    const cmd = ['run', '--rm', TEST_IMAGE, 'true'];
    await timeCli(m.host, 2, ...cmd);
    await timeCli(engineHost(1), 2, ...cmd);
    const through = await timeCli(m.host, runs, ...cmd);
    const direct = await timeCli(engineHost(1), runs, ...cmd);
    console.log(`docker run --rm (${runs} runs)     p50 ${ms(pct(through, 50))} through manage, ${ms(pct(direct, 50))} direct; p90 ${ms(pct(through, 90))} / ${ms(pct(direct, 90))}`);
    console.log(`  latency ratio manage/direct: ${(pct(through, 50) / pct(direct, 50)).toFixed(2)} (p50), ${(pct(through, 90) / pct(direct, 90)).toFixed(2)} (p90)`);
    await clearPool(m);
  } finally {
    await m.stop();
  }
}

async function poolRun(n: number): Promise<void> {
  const sims = await startSimEnginesProcess(n, perEngine);
  const file = join(tmpdir(), `tswarm-bench-classic-${process.pid}-${n}`);
  const real = simOnly ? [] : [1, 2, 3].map(engineAddr);
  await writeFile(file, [...real, ...sims.addrs].join('\n') + '\n');
  const t0 = performance.now();
  // Default refresh intervals (30-60 s), as a production manager would run.
  const m = await startManager([`file://${file}`, '--engine-refresh-min-interval', '30s', '--engine-refresh-max-interval', '60s'], { engines: n + real.length, readyMs: 300_000, nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
  try {
    const want = n * perEngine;
    await eventually(async () => {
      const r = await m.docker('info', '--format', '{{.Containers}}');
      return Number(r.stdout.trim()) >= want;
    }, 300_000, `${want} containers in the pool`);
    const ready = performance.now() - t0;
    for (let i = 0; i < 10; i++) { await timed(m.port, '/containers/json?all=1'); await timed(m.port, '/info'); }
    const ps: number[] = []; const psGz: number[] = []; const info: number[] = [];
    let psBytes = 0; let gzWire = 0;
    for (let i = 0; i < 200; i++) {
      const a = await timed(m.port, '/containers/json?all=1');
      ps.push(a.ms); psBytes = a.bytes;
      const g = await timed(m.port, '/containers/json?all=1', true);
      psGz.push(g.ms); gzWire = g.wire;
      info.push((await timed(m.port, '/info')).ms);
    }
    const cliPs = await timeCli(m.host, 5, 'ps', '-a', '-q');
    const cliInfo = await timeCli(m.host, 5, 'info');
    console.log(`\n${n} simulated + ${real.length} real engines, ${want} containers (pool ready in ${(ready / 1000).toFixed(1)} s, manage RSS ${rssMiB(m.proc.pid!).toFixed(0)} MiB)`);
    console.log(`  GET /containers/json?all=1  p50 ${ms(pct(ps, 50))}  p99 ${ms(pct(ps, 99))}  max ${ms(Math.max(...ps))}  (${(psBytes / 2 ** 20).toFixed(1)} MiB)`);
    console.log(`  the same, gzip (as docker asks) p50 ${ms(pct(psGz, 50))}  p99 ${ms(pct(psGz, 99))}  max ${ms(Math.max(...psGz))}  (${(gzWire / 2 ** 20).toFixed(1)} MiB on the wire)`);
    console.log(`  GET /info                   p50 ${ms(pct(info, 50))}  p99 ${ms(pct(info, 99))}  max ${ms(Math.max(...info))}`);
    console.log(`  docker ps -a -q (CLI)       p50 ${ms(pct(cliPs, 50))};  docker info (CLI) p50 ${ms(pct(cliInfo, 50))}`);
    const worst = Math.max(pct(ps, 99), pct(info, 99));
    console.log(`  worst API p99 (plain, as before) ${ms(worst)}: ${(ANCHOR_P99_MS / worst).toFixed(1)}x better than classic Swarm's ${ANCHOR_P99_MS} ms; goal ${GOAL_P99_MS} ms ${worst < GOAL_P99_MS ? 'met' : 'NOT met'}`);
  } finally {
    await m.stop();
    await sims.stop();
  }
}

if (!simOnly) {
  await enginesUp();
  await runRatio();
}
for (const n of pools) await poolRun(n);
if (!simOnly) for (const i of [1, 2, 3]) await clearEngine(i);
process.exit(0);
