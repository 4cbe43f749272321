import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { dk, startNodes } from '../../helpers/cluster.js';
import { FORWARD_WRITE, ISSUE_CERT, JOIN, ROOT_CA } from '../../../src/daemon/cluster-server.js';
import { anonymousClientCredentials } from '../../../src/pki/tls.js';
import { RAFT_STREAM } from '../../../src/raft/transport/peer-transport.js';
import { channelOptions } from '../../../src/raft/transport/rpc.js';
import { DISPATCHER_RPC } from '../../../src/types/dispatcher.js';
import { credsOf, rootOf, tokenNode, type Outcome } from './calls.js';

const MiB = 1024 * 1024;
const raw = (b: Buffer) => b;

/** Peak resident memory of a process so far, in bytes. */
async function peakRss(pid: number): Promise<number> {
  const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** Sends one message of `payload` bytes to `path` as the method's kind of call; its status. */
function send(addr: string, creds: grpc.ChannelCredentials, path: string, payload: Buffer): Promise<Outcome> {
  const c = new grpc.Client(addr, creds, channelOptions);
  const opts = { deadline: Date.now() + 30_000 };
  return new Promise<Outcome>((resolve) => {
    const done = (err: grpc.ServiceError | null) => resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
    if (path === RAFT_STREAM) {
      const s = c.makeClientStreamRequest(path, raw, raw, new grpc.Metadata(), opts, done);
      s.on('error', () => undefined);
      s.write(payload);
      s.end();
    } else if (path === DISPATCHER_RPC.assignments) {
      const s = c.makeServerStreamRequest(path, raw, raw, payload, new grpc.Metadata(), opts);
      s.on('data', () => done(null));
      s.on('error', done);
      s.on('end', () => done(null));
    } else {
      c.makeUnaryRequest(path, raw, raw, payload, new grpc.Metadata(), opts, done);
    }
  }).finally(() => c.close());
}

test('a 64 MiB message to any cluster RPC is refused before it is read: the daemon\'s memory does not grow by it, and it keeps answering', { timeout: 180_000 }, async (t) => {
  const [m] = await startNodes(1, { first: 67, prefix: 'big' });
  t.after(() => m.stop('SIGKILL'));
  assert.equal((await dk(m, 'swarm', 'init', '--advertise-addr', m.listenAddr)).code, 0);
  const root = await rootOf(m);
  const worker = await tokenNode(m.listenAddr, root, (await dk(m, 'swarm', 'join-token', '-q', 'worker')).stdout.trim(), 'ghost');
  // Valid JSON, so a server that reads and parses it holds it twice over.
  const big = Buffer.from(`{"sessionId":"${'x'.repeat(64 * MiB)}"}`);
  const anonymous = anonymousClientCredentials([root]);
  const paths = [RAFT_STREAM, JOIN, FORWARD_WRITE, ROOT_CA, ISSUE_CERT, ...Object.values(DISPATCHER_RPC)];

  const before = await peakRss(m.proc.pid!);
  const got: string[] = [];
  for (const path of paths) {
    const r = await send(m.listenAddr, anonymous, path, big);
    got.push(`anonymous ${path}: ${grpc.status[r.code]} ${r.details}`);
    // Who needs a certificate is refused for that; the two open methods read at most a small message.
    const want = path === ROOT_CA || path === ISSUE_CERT ? 'RESOURCE_EXHAUSTED' : 'PERMISSION_DENIED';
    assert.equal(grpc.status[r.code], want, got.join('\n'));
  }
  // A node of the swarm gets no more room on the calls that need little.
  for (const path of [DISPATCHER_RPC.heartbeat, DISPATCHER_RPC.register, DISPATCHER_RPC.assignments, ISSUE_CERT]) {
    const r = await send(m.listenAddr, credsOf(worker), path, big);
    got.push(`worker ${path}: ${grpc.status[r.code]} ${r.details}`);
    assert.equal(grpc.status[r.code], 'RESOURCE_EXHAUSTED', got.join('\n'));
  }
  const after = await peakRss(m.proc.pid!);
  t.diagnostic(`daemon peak RSS ${Math.round(before / MiB)} MiB -> ${Math.round(after / MiB)} MiB after ${paths.length + 4} messages of 64 MiB`);
  // One such message read would take 64 MiB at least (the old code's peak grew by 339 MiB here).
  assert.ok(after - before < 48 * MiB, `peak RSS grew by ${Math.round((after - before) / MiB)} MiB\n${got.join('\n')}`);
  const ls = await dk(m, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^big1 Ready$/m);
});
