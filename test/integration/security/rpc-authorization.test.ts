import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { eventually } from '../../helpers/tswarmd.js';
import { dk, formSwarm, nodeList, startNodes } from '../../helpers/cluster.js';
import { FORWARD_WRITE, ISSUE_CERT, JOIN, ROOT_CA } from '../../../src/daemon/cluster-server.js';
import { renewCertificate } from '../../../src/daemon/joiner.js';
import { certIdentity, createKeyAndCSR } from '../../../src/pki/certificates.js';
import { TlsMaterialProvider, anonymousClientCredentials, type TlsMaterial } from '../../../src/pki/tls.js';
import { DISPATCHER_RPC } from '../../../src/types/dispatcher.js';
import { assignments, credsOf, materialOf, raftStream, rootOf, stateOf, tokenNode, unaryCall, type Outcome } from './calls.js';

const { OK, PERMISSION_DENIED, INVALID_ARGUMENT } = grpc.status;
const codeName = (c: grpc.status) => grpc.status[c];

/**
 * Every method of the cluster port against each kind of caller that must
 * not get through: no certificate, a worker, a removed node, a demoted
 * manager, a removed manager, and a node using another node's session.
 */
test('the cluster port refuses every call a caller is not entitled to', { timeout: 240_000 }, async (t) => {
  const [m1, m2] = await startNodes(2, { first: 61, prefix: 'au' });
  t.after(async () => { for (const d of [m1, m2]) await d.stop('SIGKILL'); });
  await formSwarm([m1, m2]);
  const addr = m1.listenAddr;
  const root = await rootOf(m1);
  const leader = await stateOf(m1);
  const token = async (role: string) => (await dk(m1, 'swarm', 'join-token', '-q', role)).stdout.trim();
  const workerToken = await token('worker');
  // Nodes made straight from the worker token (no daemon behind them, so their sessions stay put).
  const w1 = await tokenNode(addr, root, workerToken, 'ghost1');
  const w2 = await tokenNode(addr, root, workerToken, 'ghost2');
  const w3 = await tokenNode(addr, root, workerToken, 'ghost3');
  const register = async (m: TlsMaterial & { nodeId: string }) => {
    const r = await unaryCall(addr, credsOf(m), DISPATCHER_RPC.register, { nodeId: m.nodeId, addr: '127.0.0.250', description: { Hostname: m.nodeId } });
    assert.equal(r.code, OK, `register ${m.nodeId}: ${r.details}`);
    return (r.res as { sessionId: string }).sessionId;
  };
  const s1 = await register(w1);
  const s2 = await register(w2);
  const s3 = await register(w3);
  const csr = () => createKeyAndCSR().csrPem;
  // A forged forwarding: "issue a certificate for the leader's node", as a manager's follower would forward it.
  const forgedForward = () => ({ csrPem: csr(), addr: '127.0.0.250:1', forwardedFor: { nodeId: leader.nodeId, role: 'manager', clusterId: certIdentity(w1.certChainPem).clusterId } });
  const raftMsg = (from: string) => ({ type: 'heartbeatResp', from, to: leader.raftId, term: 0 });

  /** Every method, as `creds` would call it with someone else's session `session`. */
  const everyCall = async (creds: grpc.ChannelCredentials, session: string, from: string): Promise<Record<string, Outcome>> => ({
    'Raft Stream': await raftStream(addr, creds, [raftMsg(from)]),
    Join: await unaryCall(addr, creds, JOIN, { addr: '127.0.0.250:1' }),
    ForwardWrite: await unaryCall(addr, creds, FORWARD_WRITE, { method: 'POST', path: '/swarm/update', query: 'version=1', headers: {}, body: '' }),
    GetRootCACertificate: await unaryCall(addr, creds, ROOT_CA, {}),
    IssueNodeCertificate: await unaryCall(addr, creds, ISSUE_CERT, { csrPem: csr(), addr: '127.0.0.250:1' }),
    'IssueNodeCertificate forwardedFor': await unaryCall(addr, creds, ISSUE_CERT, forgedForward()),
    Register: await unaryCall(addr, creds, DISPATCHER_RPC.register, { addr: '127.0.0.250', description: {} }),
    Heartbeat: await unaryCall(addr, creds, DISPATCHER_RPC.heartbeat, { sessionId: session }),
    UpdateTaskStatus: await unaryCall(addr, creds, DISPATCHER_RPC.updateTaskStatus, { sessionId: session, updates: [] }),
    Assignments: await assignments(addr, creds, session),
  });
  const expect = (who: string, got: Record<string, Outcome>, want: Record<string, grpc.status>, details?: RegExp) => {
    const table = Object.entries(got).map(([k, o]) => `${k}: ${codeName(o.code)} ${o.details}`).join('\n');
    for (const [method, code] of Object.entries(want)) {
      assert.equal(codeName(got[method].code), codeName(code), `${who} / ${method}\n${table}`);
      if (code === PERMISSION_DENIED && details) assert.match(got[method].details, details, `${who} / ${method}`);
    }
  };
  const allDenied = (except: Record<string, grpc.status> = {}) => ({
    'Raft Stream': PERMISSION_DENIED, Join: PERMISSION_DENIED, ForwardWrite: PERMISSION_DENIED, GetRootCACertificate: PERMISSION_DENIED,
    IssueNodeCertificate: PERMISSION_DENIED, 'IssueNodeCertificate forwardedFor': PERMISSION_DENIED, Register: PERMISSION_DENIED,
    Heartbeat: PERMISSION_DENIED, UpdateTaskStatus: PERMISSION_DENIED, Assignments: PERMISSION_DENIED, ...except,
  });

  await t.test('a node uses its own session, and nobody else\'s', async () => {
    assert.equal((await unaryCall(addr, credsOf(w1), DISPATCHER_RPC.heartbeat, { sessionId: s1 })).code, OK);
    assert.equal((await assignments(addr, credsOf(w1), s1)).code, OK);
    assert.equal((await unaryCall(addr, credsOf(w1), DISPATCHER_RPC.updateTaskStatus, { sessionId: s1, updates: [] })).code, OK);
  });

  await t.test('no certificate: only the root CA and a token-checked certificate', async () => {
    const got = await everyCall(anonymousClientCredentials([root]), s1, leader.raftId!);
    expect('anonymous', got, allDenied({ GetRootCACertificate: OK, IssueNodeCertificate: INVALID_ARGUMENT }), /Permission denied/);
  });

  await t.test('a worker: no manager call, no forged forwarding, no other node\'s session', async () => {
    const got = await everyCall(credsOf(w2), s1, leader.raftId!);
    expect('worker', got, allDenied({ GetRootCACertificate: OK, IssueNodeCertificate: OK, Register: OK }), /Permission denied/);
    assert.equal(certIdentity((got.IssueNodeCertificate.res as { certChainPem: string }).certChainPem).role, 'worker');
    assert.match(got.Heartbeat.details, /session does not belong to node/);
    // w2's registration above replaced its session: register again for the checks below.
  });

  await t.test('a removed node: refused on every call, its old session gone', async () => {
    const rm = await dk(m1, 'node', 'rm', '--force', w3.nodeId);
    assert.equal(rm.code, 0, rm.stderr);
    const got = await everyCall(credsOf(w3), s3, leader.raftId!);
    expect('removed worker', got, allDenied(), new RegExp(`node ${w3.nodeId} was removed from the swarm`));
    // The removed-node list is internal: not shown by the API.
    const swarm = await apiGet(m1.socket, '/v1.41/swarm');
    assert.match(swarm, /"JoinTokens"/);
    assert.doesNotMatch(swarm, /RemovedNodes|BlacklistedCertificates/);
  });

  // m2 is a Raft member and a manager: its certificate opens Raft, but only as itself.
  const m2State = await stateOf(m2);
  const m2Manager = await materialOf(m2);
  assert.equal(certIdentity(m2Manager.certChainPem).role, 'manager');

  await t.test('a current manager streams Raft as its own member only, and forwards only what a follower needs', async () => {
    assert.equal((await raftStream(addr, credsOf(m2Manager), [raftMsg(m2State.raftId!)])).code, OK, 'its own member');
    const spoof = await raftStream(addr, credsOf(m2Manager), [raftMsg(leader.raftId!)]);
    assert.equal(codeName(spoof.code), 'PERMISSION_DENIED', spoof.details);
    assert.match(spoof.details, /raft member .* is not node/);
    const forged = await unaryCall(addr, credsOf(m2Manager), ISSUE_CERT, forgedForward());
    assert.equal(codeName(forged.code), 'PERMISSION_DENIED', 'no certificate for another node without its proof');
    // What a follower does forward: a token join, and a node's own renewal.
    const viaFollower = await tokenNode(m2.listenAddr, root, workerToken, 'ghost4');
    assert.equal(viaFollower.role, 'worker');
    const renewed = await renewCertificate([m2.listenAddr], new TlsMaterialProvider(viaFollower), '127.0.0.250:1');
    assert.equal(renewed.answer.nodeId, viaFollower.nodeId);
    assert.equal(certIdentity(renewed.material.certChainPem).nodeId, viaFollower.nodeId);
  });

  await t.test('a demoted manager\'s certificate loses every manager call at once', async () => {
    const r = await dk(m1, 'node', 'demote', 'au2');
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (await nodeList(m1)).includes('au2 Ready'), 30_000, 'au2 out of Raft');
    const got = await everyCall(credsOf(m2Manager), s1, leader.raftId!);
    expect('demoted manager', got, allDenied({ GetRootCACertificate: OK, IssueNodeCertificate: OK, Register: OK }), /Permission denied/);
    for (const m of ['Raft Stream', 'Join', 'ForwardWrite', 'IssueNodeCertificate forwardedFor']) assert.match(got[m].details, /is not a manager of this swarm/, m);
    // Its renewal gives what the store says it is now.
    assert.equal(certIdentity((got.IssueNodeCertificate.res as { certChainPem: string }).certChainPem).role, 'worker');
  });

  await t.test('a removed manager\'s certificate is refused on every call', async () => {
    await m2.stop('SIGKILL');
    // (Its description is the one the demoted certificate registered above, so it goes by its ID.)
    await eventually(async () => (await dk(m1, 'node', 'inspect', m2State.nodeId, '--format', '{{.Status.State}}')).stdout.trim() === 'down', 30_000, 'au2 down');
    const rm = await dk(m1, 'node', 'rm', m2State.nodeId);
    assert.equal(rm.code, 0, rm.stderr);
    const got = await everyCall(credsOf(m2Manager), s2, m2State.raftId!);
    expect('removed manager', got, allDenied(), new RegExp(`node ${m2State.nodeId} was removed from the swarm`));
  });

  const left = (await dk(m1, 'node', 'ls', '-q')).stdout;
  assert.ok(left.includes(leader.nodeId) && !left.includes(m2State.nodeId) && !left.includes(w3.nodeId), left);
});

function apiGet(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, path }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(b));
    });
    r.on('error', reject);
    r.end();
  });
}
