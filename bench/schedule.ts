// bench/schedule: N tasks onto M simulated nodes, time from `service create` to all RUNNING,
// node registration time, the daemon's peak memory, and GET /services and GET /nodes latency
// while the tasks converge. Runs 10,000/1,000 and 100,000/5,000 in-process simulated nodes
// (the dispatcher called directly) and 20,000 tasks on 1,000 simulated nodes in another
// process (real join, mutual TLS, gRPC), then prints ratios to the anchors.
// Usage: node dist/bench/schedule.js [TASKSxNODES ...] [--remote TASKSxNODES]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTswarmd, TSWARM_BIN } from '../test/helpers/tswarmd.js';
import { api, getWhole } from './api-client.js';

/** swarmkit's scheduler benchmark: 100,000 tasks on 1,000 nodes in 22.6 s. */
const SWARMKIT_TASKS_PER_S = 100_000 / 22.6;
const GOAL_S = 30;

const args = process.argv.slice(2);
const remoteArg = args.includes('--remote') ? args[args.indexOf('--remote') + 1] : '20000x1000';
const local = args.filter((a, i) => /^\d+x\d+$/.test(a) && args[i - 1] !== '--remote');
const runs = local.length ? local : ['10000x1000', '100000x5000'];
const parse = (s: string) => s.split('x').map(Number) as [number, number];

const peakMiB = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };

/** Times GET path back to back until stopped: request to last byte (see getWhole; gzip: as the docker CLI asks). */
function latencyProbe(socket: string, path: string, gzip = false) {
  const times: number[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await getWhole(socket, path, gzip);
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { async end() { stop = true; await done; return times; } };
}

interface Result { label: string; tasks: number; nodes: number; registerS: number; runS: number; rssMiB: number; services: number[]; nodesLat: number[]; nodesGzLat: number[]; remoteRssMiB?: number }

async function run(tasks: number, nodes: number, remote: boolean): Promise<Result> {
  const d = await startTswarmd({ executor: 'sim', extra: remote ? [] : ['--sim-nodes', String(nodes)] });
  let sims: ReturnType<typeof spawn> | undefined;
  try {
    const t0 = Date.now();
    await api(d.socket, 'POST', '/swarm/init', { AdvertiseAddr: d.listenAddr });
    if (remote) {
      const { JoinTokens } = await api<{ JoinTokens: { Worker: string } }>(d.socket, 'GET', '/swarm');
      sims = spawn(process.execPath, [join(TSWARM_BIN, '../../dist/bench/remote-sim-nodes.js'), d.listenAddr, JoinTokens.Worker, String(nodes)], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    for (;;) {
      const list = await api<unknown[]>(d.socket, 'GET', '/nodes');
      if (list.length >= nodes + 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const registered = Date.now();
    const probes = [latencyProbe(d.socket, '/services'), latencyProbe(d.socket, '/nodes'), latencyProbe(d.socket, '/nodes', true)];
    const created = Date.now();
    await api(d.socket, 'POST', '/services/create', {
      Name: 'bench', TaskTemplate: { ContainerSpec: { Image: 'sim', Args: ['run'] } }, Mode: { Replicated: { Replicas: tasks } },
    });
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const [s] = await api<{ ServiceStatus: { RunningTasks: number } }[]>(d.socket, 'GET', '/services?status=true');
      if (s.ServiceStatus.RunningTasks >= tasks) break;
    }
    const done = Date.now();
    const [services, nodesLat, nodesGzLat] = await Promise.all(probes.map((p) => p.end()));
    const down = (await api<{ Status: { State: string } }[]>(d.socket, 'GET', '/nodes')).filter((n) => n.Status.State !== 'ready').length;
    if (down > 0) throw new Error(`${down} nodes not ready at the end (expired heartbeats)`);
    return {
      label: `${tasks}/${nodes}${remote ? ' remote' : ''}`, tasks, nodes, registerS: (registered - t0) / 1000, runS: (done - created) / 1000,
      rssMiB: peakMiB(d.proc.pid!), services, nodesLat, nodesGzLat, remoteRssMiB: sims ? peakMiB(sims.pid!) : undefined,
    };
  } finally {
    sims?.kill('SIGKILL');
    await d.stop('SIGKILL');
  }
}

const results: Result[] = [];
for (const r of runs) { const [t, n] = parse(r); results.push(await run(t, n, false)); }
if (remoteArg !== 'none') { const [t, n] = parse(remoteArg); results.push(await run(t, n, true)); }

const f = (x: number, d = 1) => x.toFixed(d);
console.log('\nrun              register  to RUNNING  tasks/s  peak RSS  GET /services p50/p99   GET /nodes p50/p99   (gzip, as docker CLI)');
for (const r of results) {
  console.log(`${r.label.padEnd(16)} ${f(r.registerS).padStart(6)} s ${f(r.runS).padStart(8)} s ${String(Math.round(r.tasks / r.runS)).padStart(8)} ${f(r.rssMiB, 0).padStart(5)} MiB${r.remoteRssMiB ? ` (+${f(r.remoteRssMiB, 0)})` : ''}`
    + `   ${f(pct(r.services, 50))}/${f(pct(r.services, 99))} ms`.padEnd(20) + `   ${f(pct(r.nodesLat, 50))}/${f(pct(r.nodesLat, 99))} ms`.padEnd(20) + `   ${f(pct(r.nodesGzLat, 50))}/${f(pct(r.nodesGzLat, 99))} ms`);
}
console.log('\nratios');
for (const r of results) console.log(`  ${r.label}: ${f(r.tasks / r.runS / SWARMKIT_TASKS_PER_S, 2)}x swarmkit's 4,425 tasks/s (100k on 1k nodes, 22.6 s)`);
const small = results.find((r) => r.label === '10000/1000');
const big = results.find((r) => r.label === '100000/5000');
if (small && big) {
  console.log(`  100000/5000 vs 10000/1000 time: ${f(big.runS / small.runS, 2)}x (linear goal: at most 12x)`);
  console.log(`  100000/5000 vs the ${GOAL_S} s goal: ${f(big.runS / GOAL_S, 2)}x; peak RSS vs 1.5 GiB: ${f(big.rssMiB / 1536, 2)}x`);
}
