import { test } from 'node:test';
import { joinDisappearsAfterTtl, lockFailover, registerListWatch, unreachableAtStart, watchSurvivesRestart } from './contract.js';
import { skipUnless, startZookeeper, type TestStore } from './stores.js';

const skip = skipUnless('zookeeper');
let zk: TestStore;
test.before(async () => { if (!skip) zk = await startZookeeper(); });
test.after(async () => {
  await zk?.stop();
  // node-zookeeper-client keeps reconnecting sessions a test left behind to the stopped server, which holds
  // this file's process open after its last test; end it once the results are out (known debt: close them).
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
});

test('zk: join registers and list shows; a watch sees adds and drops', { skip, timeout: 60_000 }, async (t) => {
  await registerListWatch(t, `zk://${zk.addr}/reg`);
});

test('zk: an engine whose join is killed disappears after its TTL', { skip, timeout: 60_000 }, async (t) => {
  await joinDisappearsAfterTtl(t, `zk://${zk.addr}/ttl`);
});

test('zk: the primary is killed, the replica takes the lock within the TTL', { skip, timeout: 60_000 }, async (t) => {
  await lockFailover(t, `zk://${zk.addr}/lock`);
});

test('zk: an unreachable store at start is a clear error', { skip, timeout: 60_000 }, async () => {
  await unreachableAtStart('zk', /cannot reach zookeeper at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
});

test('zk: the store restarts; the watch follows again and registrations carry on', { skip, timeout: 60_000 }, async (t) => {
  await watchSurvivesRestart(t, `zk://${zk.addr}/restart`, (ms) => zk.restart(ms));
});

test('zk: the store is down longer than the sessions\' timeout; new sessions register again and the watch follows', { skip, timeout: 60_000 }, async (t) => {
  // the sessions (TTL 4 s) expire while the server is away: the client then waits forever unless told
  await watchSurvivesRestart(t, `zk://${zk.addr}/expire`, (ms) => zk.restart(ms), undefined, 5000);
});
