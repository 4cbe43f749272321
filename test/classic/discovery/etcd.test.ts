import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseDiscovery } from '../../../src/classic/discovery/parse.js';
import { eventually, TSWARM_BIN } from '../../helpers/tswarmd.js';
import { joinDisappearsAfterTtl, lockFailover, registerListWatch, unreachableAtStart, watchSurvivesRestart } from './contract.js';
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

test('etcd: v2 keys (classic Swarm\'s own join and manage) and tswarm\'s v3 keys see each other', { skip, timeout: 60_000 }, async (t) => {
  const d = parseDiscovery(`etcd://${etcd.addr}/v2mix`, { retryMs: 200 });
  const seen: string[][] = [];
  const w = d.watch((e) => seen.push(e), (e) => assert.fail(e));
  t.after(() => w.stop());
  // what classic Swarm's join (libkv, etcd v2) writes
  const v2key = `http://${etcd.addr}/v2/keys/v2mix/docker/swarm/nodes/10.9.0.1:2375`;
  const put = await fetch(v2key, { method: 'PUT', body: new URLSearchParams({ value: '10.9.0.1:2375', ttl: '2' }) });
  assert.equal(put.status, 201);
  await eventually(() => seen.at(-1)?.includes('10.9.0.1:2375'), 5000, 'the watch to see the v2 engine');
  const reg = d.register('10.9.0.2:2375', { heartbeatMs: 300, ttlMs: 3000 });
  t.after(() => reg.stop());
  await reg.first;
  assert.deepEqual(await d.list(), ['10.9.0.1:2375', '10.9.0.2:2375']);
  // what classic Swarm's manage reads
  const v2 = await (await fetch(`http://${etcd.addr}/v2/keys/v2mix/docker/swarm/nodes?recursive=true`)).json() as { node: { nodes: { value: string; ttl: number }[] } };
  // etcd v2 lists a directory's keys in no promised order
  assert.deepEqual(v2.node.nodes.map((n) => [n.value, n.ttl <= 3]).sort(), [['10.9.0.1:2375', true], ['10.9.0.2:2375', true]]);
  // the v2 key nobody refreshes expires with its TTL, and the watch sees it go
  await eventually(() => seen.at(-1) && !seen.at(-1)!.includes('10.9.0.1:2375'), 6000, 'the v2 engine to expire');
  assert.deepEqual(seen.at(-1), ['10.9.0.2:2375']);
});

test('etcd: join stopped with SIGTERM withdraws its entry at once and exits 0', { skip, timeout: 60_000 }, async (t) => {
  const url = `etcd://${etcd.addr}/term`;
  const d = parseDiscovery(url);
  const join = spawn(process.execPath, [TSWARM_BIN, 'join', '--advertise', '10.8.0.1:2375', '--heartbeat', '5s', '--ttl', '30s', url], { stdio: 'ignore' });
  t.after(() => join.kill('SIGKILL'));
  await eventually(async () => (await d.list()).includes('10.8.0.1:2375'), 10_000, 'join to register');
  const exited = new Promise<number | null>((r) => join.once('exit', (code) => r(code)));
  const t0 = Date.now();
  join.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.deepEqual(await d.list(), []);
  assert.ok(Date.now() - t0 < 5000, 'join exits promptly');
});

test('etcd: a server without v2 keys (etcd 3.4\'s default) is used through v3 alone', { skip, timeout: 60_000 }, async (t) => {
  const plain = await startEtcd({ v2: false });
  t.after(() => plain.stop());
  assert.equal((await fetch(`http://${plain.addr}/v2/keys/`)).status, 404);
  const d = parseDiscovery(`etcd://${plain.addr}/v3only`);
  const reg = d.register('10.7.0.1:2375', { heartbeatMs: 300, ttlMs: 3000 });
  t.after(() => reg.stop());
  await reg.first;
  assert.deepEqual(await d.list(), ['10.7.0.1:2375']);
});

test('etcd: the store restarts; the watch follows again and registrations carry on', { skip, timeout: 60_000 }, async (t) => {
  await watchSurvivesRestart(t, `etcd://${etcd.addr}/restart`, (ms) => etcd.restart(ms), /etcd at 127\.0\.0\.1:\d+/);
});
