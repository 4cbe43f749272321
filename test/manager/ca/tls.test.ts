import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { call, unary } from '../../../src/raft/transport/rpc.js';
import { certIdentity, tokenMatchesRoot, rootDigest, splitPemChain } from '../../../src/pki/certificates.js';
import { createRootCA, crossSign } from '../../../src/manager/ca/root-ca.js';
import { newJoinToken } from '../../../src/manager/ca/join-tokens.js';
import {
  TlsMaterialProvider, anonymousClientCredentials, clientCredentials, insecureTlsClientCredentials,
  serverCredentials, tlsChannelOptions, type TlsMaterial,
} from '../../../src/pki/tls.js';
import { peerIdentity } from '../../../src/pki/peer-identity.js';
import { nodeMaterial } from './fixtures.js';

const WHOAMI = '/tswarm.test.Ca/WhoAmI';
const root = createRootCA(new Date());
const otherRoot = createRootCA(new Date());

/** A real grpc-js server on 127.0.0.1 whose one method answers with the caller's identity. */
async function startServer(material: TlsMaterial) {
  const provider = new TlsMaterialProvider(material);
  const server = new grpc.Server();
  server.addService({ whoami: unary(WHOAMI) }, {
    whoami: (c: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { identity: peerIdentity(c) ?? null }), // a JSON null answer reads as 'No message received',
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials(provider), (err, p) => (err ? reject(err) : resolve(p))));
  return { provider, server, addr: `127.0.0.1:${port}`, port };
}

const clients: grpc.Client[] = [];
function whoami(addr: string, creds: grpc.ChannelCredentials) {
  const client = new grpc.Client(addr, creds, tlsChannelOptions);
  clients.push(client);
  return call<unknown, { identity: { nodeId: string; role: string; clusterId: string } | null }>(client, WHOAMI, {}, 5000)
    .then((r) => r.identity);
}

/** The chain a server presents, read straight from a TLS handshake (as a joiner could). */
function serverChain(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
      const chain: string[] = [];
      for (let c = s.getPeerCertificate(true); c?.raw; c = c.issuerCertificate) {
        chain.push(c.raw.toString('base64'));
        if (c.issuerCertificate === c) break;
      }
      s.destroy();
      resolve(chain);
    });
    s.on('error', reject);
  });
}

const srv = await startServer(nodeMaterial(root, 'mgr1', 'manager'));
after(() => {
  for (const c of clients) c.close();
  srv.server.forceShutdown();
});

test('a manager client is identified as that manager', async () => {
  const me = new TlsMaterialProvider(nodeMaterial(root, 'mgr2', 'manager'));
  assert.deepEqual(await whoami(srv.addr, clientCredentials(me)), { nodeId: 'mgr2', role: 'manager', clusterId: 'cluster1' });
});

test('a worker client is identified as a worker', async () => {
  const me = new TlsMaterialProvider(nodeMaterial(root, 'wrk1', 'worker'));
  assert.deepEqual(await whoami(srv.addr, clientCredentials(me)), { nodeId: 'wrk1', role: 'worker', clusterId: 'cluster1' });
});

test('a client without a certificate gets through, with no identity', async () => {
  assert.equal(await whoami(srv.addr, anonymousClientCredentials([root.certPem])), null);
});

test('a client with a certificate from another CA gets no identity', async () => {
  const stranger = new TlsMaterialProvider(nodeMaterial(otherRoot, 'evil', 'manager', { roots: [root.certPem] }));
  assert.equal(await whoami(srv.addr, clientCredentials(stranger)), null);
});

test('the insecure variant reaches any server; the joiner then checks the root against its token', async () => {
  assert.equal(await whoami(srv.addr, insecureTlsClientCredentials()), null);
  const chain = await serverChain(srv.port);
  const presentedRoot = `-----BEGIN CERTIFICATE-----\n${chain.at(-1)}\n-----END CERTIFICATE-----\n`;
  assert.ok(tokenMatchesRoot(newJoinToken(rootDigest(root.certPem)), presentedRoot));
  assert.equal(chain.length, 2); // leaf + root
});

test('clients refuse a server from another CA (man in the middle) and a server that is not a manager', async () => {
  const mitm = await startServer(nodeMaterial(otherRoot, 'mgr1', 'manager'));
  const worker = await startServer(nodeMaterial(root, 'wrk9', 'worker'));
  try {
    const me = new TlsMaterialProvider(nodeMaterial(root, 'mgr2', 'manager'));
    for (const creds of [clientCredentials(me), anonymousClientCredentials([root.certPem])]) {
      await assert.rejects(whoami(mitm.addr, creds), { code: grpc.status.UNAVAILABLE });
      await assert.rejects(whoami(worker.addr, creds), { code: grpc.status.UNAVAILABLE });
    }
    assert.equal(await whoami(mitm.addr, insecureTlsClientCredentials()), null); // the only one that connects
  } finally {
    mitm.server.forceShutdown();
    worker.server.forceShutdown();
  }
});

test('a node refuses a manager of another swarm that shares its root', async () => {
  const foreign = await startServer(nodeMaterial(root, 'mgrX', 'manager', { clusterId: 'cluster2' }));
  try {
    const me = new TlsMaterialProvider(nodeMaterial(root, 'n1', 'worker'));
    await assert.rejects(whoami(foreign.addr, clientCredentials(me)), { code: grpc.status.UNAVAILABLE });
    assert.equal((await whoami(srv.addr, clientCredentials(me)))?.nodeId, 'n1', 'its own swarm\'s manager is fine');
  } finally {
    foreign.server.forceShutdown();
  }
});

test('the server certificate and trusted roots are replaced in place; new connections see them', async () => {
  const s = await startServer(nodeMaterial(root, 'mgr1', 'manager'));
  try {
    const before = certIdentity(Buffer.from((await serverChain(s.port))[0], 'base64'));
    assert.equal(before.nodeId, 'mgr1');
    // A worker of the new CA is not trusted yet; the old-CA manager is.
    const newWorker = new TlsMaterialProvider(nodeMaterial(otherRoot, 'w2', 'worker', { roots: [root.certPem, otherRoot.certPem] }));
    assert.equal(await whoami(s.addr, clientCredentials(newWorker)), null);

    // Renewal with the new CA's certificate; trust both roots (rotation).
    s.provider.update(nodeMaterial(otherRoot, 'mgr1-renewed', 'manager', { roots: [root.certPem, otherRoot.certPem] }));
    const renewed = await serverChain(s.port);
    assert.equal(certIdentity(Buffer.from(renewed[0], 'base64')).nodeId, 'mgr1-renewed');
    assert.equal(renewed.length, 2);
    assert.deepEqual(await whoami(s.addr, clientCredentials(new TlsMaterialProvider(nodeMaterial(root, 'old', 'worker', { roots: [otherRoot.certPem] })))),
      { nodeId: 'old', role: 'worker', clusterId: 'cluster1' });
    const newWorker2 = new TlsMaterialProvider(nodeMaterial(otherRoot, 'w2', 'worker', { roots: [otherRoot.certPem] }));
    assert.deepEqual(await whoami(s.addr, clientCredentials(newWorker2)), { nodeId: 'w2', role: 'worker', clusterId: 'cluster1' });
  } finally {
    s.server.forceShutdown();
  }
});

test('a client renewed in place presents its new certificate on its next connection', async () => {
  const me = new TlsMaterialProvider(nodeMaterial(root, 'n1', 'worker'));
  const creds = clientCredentials(me);
  const first = new grpc.Client(srv.addr, creds, tlsChannelOptions);
  assert.equal((await call<unknown, { identity: { role: string } }>(first, WHOAMI, {}, 5000)).identity.role, 'worker');
  me.update(nodeMaterial(root, 'n1', 'manager')); // promotion: a new certificate with the manager role
  // The open connection keeps the certificate of its handshake.
  assert.equal((await call<unknown, { identity: { role: string } }>(first, WHOAMI, {}, 5000)).identity.role, 'worker');
  first.close();
  assert.equal((await whoami(srv.addr, creds))?.role, 'manager');
});

test('a node trusting only the old root accepts a server whose leaf the new root issued, via the cross-signed root', async () => {
  const newRoot = createRootCA(new Date());
  const cross = crossSign(newRoot, root);
  const s = await startServer(nodeMaterial(newRoot, 'mgr3', 'manager', { chainTail: cross, roots: [root.certPem, newRoot.certPem] }));
  try {
    const presented = await serverChain(s.port);
    assert.equal(presented.length, 4); // leaf, cross-signed root, old root, new root
    // Old-root-only nodes: a manager with its certificate, and a joiner with none.
    const oldNode = new TlsMaterialProvider(nodeMaterial(root, 'w-old', 'worker'));
    assert.deepEqual(await whoami(s.addr, clientCredentials(oldNode)), { nodeId: 'w-old', role: 'worker', clusterId: 'cluster1' });
    assert.equal(await whoami(s.addr, anonymousClientCredentials([root.certPem])), null);
    // Without the cross-signed certificate the same server is refused.
    const bare = await startServer(nodeMaterial(newRoot, 'mgr4', 'manager', { roots: [newRoot.certPem] }));
    try {
      await assert.rejects(whoami(bare.addr, clientCredentials(oldNode)), { code: grpc.status.UNAVAILABLE });
    } finally {
      bare.server.forceShutdown();
    }
    // And the other way: a new-root leaf plus cross is identified by a server trusting only the old root.
    const newNode = new TlsMaterialProvider(nodeMaterial(newRoot, 'w-new', 'worker', { chainTail: cross, roots: [root.certPem] }));
    assert.deepEqual(await whoami(srv.addr, clientCredentials(newNode)), { nodeId: 'w-new', role: 'worker', clusterId: 'cluster1' });
    assert.equal(splitPemChain(newNode.current()!.certChainPem).length, 2);
  } finally {
    s.server.forceShutdown();
  }
});
