import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';

// swarm update's Raft settings reach the running Raft: snapshots every N entries, M old ones kept.
test('swarm update --snapshot-interval and --max-snapshots drive the manager\'s snapshots', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  const dk = (...a: string[]) => docker(d.host, ...a);
  assert.equal((await dk('swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const snaps = async () => (await readdir(join(d.dataRoot, 'swarm', 'raft', 'snap'))).filter((f) => f.endsWith('.snap')).sort();
  assert.deepEqual(await snaps(), [], 'no snapshot before 10,000 entries');
  const u = await dk('swarm', 'update', '--snapshot-interval', '20', '--max-snapshots', '2');
  assert.equal(u.code, 0, u.stderr);
  assert.equal((await dk('info', '--format', '{{.Swarm.Cluster.Spec.Raft.SnapshotInterval}} {{.Swarm.Cluster.Spec.Raft.KeepOldSnapshots}}')).stdout.trim(), '20 2');
  // Each create is a few entries (the service with its endpoint, its task, the task's states as the dispatcher
  // batches them): 24 are well past 3 × 20 however the states are batched (12 fell short once the endpoint
  // came with the create's own write).
  const count = 24;
  for (let i = 0; i < count; i++) assert.equal((await dk('service', 'create', '-d', '--name', `s${i}`, 'busybox', 'sleep', '1d')).code, 0);
  const files = await eventually(async () => { const f = await snaps(); return f.length === 3 ? f : undefined; }, 20_000, 'newest snapshot and two old ones');
  assert.equal(files.length, 3);
  await d.restart('SIGKILL');
  const names = (await dk('service', 'ls', '--format', '{{.Name}}')).stdout.trim().split('\n');
  assert.equal(names.length, count, 'a restart from the snapshot plus the log keeps every service');
});
