// bench/converge: time from `service create --replicas N` to N running, tswarm (docker executor)
// vs the raw engine (N `docker run -d`, 8 in parallel) vs Docker's own swarm mode when given.
// Usage: TSWARM_TEST_DOCKER_HOST=unix://… [DOCKER_SWARM_HOST=unix://… of an engine in swarm mode]
//        node dist/bench/converge.js [N=50]
import { ensureBusyboxImage } from '../test/helpers/image.js';
import { run, startTswarmd } from '../test/helpers/tswarmd.js';

const N = Number(process.argv[2] ?? 50);
const engine = process.env.TSWARM_TEST_DOCKER_HOST ?? 'unix:///tmp/tswarm-ci-engine/docker.sock';
const dockerSwarm = process.env.DOCKER_SWARM_HOST;
const dk = (host: string, ...a: string[]) => run('docker', a, { DOCKER_HOST: host }, 600_000);

async function rawEngine(image: string): Promise<number> {
  const t0 = Date.now();
  const names = Array.from({ length: N }, (_, i) => `bench-raw-${i}`);
  for (let i = 0; i < N; i += 8) await Promise.all(names.slice(i, i + 8).map((n) => dk(engine, 'run', '-d', '--name', n, image, 'sleep', '86400')));
  const t = (Date.now() - t0) / 1000;
  await dk(engine, 'rm', '-f', ...names);
  return t;
}

/** `service create` on a swarm endpoint; the clock stops when N tasks run. */
async function swarmService(host: string, image: string, explain = false): Promise<number> {
  const t0 = Date.now();
  const c = await dk(host, 'service', 'create', '-d', '--name', 'bench', '--replicas', String(N), image, 'sleep', '86400');
  if (c.code !== 0) throw new Error(c.stderr);
  const created = Date.now();
  for (;;) {
    const ls = await dk(host, 'service', 'ls', '--format', '{{.Replicas}}', '--filter', 'name=bench');
    if (ls.stdout.trim() === `${N}/${N}`) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seen = Date.now();
  if (explain) await whereTimeGoes(host, t0, created, seen);
  await dk(host, 'service', 'rm', 'bench');
  return (seen - t0) / 1000;
}

/**
 * Splits tswarm's time: the API call, the manager (service created → first
 * container created by the engine), the engine's own create → start of each
 * container, and how late the CLI's polling saw the last task running.
 */
async function whereTimeGoes(host: string, t0: number, created: number, seen: number) {
  const ids = (await dk(engine, 'ps', '-q', '--filter', 'name=bench.')).stdout.trim().split(/\s+/);
  const fmt = '{{.Created}} {{.State.StartedAt}}';
  const rows = (await dk(engine, 'inspect', '--format', fmt, ...ids)).stdout.trim().split('\n').map((l) => l.split(' ').map((x) => Date.parse(x)));
  const firstCreate = Math.min(...rows.map((r) => r[0]));
  const lastStart = Math.max(...rows.map((r) => r[1]));
  const engineMs = rows.map((r) => r[1] - r[0]).sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log('  where tswarm\'s time goes:');
  console.log(`    service create API call:                     ${s(created - t0)}`);
  console.log(`    manager (API call → first container created): ${s(firstCreate - t0)}`);
  console.log(`    engine: first container created → last started: ${s(lastStart - firstCreate)} (one container create→start: median ${s(engineMs[engineMs.length >> 1])}, max ${s(engineMs[engineMs.length - 1])})`);
  console.log(`    last container started → CLI saw ${N}/${N}:     ${s(seen - lastStart)}`);
}

const image = await ensureBusyboxImage(engine);
const raw = await rawEngine(image);
const d = await startTswarmd({ executor: 'docker', dockerHost: engine });
let ours: number;
try {
  await dk(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1');
  ours = await swarmService(d.host, image, true);
  await dk(d.host, 'swarm', 'leave', '--force');
} finally {
  await d.stop();
}
console.log(`converge ${N} replicas`);
console.log(`  raw engine (docker run -d, 8 parallel): ${raw.toFixed(1)} s`);
console.log(`  tswarm (docker executor):               ${ours.toFixed(1)} s   ratio to raw engine ${(ours / raw).toFixed(2)}x`);
if (dockerSwarm) {
  const theirImage = await ensureBusyboxImage(dockerSwarm);
  const theirs = await swarmService(dockerSwarm, theirImage);
  console.log(`  Docker swarm mode:                      ${theirs.toFixed(1)} s   tswarm is ${(theirs / ours).toFixed(2)}x faster`);
}
