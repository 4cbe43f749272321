/**
 * bench/raft: a 3-member Raft cluster on loopback (gRPC transport, WAL with
 * fdatasync on real disk), 1 KiB entries: throughput and commit latency with
 * 1 and 64 concurrent clients, then leader failover (leader stopped → next
 * acknowledged write) over 20 trials. Prints figures; asserts nothing.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode, RaftError } from '../src/raft/node/raft-node.js';
import { FileRaftStorage } from '../src/raft/storage/file-storage.js';
import { PeerTransport, RAFT_STREAM, raftStreamHandler } from '../src/raft/transport/peer-transport.js';
import { channelOptions, clientStream, insecureCredentials } from '../src/raft/transport/rpc.js';

const TICK_MS = 100;
const PAYLOAD = 'x'.repeat(1024);

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

async function load(ms: Member[], clients: number, total: number) {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next++ < total) {
      const s = performance.now();
      await proposeAnywhere(ms);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { perSec: Math.round(lat.length / secs), p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), 'tswarm-bench-raft-'));
  const ms: Member[] = [1, 2, 3].map((i) => ({ id: `m${i}`, addr: `127.0.0.${i}:${23900 + i}`, dir: join(base, `m${i}`) }));
  for (const m of ms) await startMember(m, ms, true);
  await waitLeader(ms);
  await load(ms, 8, 200); // warm-up
  const one = await load(ms, 1, 500);
  const many = await load(ms, 64, 5000);
  const failovers: number[] = [];
  for (let i = 0; i < 20; i++) {
    const l = await waitLeader(ms);
    const t0 = performance.now();
    await stopMember(l);
    await proposeAnywhere(ms);
    failovers.push(performance.now() - t0);
    await startMember(l, ms, false);
    await new Promise((r) => setTimeout(r, 500));
  }
  const f = (n: number) => `${n.toFixed(1)} ms`;
  console.log('tswarm raft, 3 members on loopback, 1 KiB entries, fdatasync per batch');
  console.log(`  1 client:    ${one.perSec} proposals/s, commit p50 ${f(one.p50)}, p99 ${f(one.p99)}`);
  console.log(`  64 clients:  ${many.perSec} proposals/s, commit p50 ${f(many.p50)}, p99 ${f(many.p99)}`);
  console.log(`  failover (leader stopped → next acknowledged write), 20 trials: p50 ${f(pct(failovers, 0.5))}, p99 ${f(pct(failovers, 0.99))}`);
  console.log('  (etcd side by side: not run — the etcd-server package is not installed on this machine)');
  for (const m of ms) await stopMember(m);
}

await main();
process.exit(0);
