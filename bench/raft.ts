/**
 * bench/raft: a 3-member Raft cluster on loopback (gRPC transport, WAL with
 * fdatasync on real disk), 1 KiB entries: throughput and commit latency with
 * 1 and 64 concurrent clients, then leader failover (leader stopped → next
 * acknowledged write) over 20 trials. If `etcd` is on the PATH, measures the
 * same on a 3-member etcd cluster (bench/etcd-client.ts) and prints both side
 * by side against the targets. Prints figures; asserts nothing.
 */
import * as grpc from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode, RaftError } from '../src/raft/node/raft-node.js';
import { FileRaftStorage } from '../src/raft/storage/file-storage.js';
import { PeerTransport, RAFT_STREAM, raftStreamHandler } from '../src/raft/transport/peer-transport.js';
import { channelOptions, clientStream, insecureCredentials } from '../src/raft/transport/rpc.js';
import { EtcdCluster, etcdOnPath } from './etcd-client.js';

const TICK_MS = 100;
const PAYLOAD = 'x'.repeat(1024);
const TRIALS = 20;
const WARMUP = { clients: 8, total: 200 };
const ONE = { clients: 1, total: 500 };
const MANY = { clients: 64, total: 5000 };

interface Member { id: string; addr: string; node?: RaftNode; server?: grpc.Server; transport?: PeerTransport; dir: string }

async function startMember(m: Member, all: Member[], found: boolean) {
  m.transport = new PeerTransport(insecureCredentials, (id) => m.node?.reportUnreachable(id));
  for (const p of all) if (p.id !== m.id) m.transport.setPeer(p.id, p.addr);
  m.server = new grpc.Server(channelOptions);
  m.server.addService({ Stream: clientStream(RAFT_STREAM) } as grpc.ServiceDefinition, { Stream: raftStreamHandler((msg) => m.node?.step(msg)) });
  await new Promise<void>((res, rej) => m.server!.bindAsync(m.addr, insecureCredentials.server(), (e) => (e ? rej(e) : res())));
  m.node = await RaftNode.start({
    id: m.id, storage: new FileRaftStorage(m.dir), send: (msgs) => m.transport!.send(msgs),
    sm: { apply: () => undefined, snapshot: () => '', restore: () => undefined },
    tickMs: TICK_MS, electionTick: 10, heartbeatTick: 1, snapshotEvery: 10_000, keepEntries: 500,
  }, found ? all.map((p) => ({ id: p.id, addr: p.addr, nodeId: p.id })) : undefined);
}

async function stopMember(m: Member) {
  await m.node?.stop();
  m.transport?.close();
  m.server?.forceShutdown();
  m.node = undefined;
}

const leaderOf = (ms: Member[]) => ms.find((m) => m.node?.isLeaderReady);
async function waitLeader(ms: Member[]): Promise<Member> {
  for (;;) {
    const l = leaderOf(ms);
    if (l) return l;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function proposeAnywhere(ms: Member[]): Promise<void> {
  for (;;) {
    const l = await waitLeader(ms);
    try { await l.node!.propose(PAYLOAD, 5000); return; } catch (e) { if (!(e instanceof RaftError)) throw e; await new Promise((r) => setTimeout(r, 5)); }
  }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

interface Load { perSec: number; p50: number; p99: number }
interface Result { one: Load; many: Load; failovers: number[] }

/** `clients` concurrent loops sharing `total` operations; throughput and per-operation latency. */
async function drive(clients: number, total: number, op: (n: number) => Promise<void>): Promise<Load> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let n; (n = next++) < total;) {
      const s = performance.now();
      await op(n);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { perSec: Math.round(lat.length / secs), p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

// Whatever is still running or on disk when the process ends, by any path, goes.
const exitCleanups = new Set<() => void>();
process.on('exit', () => { for (const c of exitCleanups) { try { c(); } catch { /* best effort */ } } });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => process.exit(128 + constants.signals[sig]));

async function benchTswarm(): Promise<Result> {
  const base = await mkdtemp(join(tmpdir(), 'tswarm-bench-raft-'));
  const rmBase = () => rmSync(base, { recursive: true, force: true });
  exitCleanups.add(rmBase);
  const ms: Member[] = [1, 2, 3].map((i) => ({ id: `m${i}`, addr: `127.0.0.${i}:${23900 + i}`, dir: join(base, `m${i}`) }));
  try {
    for (const m of ms) await startMember(m, ms, true);
    await waitLeader(ms);
    const op = () => proposeAnywhere(ms);
    await drive(WARMUP.clients, WARMUP.total, op);
    const one = await drive(ONE.clients, ONE.total, op);
    const many = await drive(MANY.clients, MANY.total, op);
    const failovers: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const l = await waitLeader(ms);
      const t0 = performance.now();
      await stopMember(l);
      await proposeAnywhere(ms);
      failovers.push(performance.now() - t0);
      await startMember(l, ms, false);
      await new Promise((r) => setTimeout(r, 500));
    }
    return { one, many, failovers };
  } finally {
    for (const m of ms) await stopMember(m).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
    exitCleanups.delete(rmBase);
  }
}

async function benchEtcd(bin: string): Promise<Result> {
  const c = await EtcdCluster.start(bin);
  const kill = () => c.destroySync();
  exitCleanups.add(kill);
  try {
    const value64 = Buffer.from(PAYLOAD).toString('base64');
    let leader = await c.waitLeader();
    // Puts go straight to the leader, as tswarm's proposals do; on an error, find the leader again and retry.
    const op = async (n: number) => {
      for (;;) {
        try { await c.put(leader, `bench/${n}`, value64, 5000); return; } catch { leader = await c.waitLeader(); }
      }
    };
    await drive(WARMUP.clients, WARMUP.total, op);
    const one = await drive(ONE.clients, ONE.total, op);
    const many = await drive(MANY.clients, MANY.total, op);
    const failovers: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const { ms, killed } = await c.failover(value64, `failover/${i}`);
      failovers.push(ms);
      await c.restart(killed);
      await new Promise((r) => setTimeout(r, 500));
    }
    return { one, many, failovers };
  } finally {
    await c.destroy();
    exitCleanups.delete(kill);
  }
}

async function main() {
  const f = (n: number) => `${n.toFixed(1)} ms`;
  const ts = await benchTswarm();
  console.log('tswarm raft, 3 members on loopback, 1 KiB entries, fdatasync per batch');
  console.log(`  1 client:    ${ts.one.perSec} proposals/s, commit p50 ${f(ts.one.p50)}, p99 ${f(ts.one.p99)}`);
  console.log(`  64 clients:  ${ts.many.perSec} proposals/s, commit p50 ${f(ts.many.p50)}, p99 ${f(ts.many.p99)}`);
  console.log(`  failover (leader stopped → next acknowledged write), ${TRIALS} trials: p50 ${f(pct(ts.failovers, 0.5))}, p99 ${f(pct(ts.failovers, 0.99))}`);

  const bin = etcdOnPath();
  if (!bin) {
    console.log('  (etcd side by side: not run — no etcd on the PATH; install the etcd-server package to compare)');
    return;
  }
  const version = await EtcdCluster.version(bin);
  const et = await benchEtcd(bin);
  console.log(`${version} (${bin}), 3 members on loopback, default settings (fsync on), puts via the v3 JSON gateway over HTTP/1.1 keep-alive`);
  console.log(`  1 client:    ${et.one.perSec} puts/s, p50 ${f(et.one.p50)}, p99 ${f(et.one.p99)}`);
  console.log(`  64 clients:  ${et.many.perSec} puts/s, p50 ${f(et.many.p50)}, p99 ${f(et.many.p99)}`);
  console.log(`  failover (leader SIGKILL → next acknowledged put via the survivors), ${TRIALS} trials: p50 ${f(pct(et.failovers, 0.5))}, p99 ${f(pct(et.failovers, 0.99))}`);

  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const row = (label: string, a: string, b: string, ratio: string) => `  ${label.padEnd(24)}${a.padStart(12)}${b.padStart(12)}${ratio.padStart(10)}`;
  const lat = (label: string, a: number, b: number) => row(label, f(a), f(b), x(a, b));
  const thr = (label: string, a: number, b: number) => row(label, `${a}/s`, `${b}/s`, x(a, b));
  console.log('side by side (every ratio is tswarm/etcd: below 1 means tswarm has less latency, shorter failover, or less throughput)');
  console.log(row('', 'tswarm', 'etcd', 'ratio'));
  console.log(thr('1 client throughput', ts.one.perSec, et.one.perSec));
  console.log(lat('1 client p50', ts.one.p50, et.one.p50));
  console.log(lat('1 client p99', ts.one.p99, et.one.p99));
  console.log(thr('64 clients throughput', ts.many.perSec, et.many.perSec));
  console.log(lat('64 clients p50', ts.many.p50, et.many.p50));
  console.log(lat('64 clients p99', ts.many.p99, et.many.p99));
  console.log(lat('failover p50', pct(ts.failovers, 0.5), pct(et.failovers, 0.5)));
  console.log(lat('failover p99', pct(ts.failovers, 0.99), pct(et.failovers, 0.99)));

  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const fp99 = pct(ts.failovers, 0.99);
  const r1 = ts.one.perSec / et.one.perSec, r64 = ts.many.perSec / et.many.perSec;
  console.log('targets from the issue');
  console.log(`  failover p99 under 2 s with default settings: tswarm ${f(fp99)} → ${met(fp99 < 2000)} (etcd: ${f(pct(et.failovers, 0.99))})`);
  console.log(`  throughput within 2× of etcd's (tswarm/etcd ≥ 0.50): 1 client ${r1.toFixed(2)} → ${met(r1 >= 0.5)}, 64 clients ${r64.toFixed(2)} → ${met(r64 >= 0.5)}`);
}

await main();
process.exit(0);
