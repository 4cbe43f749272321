import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  authorizeCalls, checkRaftSender, checkSessionOwner, optionalNode, requireCurrentManager, requireNode, requireRaftPeer,
  type ClusterAuthState, type ManagerView, type MethodRules,
} from '../../../src/manager/ca/cluster-auth.js';
import { createKeyAndCSR, proveRenewal, type NodeRole } from '../../../src/pki/certificates.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { verifyRenewal } from '../../../src/manager/ca/renewal-proof-check.js';
import { isRemovedNode, withRemovedNode } from '../../../src/manager/ca/removed-nodes.js';
import { TlsMaterialProvider, anonymousClientCredentials, clientCredentials, serverCredentials, tlsChannelOptions } from '../../../src/pki/tls.js';
import { call, channelOptions, serverOptions, unary } from '../../../src/raft/transport/rpc.js';
import type { Cluster } from '../../../src/types/objects.js';
import { DAY, nodeMaterial } from './fixtures.js';

const root = createRootCA(new Date());

/** A server call as grpc-js hands it over: the verified peer certificate, if any. */
function callFrom(nodeId: string | undefined, role: NodeRole = 'worker', clusterId = 'cluster1') {
  if (!nodeId) return { getAuthContext: () => ({}) };
  const m = nodeMaterial(root, nodeId, role, { clusterId });
  const raw = new X509Certificate(m.certChainPem).raw;
  return { getAuthContext: () => ({ sslPeerCertificate: { raw } }) };
}

/** What the manager's store and Raft say, as plain tables. */
function state(o: { roles?: Record<string, 'manager' | 'worker'>; removed?: string[]; members?: Record<string, string> } | 'no manager'): ClusterAuthState {
  if (o === 'no manager') return { clusterId: 'cluster1', manager: () => undefined };
  const view: ManagerView = {
    removed: (id) => (o.removed ?? []).includes(id),
    role: (id) => o.roles?.[id],
    raftMember: (id) => Object.values(o.members ?? {}).includes(id),
    nodeOfRaftMember: (raftId) => o.members?.[raftId],
  };
  return { clusterId: 'cluster1', manager: () => view };
}

const denied = (re: RegExp) => (err: unknown) => (err as { status: number }).status === 403 && re.test((err as Error).message);

test('requireNode: a verified certificate of this swarm, not removed', () => {
  const s = state({ roles: { w1: 'worker' }, removed: ['gone'] });
  assert.deepEqual(requireNode(s, callFrom('w1')), { nodeId: 'w1', role: 'worker', clusterId: 'cluster1' });
  assert.throws(() => requireNode(s, callFrom(undefined)), denied(/^Permission denied: no verified client certificate in request$/));
  assert.throws(() => requireNode(s, callFrom('w1', 'worker', 'cluster2')), denied(/remote certificate not part of organization: cluster1/));
  assert.throws(() => requireNode(s, callFrom('gone')), denied(/node gone was removed from the swarm/));
  // A worker (no store) still checks the organisation.
  assert.throws(() => requireNode(state('no manager'), callFrom('x', 'manager', 'other')), denied(/organization/));
});

test('optionalNode: nobody is fine (token calls), a bad certificate is not', () => {
  const s = state({ removed: ['gone'] });
  assert.equal(optionalNode(s, callFrom(undefined)), undefined);
  assert.throws(() => optionalNode(s, callFrom('gone')), denied(/removed/));
  assert.throws(() => optionalNode(s, callFrom('m', 'manager', 'cluster2')), denied(/organization/));
});

test('requireCurrentManager: the certificate says manager and the store still does', () => {
  const s = state({ roles: { m1: 'manager', demoted: 'worker', w1: 'worker' } });
  assert.equal(requireCurrentManager(s, callFrom('m1', 'manager')).nodeId, 'm1');
  assert.throws(() => requireCurrentManager(s, callFrom('w1', 'worker')), denied(/not part of OUs: \[swarm-manager\]/));
  assert.throws(() => requireCurrentManager(s, callFrom('demoted', 'manager')), denied(/node demoted is not a manager of this swarm/));
  assert.throws(() => requireCurrentManager(s, callFrom('unknown', 'manager')), denied(/node unknown is not a manager/));
  assert.throws(() => requireCurrentManager(state('no manager'), callFrom('m1', 'manager')), denied(/not a manager/));
});

test('requireRaftPeer: members and managers not yet known stream Raft; a demoted manager out of Raft does not', () => {
  const s = state({ roles: { m1: 'manager', leaving: 'worker', demoted: 'worker' }, members: { r1: 'm1', r2: 'leaving' } });
  assert.equal(requireRaftPeer(s, callFrom('m1', 'manager')).nodeId, 'm1');
  assert.equal(requireRaftPeer(s, callFrom('leaving', 'manager')).nodeId, 'leaving', 'demoted, its removal from Raft not committed yet');
  assert.equal(requireRaftPeer(s, callFrom('newcomer', 'manager')).nodeId, 'newcomer', 'added while this manager was away');
  assert.throws(() => requireRaftPeer(s, callFrom('demoted', 'manager')), denied(/node demoted is not a manager/));
  assert.throws(() => requireRaftPeer(s, callFrom('m1', 'worker')), denied(/OUs/));
  assert.throws(() => requireRaftPeer(state('no manager'), callFrom('m1', 'manager')), (e: unknown) => (e as { status: number }).status === 503);
});

test('checkRaftSender: a message comes from the caller\'s own member', () => {
  const s = state({ members: { r1: 'm1', r2: 'm2' } });
  const m2 = { nodeId: 'm2', role: 'manager' as const, clusterId: 'cluster1' };
  checkRaftSender(s, m2, 'r2');
  checkRaftSender(s, m2, 'r9'); // a member this manager does not know yet
  assert.throws(() => checkRaftSender(s, m2, 'r1'), denied(/raft member r1 is not node m2/));
});

test('checkSessionOwner: another node\'s session is refused', () => {
  const w1 = { nodeId: 'w1', role: 'worker' as const, clusterId: 'cluster1' };
  checkSessionOwner(w1, 'w1');
  checkSessionOwner(w1, undefined); // unknown: the dispatcher says so itself
  assert.throws(() => checkSessionOwner(w1, 'w2'), denied(/session does not belong to node w1/));
});

test('removed nodes are remembered until their certificates would have expired, then dropped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const c = { ID: 'c', Spec: { CAConfig: { NodeCertExpiry: 90 * DAY * 1e6 } } } as unknown as Cluster;
  const one = withRemovedNode(c, 'n1', now);
  assert.ok(isRemovedNode(one, 'n1'));
  assert.ok(!isRemovedNode(one, 'n2'));
  assert.ok(!isRemovedNode(c, 'n1'));
  assert.equal(one.RemovedNodes!.n1.Expiry, new Date(now + 90 * DAY).toISOString());
  // 90 days and a week's grace later, the next removal drops it.
  const later = withRemovedNode(one, 'n2', now + 98 * DAY);
  assert.deepEqual(Object.keys(later.RemovedNodes!), ['n2']);
  assert.ok(!isRemovedNode(later, 'toString'), 'no prototype key reads as removed');
});

test('a renewal proof names the node holding the key; a changed CSR, a stranger\'s chain or key fail', () => {
  const me = nodeMaterial(root, 'n1', 'worker');
  const { csrPem } = createKeyAndCSR();
  const proof = proveRenewal(me, csrPem);
  assert.equal(verifyRenewal(proof, csrPem, [root.certPem], new Date()).nodeId, 'n1');
  assert.throws(() => verifyRenewal(proof, createKeyAndCSR().csrPem, [root.certPem], new Date()), /signature does not match/);
  assert.throws(() => verifyRenewal(proof, csrPem, [createRootCA(new Date()).certPem], new Date()), /not from this swarm's CA/);
  const other = nodeMaterial(root, 'n2', 'manager');
  assert.throws(() => verifyRenewal({ ...proof, certChainPem: other.certChainPem }, csrPem, [root.certPem], new Date()), /signature does not match/);
  assert.throws(() => verifyRenewal({} as never, csrPem, [root.certPem], new Date()), /malformed/);
});

test('authorizeCalls: each method\'s rule runs before its request is read; no rule, no call; a method reads at most its limit', async () => {
  const s = state({ roles: { m1: 'manager' } });
  let handled = 0;
  const rules: MethodRules = {
    '/t.T/Open': { authorize: optionalNode, maxRequestBytes: 1024 },
    '/t.T/Managers': { authorize: requireCurrentManager, maxRequestBytes: 1024 * 1024 },
  };
  const server = new grpc.Server({ ...serverOptions, interceptors: [authorizeCalls(s, rules)] });
  const echo = (c: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => { handled++; cb(null, { ok: true }); };
  server.addService({ Open: unary('/t.T/Open'), Managers: unary('/t.T/Managers'), Unruled: unary('/t.T/Unruled') }, { Open: echo, Managers: echo, Unruled: echo });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', serverCredentials(new TlsMaterialProvider(nodeMaterial(root, 'm1', 'manager'))), (e, p) => (e ? rej(e) : res(p))));
  after(() => server.forceShutdown());
  const addr = `127.0.0.1:${port}`;
  const rpc = async (creds: grpc.ChannelCredentials, path: string, req: unknown) => {
    const c = new grpc.Client(addr, creds, { ...channelOptions, ...tlsChannelOptions });
    try { await call(c, path, req, 5000); return 'OK'; } catch (err) { return grpc.status[(err as grpc.ServiceError).code]; } finally { c.close(); }
  };
  const anon = anonymousClientCredentials([root.certPem]);
  const manager = clientCredentials(new TlsMaterialProvider(nodeMaterial(root, 'm1', 'manager')));
  const worker = clientCredentials(new TlsMaterialProvider(nodeMaterial(root, 'w1', 'worker')));

  assert.equal(await rpc(anon, '/t.T/Open', { a: 1 }), 'OK');
  assert.equal(await rpc(anon, '/t.T/Open', { a: 'x'.repeat(2000) }), 'RESOURCE_EXHAUSTED');
  assert.equal(await rpc(manager, '/t.T/Managers', { a: 'x'.repeat(100_000) }), 'OK', 'a larger limit for this method');
  assert.equal(await rpc(manager, '/t.T/Managers', { a: 'x'.repeat(2 * 1024 * 1024) }), 'RESOURCE_EXHAUSTED');
  const before = handled;
  assert.equal(await rpc(worker, '/t.T/Managers', { a: 1 }), 'PERMISSION_DENIED');
  assert.equal(await rpc(anon, '/t.T/Managers', { a: 1 }), 'PERMISSION_DENIED');
  assert.equal(await rpc(manager, '/t.T/Unruled', { a: 1 }), 'PERMISSION_DENIED');
  assert.equal(handled, before, 'no refused call reached its handler');
});
