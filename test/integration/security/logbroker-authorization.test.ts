import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { dk, formSwarm, startNodes } from '../../helpers/cluster.js';
import { anonymousClientCredentials } from '../../../src/pki/tls.js';
import { channelOptions, serverStream } from '../../../src/raft/transport/rpc.js';
import { DISPATCHER_RPC } from '../../../src/types/dispatcher.js';
import { LOGBROKER_RPC } from '../../../src/types/logbroker.js';
import { credsOf, materialOf, rootOf, tokenNode, unaryCall, type Outcome } from './calls.js';

const { OK, PERMISSION_DENIED, NOT_FOUND, RESOURCE_EXHAUSTED } = grpc.status;

/** Opens a server stream: OK if it is still open (or ended cleanly) after a moment, else its error. */
function openStream(addr: string, creds: grpc.ChannelCredentials, path: string, req: unknown): Promise<Outcome> {
  const c = new grpc.Client(addr, creds, channelOptions);
  const def = serverStream(path);
  return new Promise<Outcome>((resolve) => {
    const s = c.makeServerStreamRequest(path, def.requestSerialize, def.responseDeserialize, req, new grpc.Metadata(), { deadline: Date.now() + 8000 });
    const t = setTimeout(() => { resolve({ code: OK, details: 'open' }); s.cancel(); }, 1000);
    s.on('data', () => undefined);
    s.on('error', (err: grpc.ServiceError) => { clearTimeout(t); resolve({ code: err.code, details: err.details }); });
    s.on('end', () => { clearTimeout(t); resolve({ code: OK, details: 'ended' }); });
  }).finally(() => c.close());
}

/**
 * The log broker's methods on the cluster port: subscribing is a current
 * manager's; listening and publishing need a node's certificate and its own
 * session; a publication is bounded in size.
 */
test('the log broker\'s RPCs follow the cluster port\'s authorization rules', { timeout: 120_000 }, async (t) => {
  const [m1] = await startNodes(1, { first: 91, prefix: 'lba' });
  t.after(() => m1.stop('SIGKILL'));
  await formSwarm([m1]);
  const addr = m1.listenAddr;
  const root = await rootOf(m1);
  const workerToken = (await dk(m1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  const w1 = await tokenNode(addr, root, workerToken, 'lbghost1');
  const w2 = await tokenNode(addr, root, workerToken, 'lbghost2');
  const session = async (m: typeof w1) => {
    const r = await unaryCall(addr, credsOf(m), DISPATCHER_RPC.register, { nodeId: m.nodeId, addr: '127.0.0.250', description: { Hostname: m.nodeId } });
    assert.equal(r.code, OK, r.details);
    return (r.res as { sessionId: string }).sessionId;
  };
  const s1 = await session(w1);
  const s2 = await session(w2);
  const subscribe = { selector: { serviceIds: ['nosuch'] }, options: {} };
  const publish = (sessionId: string, extra: object = {}) => ({ sessionId, subscriptionId: 'nosuch', messages: [], ...extra });

  await t.test('no certificate: refused', async () => {
    const anon = anonymousClientCredentials([root]);
    for (const o of [
      await openStream(addr, anon, LOGBROKER_RPC.subscribeLogs, subscribe),
      await openStream(addr, anon, LOGBROKER_RPC.listenSubscriptions, { sessionId: s1 }),
      await unaryCall(addr, anon, LOGBROKER_RPC.publishLogs, publish(s1)),
    ]) {
      assert.equal(o.code, PERMISSION_DENIED, o.details);
      assert.match(o.details, /Permission denied/);
    }
  });

  await t.test('a worker listens and publishes on its own session only, and cannot subscribe', async () => {
    const sub = await openStream(addr, credsOf(w1), LOGBROKER_RPC.subscribeLogs, subscribe);
    assert.equal(sub.code, PERMISSION_DENIED, sub.details);
    assert.equal((await openStream(addr, credsOf(w1), LOGBROKER_RPC.listenSubscriptions, { sessionId: s1 })).code, OK);
    const unknown = await unaryCall(addr, credsOf(w1), LOGBROKER_RPC.publishLogs, publish(s1));
    assert.deepEqual([unknown.code, unknown.details], [NOT_FOUND, 'unknown subscription ID']);
    const theirs = await openStream(addr, credsOf(w1), LOGBROKER_RPC.listenSubscriptions, { sessionId: s2 });
    assert.equal(theirs.code, PERMISSION_DENIED);
    assert.match(theirs.details, /session does not belong to node/);
    const theirPublish = await unaryCall(addr, credsOf(w1), LOGBROKER_RPC.publishLogs, publish(s2));
    assert.equal(theirPublish.code, PERMISSION_DENIED);
  });

  await t.test('a publication over 4 MiB is not read', async () => {
    const big = await unaryCall(addr, credsOf(w1), LOGBROKER_RPC.publishLogs, publish(s1, { messages: [{ line: 'x'.repeat(5 * 1024 * 1024) }] }));
    assert.equal(big.code, RESOURCE_EXHAUSTED, big.details);
  });

  await t.test('a manager subscribes', async () => {
    const mine = await openStream(addr, credsOf(await materialOf(m1)), LOGBROKER_RPC.subscribeLogs, subscribe);
    assert.deepEqual([mine.code, mine.details], [OK, 'ended']);
  });
});
