import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { dockerWithInput, eventually } from '../helpers/tswarmd.js';
import { dk, formSwarm, nodeList, startNodes, type Daemon } from '../helpers/cluster.js';
import { FORWARD_WRITE, JOIN, ISSUE_CERT } from '../../src/daemon/cluster-server.js';
import { DISPATCHER_RPC } from '../../src/types/dispatcher.js';
import { TlsMaterialProvider, anonymousClientCredentials, clientCredentials } from '../../src/pki/tls.js';
import { certIdentity, createKeyAndCSR } from '../../src/pki/certificates.js';
import { createRootCA } from '../../src/manager/ca/root-ca.js';
import { call, channelOptions } from '../../src/raft/transport/rpc.js';

const certDir = (d: Daemon) => join(d.dataRoot, 'swarm', 'certificates');
const rootOf = async (d: Daemon) => readFile(join(certDir(d), 'swarm-root-ca.crt'), 'utf8');

/** A node's own TLS material, as it keeps it (key store unsealed: autolock is off). */
async function materialOf(d: Daemon) {
  const keys = JSON.parse(await readFile(join(d.dataRoot, 'swarm', 'keys.json'), 'utf8'));
  return { keyPem: keys.keys.tlsKeyPem as string, certChainPem: await readFile(join(certDir(d), 'swarm-node.crt'), 'utf8'), rootsPem: [await rootOf(d)] };
}

async function rpc(addr: string, creds: grpc.ChannelCredentials, path: string, req: unknown) {
  const c = new grpc.Client(addr, creds, channelOptions);
  try {
    await call(c, path, req, 5000);
    return { code: grpc.status.OK, details: '' };
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  } finally { c.close(); }
}

test('joining is refused without the right token and CA; the cluster port checks every caller\'s certificate', { timeout: 180_000 }, async (t) => {
  const [m1, x, y] = await startNodes(3, { first: 31, prefix: 's' });
  const [other] = await startNodes(1, { first: 34, prefix: 'rogue' });
  t.after(async () => { for (const d of [m1, x, y, other]) await d.stop('SIGKILL'); });
  await formSwarm([m1], [y]);
  assert.equal((await dk(other, 'swarm', 'init', '--advertise-addr', other.listenAddr)).code, 0);
  const before = await nodeList(m1);
  const workerToken = (await dk(m1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  const join = (token: string, addr = m1.listenAddr) => dk(x, 'swarm', 'join', '--token', token, '--advertise-addr', x.listenAddr, addr);

  await t.test('a wrong secret, a malformed token, a rotated token', async () => {
    const wrong = await join(workerToken.replace(/-[0-9a-z]{25}$/, '-' + 'a'.repeat(25)));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /A valid join token is necessary to join this cluster/);
    const malformed = await join('SWMTKN-1-nope');
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /invalid join token/);
    assert.equal((await dk(m1, 'swarm', 'join-token', '--rotate', '-q', 'worker')).code, 0);
    const rotated = await join(workerToken);
    assert.equal(rotated.code, 1);
    assert.match(rotated.stderr, /A valid join token is necessary to join this cluster/);
    assert.deepEqual(await nodeList(m1), before, 'no node recorded');
    assert.equal((await dk(x, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive');
  });

  await t.test('a token whose CA digest is not the remote\'s (a man in the middle) is refused before any secret is sent', async () => {
    const token = (await dk(m1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
    const r = await join(token, other.listenAddr);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /remote CA does not match fingerprint/);
    assert.equal((await nodeList(other)).length, 1, 'the rogue swarm recorded nothing');
  });

  await t.test('the worker token makes a worker: its certificate says so and manager calls refuse it', async () => {
    const wt = (await dk(m1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
    const r = await join(wt);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /as a worker/);
    const mat = await materialOf(x);
    assert.equal(certIdentity(mat.certChainPem).role, 'worker');
    const creds = clientCredentials(new TlsMaterialProvider(mat));
    for (const path of [JOIN, FORWARD_WRITE]) {
      const res = await rpc(m1.listenAddr, creds, path, { addr: x.listenAddr, method: 'DELETE', url: '/v1.47/nodes/' + x.name, headers: {}, body: '' });
      assert.equal(res.code, grpc.status.PERMISSION_DENIED, path);
    }
    const n = await nodeList(m1);
    assert.ok(n.includes('s1 Ready Leader') && n.some((l) => l.startsWith('s2 ')), n.join('\n'));
  });

  await t.test('a caller with no certificate gets only the root CA and a token-checked certificate', async () => {
    const anon = anonymousClientCredentials([await rootOf(m1)]);
    for (const path of [JOIN, FORWARD_WRITE, DISPATCHER_RPC.register, DISPATCHER_RPC.heartbeat]) {
      const res = await rpc(m1.listenAddr, anon, path, { addr: '127.0.0.99:1', sessionId: 'x', description: {} });
      assert.equal(res.code, grpc.status.PERMISSION_DENIED, `${path}: ${res.details}`);
    }
    const noToken = await rpc(m1.listenAddr, anon, ISSUE_CERT, { csrPem: createKeyAndCSR().csrPem, addr: '127.0.0.99:1' });
    assert.equal(noToken.code, grpc.status.INVALID_ARGUMENT);
    assert.match(noToken.details, /A valid join token is necessary/);
    // Plain gRPC (no TLS) gets nothing at all.
    const plain = await rpc(m1.listenAddr, grpc.credentials.createInsecure(), JOIN, { addr: '127.0.0.99:1' });
    assert.equal(plain.code, grpc.status.UNAVAILABLE);
  });
});

test('autolock: a restarted manager stays locked until the right unlock key is given', { timeout: 120_000 }, async (t) => {
  const [m] = await startNodes(1, { first: 36, prefix: 'lock' });
  t.after(() => m.stop('SIGKILL'));
  assert.equal((await dk(m, 'swarm', 'init', '--advertise-addr', m.listenAddr)).code, 0);
  assert.equal((await dk(m, 'service', 'create', '-d', '--name', 'kept', 'busybox', 'sleep', '1000')).code, 0);
  const on = await dk(m, 'swarm', 'update', '--autolock=true');
  assert.equal(on.code, 0, on.stderr);
  const key = /SWMKEY-1-[A-Za-z0-9+/]{43}/.exec(on.stdout)?.[0];
  assert.ok(key, on.stdout);
  assert.equal((await dk(m, 'swarm', 'unlock-key', '-q')).stdout.trim(), key);
  await eventually(async () => JSON.parse(await readFile(join(m.dataRoot, 'swarm', 'keys.json'), 'utf8')).sealed === true, 10_000, 'keys sealed');

  await m.restart();
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'locked');
  const refused = await dk(m, 'service', 'ls');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Swarm is encrypted and needs to be unlocked before it can be used\. Please use "docker swarm unlock" to unlock it\./);
  const wrong = await dockerWithInput(m.host, 'SWMKEY-1-' + 'A'.repeat(43) + '\n', 'swarm', 'unlock');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /swarm could not be unlocked: invalid key provided/);
  const garbage = await dockerWithInput(m.host, 'not-a-key\n', 'swarm', 'unlock');
  assert.equal(garbage.code, 1);
  assert.match(garbage.stderr, /invalid key string/);
  const ok = await dockerWithInput(m.host, key + '\n', 'swarm', 'unlock');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'active');
  assert.equal((await dk(m, 'service', 'ls', '--format', '{{.Name}}')).stdout.trim(), 'kept');
  const again = await dockerWithInput(m.host, key + '\n', 'swarm', 'unlock');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /swarm is not locked|is not locked/i);

  const rotated = await dk(m, 'swarm', 'unlock-key', '--rotate', '-q');
  assert.equal(rotated.code, 0, rotated.stderr);
  const key2 = rotated.stdout.trim();
  assert.notEqual(key2, key);
  await eventually(async () => (await dk(m, 'swarm', 'unlock-key', '-q')).stdout.trim() === key2, 5_000, 'rotated');
  await new Promise((r) => setTimeout(r, 500));
  await m.restart();
  assert.equal((await dockerWithInput(m.host, key + '\n', 'swarm', 'unlock')).code, 1, 'the old key no longer opens it');
  assert.equal((await dockerWithInput(m.host, key2 + '\n', 'swarm', 'unlock')).code, 0);

  assert.equal((await dk(m, 'swarm', 'update', '--autolock=false')).code, 0);
  await eventually(async () => JSON.parse(await readFile(join(m.dataRoot, 'swarm', 'keys.json'), 'utf8')).sealed === false, 10_000, 'keys unsealed');
  await m.restart();
  assert.equal((await dk(m, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'active');
});

test('certificates renew before they expire, with no node lost', { timeout: 120_000 }, async (t) => {
  process.env.TSWARM_MIN_CERT_EXPIRY_MS = '1000';
  const [m, w] = await startNodes(2, { first: 37, prefix: 'renew' });
  delete process.env.TSWARM_MIN_CERT_EXPIRY_MS;
  t.after(async () => { await m.stop('SIGKILL'); await w.stop('SIGKILL'); });
  assert.equal((await dk(m, 'swarm', 'init', '--advertise-addr', m.listenAddr, '--cert-expiry', '20s', '--dispatcher-heartbeat', '1s')).code, 0);
  const wt = (await dk(m, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  assert.equal((await dk(w, 'swarm', 'join', '--token', wt, '--advertise-addr', w.listenAddr, m.listenAddr)).code, 0);
  assert.equal((await dk(m, 'service', 'create', '-d', '--name', 'steady', '--mode', 'global', 'busybox', 'sleep', '1000')).code, 0);
  const first = certIdentity(await readFile(join(certDir(w), 'swarm-node.crt'), 'utf8'));
  const mgrFirst = certIdentity(await readFile(join(certDir(m), 'swarm-node.crt'), 'utf8'));
  assert.ok(first.notAfter.getTime() - Date.now() < 25_000, 'the worker got a 20 s certificate');
  let sawDown = false;
  const watch = setInterval(() => { void nodeList(m).then((l) => { if (l.some((x) => / Down/.test(x))) sawDown = true; }).catch(() => undefined); }, 500);
  t.after(() => clearInterval(watch));
  // Two renewals each, past the first certificate's expiry.
  await eventually(async () => certIdentity(await readFile(join(certDir(w), 'swarm-node.crt'), 'utf8')).notAfter.getTime() > first.notAfter.getTime() + 15_000, 60_000, 'worker renewed twice');
  await eventually(async () => Date.now() > first.notAfter.getTime() + 2000, 30_000, 'first certificate expired');
  const mgrNow = certIdentity(await readFile(join(certDir(m), 'swarm-node.crt'), 'utf8'));
  assert.ok(mgrNow.notAfter > mgrFirst.notAfter, 'the manager renewed its own');
  clearInterval(watch);
  assert.equal(sawDown, false, 'no node went down');
  assert.deepEqual(await nodeList(m), ['renew1 Ready Leader', 'renew2 Ready']);
  const ps = await dk(m, 'service', 'ps', 'steady', '--format', '{{.Node}} {{.CurrentState}}');
  assert.equal(ps.stdout.trim().split('\n').filter((l) => / Running/.test(l)).length, 2, ps.stdout);
});

test('swarm ca --rotate: every node moves to the new root, the old tokens stop working, the swarm keeps running', { timeout: 120_000 }, async (t) => {
  const [m1, m2, w] = await startNodes(3, { first: 38, prefix: 'rot' });
  t.after(async () => { for (const d of [m1, m2, w]) await d.stop('SIGKILL'); });
  await formSwarm([m1, m2], [w]);
  assert.equal((await dk(m1, 'swarm', 'update', '--dispatcher-heartbeat', '1s')).code, 0);
  const oldRoot = (await dk(m1, 'swarm', 'ca')).stdout;
  const oldToken = (await dk(m1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  const r = await dk(m1, 'swarm', 'ca', '--rotate');
  assert.equal(r.code, 0, r.stderr);
  const newRoot = (await dk(m1, 'swarm', 'ca')).stdout;
  assert.notEqual(newRoot, oldRoot);
  assert.ok(r.stdout.endsWith(newRoot), 'the CLI waited for the rotation and printed the new root');
  assert.equal((await dk(m1, 'info', '--format', '{{.Swarm.Cluster.RootRotationInProgress}} {{.Swarm.Cluster.Spec.CAConfig.ForceRotate}}')).stdout.trim(), 'false 1');
  for (const d of [m1, m2, w]) {
    await eventually(async () => {
      const chain = await readFile(join(certDir(d), 'swarm-node.crt'), 'utf8');
      const roots = await rootOf(d);
      return roots === newRoot && certIdentity(chain).notAfter > new Date() ? true : undefined;
    }, 20_000, `${d.name} on the new root`);
  }
  const newToken = (await dk(m1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
  assert.notEqual(newToken, oldToken, 'tokens carry the new root\'s digest');
  assert.equal((await dk(m1, 'service', 'create', '-d', '--name', 'after', '--mode', 'global', 'busybox', 'sleep', '100')).code, 0);
  await eventually(async () => (await dk(m1, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '3/3', 20_000, 'a task on every node');
  await w.restart();
  await eventually(async () => (await nodeList(m1)).includes('rot3 Ready'), 20_000, 'the worker reconnects after a restart');

  // The operator's own root: a mismatched key is refused and changes nothing; the right pair is rotated to.
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-ca-'));
  const mine = createRootCA(new Date());
  const other = createRootCA(new Date());
  await writeFile(join(dir, 'ca.pem'), mine.certPem);
  await writeFile(join(dir, 'ca.key'), mine.keyPem);
  await writeFile(join(dir, 'other.key'), other.keyPem);
  const bad = await dk(m1, 'swarm', 'ca', '--rotate', '--ca-cert', join(dir, 'ca.pem'), '--ca-key', join(dir, 'other.key'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /the CA certificate and key do not match/);
  assert.equal((await dk(m1, 'swarm', 'ca')).stdout, newRoot);
  const given = await dk(m1, 'swarm', 'ca', '--rotate', '--ca-cert', join(dir, 'ca.pem'), '--ca-key', join(dir, 'ca.key'));
  assert.equal(given.code, 0, given.stderr);
  assert.equal((await dk(m1, 'swarm', 'ca')).stdout.trim(), mine.certPem.trim());
  for (const d of [m1, m2, w]) {
    await eventually(async () => ((await rootOf(d)).trim() === mine.certPem.trim() ? true : undefined), 20_000, `${d.name} trusts the operator's root`);
  }
  const caConfig = await dk(m1, 'info', '--format', '{{json .Swarm.Cluster.Spec.CAConfig}}');
  assert.equal(caConfig.code, 0, caConfig.stderr);
  assert.match(caConfig.stdout, /NodeCertExpiry/);
  assert.doesNotMatch(caConfig.stdout, /PRIVATE KEY/, 'the key is not kept in the spec');
});
