import { test } from 'node:test';
import { joinDisappearsAfterTtl, lockFailover, registerListWatch, unreachableAtStart } from './contract.js';
import { skipUnless, startEtcd, type TestStore } from './stores.js';

const skip = skipUnless('etcd');
let etcd: TestStore;
test.before(async () => { if (!skip) etcd = await startEtcd(); });
test.after(() => etcd?.stop());

test('etcd: join registers and list shows; a watch sees adds and drops', { skip, timeout: 60_000 }, async (t) => {
  await registerListWatch(t, `etcd://${etcd.addr}/reg`);
});

test('etcd: an engine whose join is killed disappears after its TTL', { skip, timeout: 60_000 }, async (t) => {
  await joinDisappearsAfterTtl(t, `etcd://${etcd.addr}/ttl`);
});

test('etcd: the primary is killed, the replica takes the lock within the TTL', { skip, timeout: 60_000 }, async (t) => {
  await lockFailover(t, `etcd://${etcd.addr}/lock`);
});

test('etcd: an unreachable store at start is a clear error', { skip, timeout: 60_000 }, async () => {
  await unreachableAtStart('etcd', /cannot reach etcd at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
});
