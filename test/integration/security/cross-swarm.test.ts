import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { eventually } from '../../helpers/tswarmd.js';
import { dk, startNodes } from '../../helpers/cluster.js';
import { FORWARD_WRITE, ISSUE_CERT, JOIN, ROOT_CA } from '../../../src/daemon/cluster-server.js';
import { certIdentity, createKeyAndCSR } from '../../../src/pki/certificates.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { DISPATCHER_RPC } from '../../../src/types/dispatcher.js';
import { assignments, chainOnlyCreds, credsOf, materialOf, raftStream, rootOf, stateOf, unaryCall } from './calls.js';

test('two swarms on one root do not talk: each refuses the other\'s certificates, and its nodes refuse the other\'s managers', { timeout: 180_000 }, async (t) => {
  const [a, b] = await startNodes(2, { first: 64, prefix: 'xs' });
  t.after(async () => { for (const d of [a, b]) await d.stop('SIGKILL'); });
  for (const d of [a, b]) assert.equal((await dk(d, 'swarm', 'init', '--advertise-addr', d.listenAddr)).code, 0);

  // The operator rotates both onto the same external root.
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-shared-ca-'));
  const shared = createRootCA(new Date());
  await writeFile(join(dir, 'ca.pem'), shared.certPem);
  await writeFile(join(dir, 'ca.key'), shared.keyPem);
  for (const d of [a, b]) {
    const r = await dk(d, 'swarm', 'ca', '--rotate', '--ca-cert', join(dir, 'ca.pem'), '--ca-key', join(dir, 'ca.key'));
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => ((await rootOf(d)).trim() === shared.certPem.trim() ? true : undefined), 30_000, `${d.name} on the shared root`);
  }
  const ma = await materialOf(a);
  const mb = await materialOf(b);
  assert.notEqual(certIdentity(ma.certChainPem).clusterId, certIdentity(mb.certChainPem).clusterId);
  const aState = await stateOf(a);
  const bState = await stateOf(b);

  await t.test('swarm A\'s cluster port refuses swarm B\'s manager on every call', async () => {
    // B's client checks only the chain here, to see what A's server lets in.
    const creds = chainOnlyCreds(mb);
    const got = {
      'Raft Stream': await raftStream(a.listenAddr, creds, [{ type: 'heartbeatResp', from: bState.raftId, to: aState.raftId, term: 0 }]),
      Join: await unaryCall(a.listenAddr, creds, JOIN, { addr: b.listenAddr }),
      ForwardWrite: await unaryCall(a.listenAddr, creds, FORWARD_WRITE, { method: 'POST', path: '/swarm/update', query: 'version=1', headers: {}, body: '' }),
      GetRootCACertificate: await unaryCall(a.listenAddr, creds, ROOT_CA, {}),
      IssueNodeCertificate: await unaryCall(a.listenAddr, creds, ISSUE_CERT, { csrPem: createKeyAndCSR().csrPem, addr: b.listenAddr }),
      Register: await unaryCall(a.listenAddr, creds, DISPATCHER_RPC.register, { addr: '127.0.0.65', description: {} }),
      Heartbeat: await unaryCall(a.listenAddr, creds, DISPATCHER_RPC.heartbeat, { sessionId: 'x' }),
      UpdateTaskStatus: await unaryCall(a.listenAddr, creds, DISPATCHER_RPC.updateTaskStatus, { sessionId: 'x', updates: [] }),
      Assignments: await assignments(a.listenAddr, creds, 'x'),
    };
    const table = Object.entries(got).map(([k, o]) => `${k}: ${grpc.status[o.code]} ${o.details}`).join('\n');
    for (const [method, o] of Object.entries(got)) {
      assert.equal(grpc.status[o.code], 'PERMISSION_DENIED', `${method}\n${table}`);
      assert.match(o.details, new RegExp(`remote certificate not part of organization: ${certIdentity(ma.certChainPem).clusterId}`), method);
    }
  });

  await t.test('swarm A\'s node does not accept swarm B\'s manager as a server', async () => {
    const r = await unaryCall(b.listenAddr, credsOf(ma), ROOT_CA, {});
    assert.equal(grpc.status[r.code], 'UNAVAILABLE', r.details);
    // Its own swarm's manager still answers.
    assert.equal((await unaryCall(a.listenAddr, credsOf(ma), ROOT_CA, {})).code, grpc.status.OK);
  });

  for (const d of [a, b]) {
    const ls = await dk(d, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
    assert.equal(ls.stdout.trim(), `${d.name} Ready`);
  }
});
