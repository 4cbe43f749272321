import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { call, clusterClient, unary } from '../../../src/raft/transport/rpc.js';
import { clusterSourceAddress, setClusterSourceAddress } from '../../../src/raft/transport/source-address.js';

/** A server on 127.0.0.5 that answers each call with the caller's address as it sees it. */
async function whoCalls(t: { after(fn: () => void): void }): Promise<string> {
  const server = new grpc.Server();
  server.addService({ Peer: unary('/test.Peer/Get') } as grpc.ServiceDefinition, {
    Peer: (c: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { peer: c.getPeer() }),
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.5:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  t.after(() => server.forceShutdown());
  return `127.0.0.5:${port}`;
}

async function peerSeenBy(addr: string, from?: string): Promise<string> {
  const client = clusterClient(addr, grpc.credentials.createInsecure(), from);
  try {
    return (await call<object, { peer: string }>(client, '/test.Peer/Get', {}, 5000)).peer.replace(/:\d+$/, '');
  } finally {
    client.close();
  }
}

test('cluster connections leave from the source address; two sources to one server do not share a connection', async (t) => {
  const addr = await whoCalls(t);
  assert.equal(await peerSeenBy(addr, '127.0.0.6'), '127.0.0.6');
  assert.equal(await peerSeenBy(addr, '127.0.0.7'), '127.0.0.7');
  assert.equal(await peerSeenBy(addr, '127.0.0.6'), '127.0.0.6');
  // Without one, the kernel picks (on loopback, 127.0.0.1).
  assert.equal(await peerSeenBy(addr, undefined), '127.0.0.1');
});

test('the process-wide source is the advertise address when it is this host\'s, else none', async (t) => {
  const addr = await whoCalls(t);
  t.after(() => setClusterSourceAddress(undefined));
  setClusterSourceAddress('127.0.0.8:2377');
  assert.equal(clusterSourceAddress(), '127.0.0.8');
  assert.equal(await peerSeenBy(addr), '127.0.0.8');
  // An address of another host (a NAT's public address) cannot be bound: left to the kernel.
  setClusterSourceAddress('203.0.113.9:2377');
  assert.equal(clusterSourceAddress(), undefined);
  assert.equal(await peerSeenBy(addr), '127.0.0.1');
});
