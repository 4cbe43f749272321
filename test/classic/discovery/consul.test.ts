import { test } from 'node:test';
import { joinDisappearsAfterTtl, lockFailover, registerListWatch, unreachableAtStart, watchSurvivesRestart } from './contract.js';
import { startConsulTestServer, type ConsulTestServer } from './consul-server.js';

// consul is not packaged for these machines: these run against the small
// consul-compatible KV/session server in consul-server.ts
let consul: ConsulTestServer;
test.before(async () => { consul = await startConsulTestServer(); });
test.after(() => consul.close());

test('consul: join registers and list shows; a watch sees adds and drops', { timeout: 60_000 }, async (t) => {
  await registerListWatch(t, `consul://${consul.addr}/reg`);
});

test('consul: an engine whose join is killed disappears after its TTL', { timeout: 60_000 }, async (t) => {
  await joinDisappearsAfterTtl(t, `consul://${consul.addr}/ttl`);
});

test('consul: the primary is killed, the replica takes the lock within the TTL', { timeout: 60_000 }, async (t) => {
  await lockFailover(t, `consul://${consul.addr}/lock`);
});

test('consul: an unreachable store at start is a clear error', { timeout: 60_000 }, async () => {
  await unreachableAtStart('consul', /cannot reach consul at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
});

test('consul: the store restarts empty; the watch follows again and registrations come back', { timeout: 60_000 }, async (t) => {
  let server = await startConsulTestServer();
  t.after(() => server.close());
  const port = Number(server.addr.split(':')[1]);
  await watchSurvivesRestart(t, `consul://${server.addr}/restart`, async (downMs) => {
    await server.close();
    await new Promise((r) => setTimeout(r, downMs));
    server = await startConsulTestServer(port);
  }, /consul at 127\.0\.0\.1:\d+/);
});
