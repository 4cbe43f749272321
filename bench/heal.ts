/**
 * bench/heal: SIGKILL a worker running N tasks and time
 *   detection — kill → the worker is Down in `docker node ls` on the manager, and
 *   heal      — kill → every replica Running on the other nodes, as
 *               `docker service ps --filter desired-state=running` shows,
 * for dispatcher heartbeats of 5 s (Docker's default) and 1 s
 * (`docker swarm update --dispatcher-heartbeat 1s`), a few trials each.
 *
 * tswarm: 1 manager + 2 workers (process executor) on 127.0.0.41..43. Docker's
 * own swarm mode side by side when `dockerd` is installed: two private engines
 * (own data/exec roots, socket, bridge, cgroup parent, and hostname through a
 * UTS namespace) on 127.0.0.51..52, a busybox image made with `docker import`.
 * Each service has N replicas per node, so the spread scheduler gives the
 * killed worker exactly N; before every trial the service is created afresh
 * and the clock starts only once every node runs N. The killed worker is
 * restarted after each trial and rejoins by itself.
 *
 * Prints figures; asserts nothing.
 * Usage: node dist/bench/heal.js [N=10] [trials=3]
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage } from '../test/helpers/image.js';
import { taskProcesses } from '../test/helpers/processes.js';
import { dk, formSwarm, startNodes, type Daemon } from '../test/helpers/cluster.js';
import { dockerWithInput, run, type RunResult } from '../test/helpers/tswarmd.js';

const N = Number(process.argv[2] ?? 10);
const TRIALS = Number(process.argv[3] ?? 3);
const HEARTBEATS = [5, 1]; // seconds
const SERVICE = 'heal';
const MARKER = '86417'; // `sleep 86417`: how the process executor's task processes are found
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** One swarm under test, driven through the docker CLI on its manager. */
interface Swarm {
  label: string;
  nodeNames: string[];
  victim: string;
  image: string;
  cli(...args: string[]): Promise<RunResult>;
  /** SIGKILLs the victim worker; returns right after the signal is sent. */
  kill(): void;
  /** Starts the victim again (same data); it rejoins by itself. */
  restart(): Promise<void>;
  /** How many of the service's tasks still run somewhere on the machine. */
  leftovers(): Promise<number>;
}

interface Trial { detect: number; heal: number }

async function nodeStatus(s: Swarm): Promise<Map<string, string>> {
  const r = await s.cli('node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
  const m = new Map<string, string>();
  if (r.code !== 0) return m;
  for (const l of r.stdout.trim().split('\n')) {
    const [name, status] = l.trim().split(/\s+/);
    if (name) m.set(name, status);
  }
  return m;
}

/** Tasks with desired state running: Running ones by node, and how many in all. */
async function running(s: Swarm): Promise<{ by: Map<string, number>; total: number } | undefined> {
  const r = await s.cli('service', 'ps', SERVICE, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
  if (r.code !== 0) return undefined;
  const by = new Map<string, number>();
  let total = 0;
  for (const l of r.stdout.trim().split('\n')) {
    if (!l.trim()) continue;
    total++;
    const [node, state] = l.trim().split(/\s+/);
    if (state === 'Running') by.set(node, (by.get(node) ?? 0) + 1);
  }
  return { by, total };
}

async function waitFor<T>(what: string, ms: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

/** Removes the service, waits until none of its tasks runs, creates it again and waits until every node runs N. */
async function balance(s: Swarm) {
  const replicas = N * s.nodeNames.length;
  for (let attempt = 1; ; attempt++) {
    await s.cli('service', 'rm', SERVICE);
    await waitFor('the old tasks to stop', 120_000, async () => (await s.leftovers()) === 0);
    const c = await s.cli('service', 'create', '-d', '--name', SERVICE, '--replicas', String(replicas), s.image, 'sleep', MARKER);
    if (c.code !== 0) throw new Error(`service create: ${c.stderr.trim()}`);
    try {
      await waitFor(`${N} tasks running on each node`, 120_000, async () => {
        const r = await running(s);
        return r && r.total === replicas && s.nodeNames.every((n) => r.by.get(n) === N);
      });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function trial(s: Swarm, hb: number): Promise<Trial> {
  await balance(s);
  const replicas = N * s.nodeNames.length;
  const deadline = 30 * hb * 1000 + 120_000;
  let detect = NaN;
  let heal = NaN;
  const t0 = now();
  s.kill();
  await Promise.all([
    (async () => {
      while (now() - t0 < deadline) {
        if ((await nodeStatus(s)).get(s.victim) === 'Down') { detect = (now() - t0) / 1000; return; }
        await sleep(POLL_MS);
      }
    })(),
    (async () => {
      while (now() - t0 < deadline) {
        const r = await running(s);
        if (r && r.total === replicas && !r.by.has(s.victim) && [...r.by.values()].reduce((a, b) => a + b, 0) === replicas) {
          heal = (now() - t0) / 1000;
          return;
        }
        await sleep(POLL_MS);
      }
    })(),
  ]);
  await s.restart();
  await waitFor(`${s.victim} Ready again`, 180_000, async () => (await nodeStatus(s)).get(s.victim) === 'Ready');
  return { detect, heal };
}

async function measure(s: Swarm): Promise<Map<number, Trial[]>> {
  const out = new Map<number, Trial[]>();
  let prev = 5;
  for (const hb of HEARTBEATS) {
    const u = await s.cli('swarm', 'update', '--dispatcher-heartbeat', `${hb}s`);
    if (u.code !== 0) throw new Error(`swarm update: ${u.stderr.trim()}`);
    await sleep(Math.max(prev, hb) * 1500); // every node has had a heartbeat answered with the new period
    prev = hb;
    const ts: Trial[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t = await trial(s, hb);
      process.stderr.write(`  ${s.label}, heartbeat ${hb} s, trial ${i + 1}: detection ${t.detect.toFixed(2)} s, heal ${t.heal.toFixed(2)} s\n`);
      ts.push(t);
    }
    out.set(hb, ts);
  }
  await s.cli('service', 'rm', SERVICE);
  await waitFor('the last tasks to stop', 60_000, async () => (await s.leftovers()) === 0).catch(() => undefined);
  return out;
}

// ---------------------------------------------------------------- cleanup

const cleanups: (() => Promise<void>)[] = [];
async function cleanupAll() {
  while (cleanups.length) {
    try { await cleanups.pop()!(); } catch (e) { process.stderr.write(`cleanup: ${(e as Error).message}\n`); }
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { cleanupAll().catch((e: Error) => process.stderr.write(`cleanup: ${e.message}\n`)).finally(() => process.exit(130)); });
}

async function pidsWhere(pred: (cmdline: string) => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try { if (pred((await readFile(`/proc/${name}/cmdline`, 'utf8')).replace(/\0/g, ' '))) out.push(Number(name)); } catch { /* gone */ }
  }
  return out;
}
const killAll = (pids: number[]) => { for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } } };
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

// ---------------------------------------------------------------- tswarm

async function tswarmSwarm(): Promise<Swarm> {
  const [m] = await startNodes(1, { first: 41, prefix: 'heal-m', executor: 'process' });
  const daemons: Daemon[] = [m];
  cleanups.push(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
    const roots = new Set(daemons.map((d) => d.dataRoot));
    killAll((await taskProcesses(MARKER)).filter((p) => roots.has(p.dataRoot)).map((p) => p.pid));
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  const ws = await startNodes(2, { first: 42, prefix: 'heal-w', executor: 'process' });
  daemons.push(...ws);
  await formSwarm([m], ws);
  const victim = ws[0];
  const roots = () => new Set(daemons.map((d) => d.dataRoot));
  return {
    label: 'tswarm',
    nodeNames: daemons.map((d) => d.name),
    victim: victim.name,
    image: 'busybox',
    cli: (...a) => dk(m, ...a),
    kill: () => { victim.proc.kill('SIGKILL'); },
    restart: () => victim.restart(),
    leftovers: async () => { const rs = roots(); return (await taskProcesses(MARKER)).filter((p) => rs.has(p.dataRoot)).length; },
  };
}

// ---------------------------------------------------------------- Docker

interface Engine { name: string; ip: string; dir: string; sock: string; host: string; pidfile: string; bridge: string; cgroup: string; args: string[] }

function engineArgs(e: Engine): string[] {
  return ['--uts', 'sh', '-c', `hostname ${e.name} && exec dockerd --host ${e.host} --data-root ${e.dir}/data --exec-root ${e.dir}/exec ` +
    `--pidfile ${e.pidfile} --bridge ${e.bridge} --iptables=false --ip-forward=false --ip-masq=false --cgroup-parent /${e.cgroup} --log-level warn`];
}

async function launchEngine(e: Engine) {
  const log = openSync(join(e.dir, 'dockerd.log'), 'a');
  const p = spawn('unshare', e.args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  p.unref();
  await waitFor(`dockerd ${e.name} to answer (see ${e.dir}/dockerd.log)`, 60_000, async () => (await run('docker', ['version'], { DOCKER_HOST: e.host }, 10_000)).code === 0);
}

async function enginePid(e: Engine): Promise<number | undefined> {
  try { const pid = Number((await readFile(e.pidfile, 'utf8')).trim()); return pid && alive(pid) ? pid : undefined; } catch { return undefined; }
}

/** Everything the engines left on the host: containers, engines, their shims, mounts, cgroups, bridges, the temp dir. */
async function dockerCleanup(base: string, engines: Engine[], gwbridgeBefore: boolean) {
  for (const e of engines) {
    if (!(await enginePid(e))) continue;
    const env = { DOCKER_HOST: e.host };
    const ids = (await run('docker', ['ps', '-aq'], env)).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await run('docker', ['rm', '-f', ...ids], env, 120_000);
    await run('docker', ['swarm', 'leave', '--force'], env);
  }
  for (const e of engines) {
    const pid = await enginePid(e);
    if (!pid) continue;
    process.kill(pid, 'SIGTERM');
    const end = Date.now() + 30_000;
    while (alive(pid) && Date.now() < end) await sleep(200);
  }
  // containerd, shims and anything else started from under the temp dir; then the containers' cgroups.
  killAll(await pidsWhere((c) => c.includes(base)));
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' '));
  for (const e of engines) {
    for (const [, mnt, type] of mounts) {
      if (type !== 'cgroup' && type !== 'cgroup2') continue;
      const root = join(mnt, e.cgroup);
      if (!existsSync(root)) continue;
      const dirs: string[] = [];
      const walk = async (d: string) => { dirs.push(d); for (const x of await readdir(d, { withFileTypes: true })) if (x.isDirectory()) await walk(join(d, x.name)); };
      await walk(root).catch(() => undefined);
      for (const d of dirs) {
        try { killAll((await readFile(join(d, 'cgroup.procs'), 'utf8')).trim().split('\n').filter(Boolean).map(Number)); } catch { /* none */ }
      }
      await sleep(100);
      for (const d of dirs.reverse()) await rmdir(d).catch(() => undefined);
    }
  }
  const ours = mounts.map((m) => m[1]).filter((p) => p && p.startsWith(base)).sort((a, b) => b.length - a.length);
  for (const p of ours) await run('umount', ['-l', p]);
  for (const e of engines) await run('ip', ['link', 'del', e.bridge]);
  if (!gwbridgeBefore && (await run('ip', ['link', 'show', 'docker_gwbridge'])).code === 0) await run('ip', ['link', 'del', 'docker_gwbridge']);
  await rm(base, { recursive: true, force: true });
}

async function dockerSwarm(): Promise<Swarm> {
  const base = await mkdtemp(join(tmpdir(), 'tswarm-heal-'));
  const gwbridgeBefore = (await run('ip', ['link', 'show', 'docker_gwbridge'])).code === 0;
  const engines: Engine[] = [];
  cleanups.push(() => dockerCleanup(base, engines, gwbridgeBefore));
  // Bridges in an unused 172.31.x.0/24 each.
  const used = (await run('ip', ['-4', '-o', 'addr'])).stdout;
  const subnets = Array.from({ length: 200 }, (_, i) => 50 + i).filter((x) => !used.includes(`172.31.${x}.`));
  for (let i = 1; i <= 2; i++) {
    const tag = `${process.pid % 10000}${i}`;
    const e: Engine = {
      name: `dkheal${i}`, ip: `127.0.0.${50 + i}`, dir: join(base, `e${i}`), sock: join(base, `e${i}`, 'docker.sock'), host: '',
      pidfile: join(base, `e${i}`, 'docker.pid'), bridge: `tswheal${tag}`, cgroup: `tswarm-heal-${tag}`, args: [],
    };
    e.host = `unix://${e.sock}`;
    e.args = engineArgs(e);
    await run('mkdir', ['-p', e.dir]);
    const subnet = subnets[i - 1];
    for (const cmd of [['link', 'add', e.bridge, 'type', 'bridge'], ['addr', 'add', `172.31.${subnet}.1/24`, 'dev', e.bridge], ['link', 'set', e.bridge, 'up']]) {
      const r = await run('ip', cmd);
      if (r.code !== 0) throw new Error(`ip ${cmd.join(' ')}: ${r.stderr.trim()}`);
    }
    engines.push(e);
    await launchEngine(e);
  }
  const [mgr, wkr] = engines;
  const on = (e: Engine, ...a: string[]) => run('docker', a, { DOCKER_HOST: e.host }, 120_000);
  const init = await on(mgr, 'swarm', 'init', '--advertise-addr', mgr.ip, '--listen-addr', `${mgr.ip}:2377`);
  if (init.code !== 0) throw new Error(`swarm init: ${init.stderr.trim()}`);
  // No published ports here: without the ingress network no engine builds an ingress sandbox (docker_gwbridge, vxlan) on the host.
  await dockerWithInput(mgr.host, 'y\n', 'network', 'rm', 'ingress');
  const token = (await on(mgr, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  const join_ = await on(wkr, 'swarm', 'join', '--token', token, '--advertise-addr', wkr.ip, '--listen-addr', `${wkr.ip}:2377`, `${mgr.ip}:2377`);
  if (join_.code !== 0) throw new Error(`swarm join: ${join_.stderr.trim()}`);
  let image = '';
  for (const e of engines) image = await ensureBusyboxImage(e.host);
  const s: Swarm = {
    label: 'Docker swarm',
    nodeNames: engines.map((e) => e.name),
    victim: wkr.name,
    image,
    cli: (...a) => on(mgr, ...a),
    kill: () => {
      const pid = Number(readFileSyncSafe(wkr.pidfile));
      process.kill(pid, 'SIGKILL');
    },
    restart: () => launchEngine(wkr),
    leftovers: async () => {
      let n = 0;
      for (const e of engines) {
        if (!(await enginePid(e))) continue;
        const r = await on(e, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`);
        if (r.code !== 0) return 1;
        n += r.stdout.trim().split('\n').filter(Boolean).length;
      }
      return n;
    },
  };
  await waitFor('both Docker nodes Ready', 60_000, async () => [...(await nodeStatus(s)).values()].filter((x) => x === 'Ready').length === 2);
  return s;
}

function readFileSyncSafe(p: string): string { try { return readFileSync(p, 'utf8').trim(); } catch { return ''; } }

// ---------------------------------------------------------------- report

const sorted = (xs: number[]) => xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
function median(xs: number[]): number {
  const s = sorted(xs);
  if (s.length < xs.length || !s.length) return NaN; // a trial that timed out makes the median meaningless
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
function mmm(xs: number[]): string {
  const s = sorted(xs);
  const lost = xs.length - s.length;
  return `${f(s[0] ?? NaN)} / ${f(median(xs))} / ${f(s[s.length - 1] ?? NaN)} s${lost ? ` (${lost} timed out)` : ''}`;
}
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}` : '—');

async function main() {
  let ours: Map<number, Trial[]> | undefined;
  let theirs: Map<number, Trial[]> | undefined;
  let oursWhy = '';
  let theirsWhy = '';
  let dockerVersion = '';

  process.stderr.write('tswarm: starting 1 manager + 2 workers…\n');
  try {
    ours = await measure(await tswarmSwarm());
  } catch (e) {
    oursWhy = (e as Error).message.split('\n')[0];
  } finally {
    await cleanupAll();
  }

  if ((await run('sh', ['-c', 'command -v dockerd && command -v unshare'])).code !== 0) {
    theirsWhy = 'dockerd (or unshare) is not installed on this machine';
  } else {
    process.stderr.write('Docker: starting two private engines…\n');
    try {
      const s = await dockerSwarm();
      dockerVersion = (await s.cli('version', '--format', '{{.Server.Version}}')).stdout.trim();
      theirs = await measure(s);
    } catch (e) {
      theirsWhy = (e as Error).message.split('\n')[0];
    } finally {
      await cleanupAll();
    }
  }

  console.log(`heal: SIGKILL of a worker running ${N} tasks → detection (worker Down in \`docker node ls\`) and heal (every replica Running on the other nodes, \`service ps --filter desired-state=running\`); ${TRIALS} trials per setting, figures min / median / max, polled every ~${POLL_MS} ms through the docker CLI`);
  console.log(`  tswarm:       process executor, 1 manager + 2 workers on 127.0.0.41..43, ${3 * N} replicas (${N} per node)${oursWhy ? ` — failed: ${oursWhy}` : ''}`);
  console.log(`  Docker swarm: ${theirs ? `dockerd ${dockerVersion}, 1 manager + 1 worker on 127.0.0.51..52, ${2 * N} replicas (${N} per node)` : `not run — ${theirsWhy}`}`);
  for (const hb of HEARTBEATS) {
    const target = 3 * hb + 1;
    console.log('');
    console.log(`dispatcher heartbeat ${hb} s — target: detection + rescheduling < 3 heartbeat periods + 1 s = ${target.toFixed(1)} s`);
    console.log(`  ${''.padEnd(14)}${'detection'.padEnd(30)}${'heal (kill → all running)'.padEnd(30)}median heal / target`);
    const row = (label: string, ts: Trial[] | undefined) => {
      if (!ts) { console.log(`  ${label.padEnd(14)}—`); return; }
      const d = ts.map((t) => t.detect);
      const h = ts.map((t) => t.heal);
      console.log(`  ${label.padEnd(14)}${mmm(d).padEnd(30)}${mmm(h).padEnd(30)}${ratio(median(h), target)}`);
    };
    row('tswarm', ours?.get(hb));
    row('Docker swarm', theirs?.get(hb));
    const o = ours?.get(hb);
    const t = theirs?.get(hb);
    if (o && t) {
      console.log(`  tswarm/Docker  detection ${ratio(median(o.map((x) => x.detect)), median(t.map((x) => x.detect)))}, heal ${ratio(median(o.map((x) => x.heal)), median(t.map((x) => x.heal)))} (medians; below 1 = tswarm faster)`);
    }
  }
}

await main();
process.exit(0);
