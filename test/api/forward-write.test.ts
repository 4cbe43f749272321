import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { dk, findLeader, formSwarm, startNodes, type Daemon } from '../helpers/cluster.js';
import { eventually } from '../helpers/tswarmd.js';
import { raw } from '../integration/invalid-input-engine.js';
import { FORWARD_WRITE } from '../../src/daemon/cluster-server.js';
import { TlsMaterialProvider, clientCredentials } from '../../src/pki/tls.js';
import { call, channelOptions } from '../../src/raft/transport/rpc.js';

/** A manager's own TLS material, as it keeps it (autolock off). */
async function managerCredentials(d: Daemon) {
  const dir = join(d.dataRoot, 'swarm');
  const keys = JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8'));
  return clientCredentials(new TlsMaterialProvider({
    keyPem: keys.keys.tlsKeyPem, certChainPem: await readFile(join(dir, 'certificates', 'swarm-node.crt'), 'utf8'),
    rootsPem: [await readFile(join(dir, 'certificates', 'swarm-root-ca.crt'), 'utf8')],
  }));
}

async function forward(addr: string, creds: grpc.ChannelCredentials, w: unknown) {
  const c = new grpc.Client(addr, creds, channelOptions);
  try { return { ok: await call<unknown, { status: number; body: string }>(c, FORWARD_WRITE, w, 5000) }; } catch (err) {
    return { code: (err as grpc.ServiceError).code, details: (err as grpc.ServiceError).details };
  } finally { c.close(); }
}

test('a follower forwards cluster writes to the leader as a typed call; nothing else crosses', { timeout: 180_000 }, async (t) => {
  const ds = await startNodes(2, { first: 61, prefix: 'fw' });
  t.after(async () => { for (const d of ds) await d.stop('SIGKILL'); });
  await formSwarm(ds);
  const leader = await findLeader(ds);
  const follower = ds.find((d) => d !== leader)!;
  // The leader's API socket goes away (as on a leader that serves only TCP): forwarding never used it.
  await rm(leader.socket, { force: true });

  await t.test('writes through the follower: body bytes, case-insensitive keys, errors as the leader answers them', async () => {
    const label = 'héllo — 日本 🚀'.repeat(2000);
    const created = await raw(follower.socket, 'POST', '/v1.47/services/create', JSON.stringify({
      name: 'fwd', TaskTemplate: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '1d'] } }, Labels: { note: label }, mode: { replicated: { replicas: 2 } },
    }), { 'X-Registry-Auth': 'e30=' });
    assert.equal(created.status, 201, created.text);
    const svc = (await raw(follower.socket, 'GET', '/v1.47/services/fwd')).json;
    assert.equal(svc.Spec.Labels.note, label, 'UTF-8 intact across chunks');
    assert.deepEqual(svc.Spec.Mode, { Replicated: { Replicas: 2 } });
    const stale = await raw(follower.socket, 'POST', `/v1.47/services/${svc.ID}/update?version=1`, JSON.stringify(svc.Spec));
    assert.deepEqual([stale.status, stale.message], [500, 'rpc error: code = Unknown desc = update out of sequence']);
    const bad = await raw(follower.socket, 'POST', '/v1.47/services/create', '{"Name":"x","Mode":{"Replicated":{"Replicas":"2"}}}');
    assert.deepEqual([bad.status, bad.message], [400, 'json: cannot unmarshal string into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64']);
    const big = await raw(follower.socket, 'POST', '/v1.47/services/create', JSON.stringify({ Name: 'big', Labels: { a: 'x'.repeat(5 << 20) } }));
    assert.equal(big.status, 413);
    const scaled = await dk(follower, 'service', 'scale', 'fwd=3');
    assert.equal(scaled.code, 0, scaled.stderr);
    await eventually(async () => (await dk(follower, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '3/3', 30_000, 'fwd 3/3');
    const rm1 = await dk(follower, 'service', 'rm', 'fwd');
    assert.equal(rm1.code, 0, rm1.stderr);
  });

  await t.test('a manager certificate cannot make the leader run anything but a cluster write', async () => {
    const creds = await managerCredentials(follower);
    const before = await dk(follower, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
    for (const [method, path] of [['POST', '/swarm/leave'], ['POST', '/swarm/init'], ['POST', '/containers/create'], ['GET', '/services'],
      ['POST', '/v1.47/swarm/leave'], ['POST', '/services/create/../../swarm/leave']]) {
      const r = await forward(leader.listenAddr, creds, { method, path, query: 'force=1', headers: {}, body: '' });
      assert.equal(r.code, grpc.status.PERMISSION_DENIED, `${method} ${path}: ${JSON.stringify(r)}`);
      assert.match(r.details!, /is not a cluster write/);
    }
    // The old RPC, which replayed any URL on the leader's socket, is gone.
    const c = new grpc.Client(leader.listenAddr, creds, channelOptions);
    await assert.rejects(call(c, '/tswarm.Cluster/Http', { method: 'POST', url: '/swarm/leave?force=1', headers: {}, body: '' }, 5000), { code: grpc.status.UNIMPLEMENTED });
    c.close();
    assert.equal((await dk(follower, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}')).stdout, before.stdout, 'the leader is still in the swarm');
    // A genuine cluster write with the same credentials works.
    const ok = await forward(leader.listenAddr, creds, { method: 'POST', path: '/services/create', query: '', headers: {}, body: Buffer.from('{"Name":"direct","TaskTemplate":{"ContainerSpec":{"Image":"b"}}}').toString('base64') });
    assert.equal(ok.ok?.status, 201, JSON.stringify(ok));
  });
});
