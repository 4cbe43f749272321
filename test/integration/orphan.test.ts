import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers/tswarmd.js';
import { dk, formSwarm, nodeList, startNodes } from '../helpers/cluster.js';

// A node that stays down past the threshold (24 h; 2 s here) has its tasks marked Orphaned.
test('tasks of a node that stays down are orphaned; the node coming back changes nothing of that', { timeout: 90_000 }, async (t) => {
  process.env.TSWARM_ORPHAN_AFTER_MS = '2000';
  const [m, w] = await startNodes(2, { first: 45, prefix: 'orph' });
  delete process.env.TSWARM_ORPHAN_AFTER_MS;
  t.after(async () => { await m.stop('SIGKILL'); await w.stop('SIGKILL'); });
  await formSwarm([m], [w]);
  assert.equal((await dk(m, 'swarm', 'update', '--dispatcher-heartbeat', '1s')).code, 0);
  const c = await dk(m, 'service', 'create', '-d', '--name', 'pinned', '--replicas', '2', '--constraint', 'node.role==worker', 'busybox', 'sleep', '1000');
  assert.equal(c.code, 0, c.stderr);
  const states = async () => (await dk(m, 'service', 'ps', 'pinned', '--format', '{{.CurrentState}}')).stdout.trim().split('\n').map((s) => s.split(' ')[0]);
  await eventually(async () => (await states()).every((s) => s === 'Running'), 20_000, 'running on the worker');
  await w.stop('SIGKILL');
  // The worker may not have heartbeated since the update: until it does, it is held to three of the old 5 s periods.
  await eventually(async () => (await nodeList(m)).includes('orph2 Down'), 20_000, 'worker down');
  await eventually(async () => { const s = await states(); return s.length >= 2 && s.filter((x) => x === 'Orphaned').length === 2; }, 15_000, 'tasks orphaned');
  const pending = await dk(m, 'service', 'ps', 'pinned', '--filter', 'desired-state=running', '--format', '{{.CurrentState}}');
  assert.match(pending.stdout, /Pending/, 'replacements wait for a worker');
  await w.restart();
  await eventually(async () => (await dk(m, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '2/2', 30_000, 'replacements run when the worker is back');
  assert.equal((await states()).filter((x) => x === 'Orphaned').length, 2, 'orphaned tasks stay orphaned');
});

test('node rm --force of a live worker: it is refused from then on and leaves the swarm, its tasks stopped', { timeout: 90_000 }, async (t) => {
  const [m, w] = await startNodes(2, { first: 47, prefix: 'rmf' });
  t.after(async () => { await m.stop('SIGKILL'); await w.stop('SIGKILL'); });
  await formSwarm([m], [w]);
  assert.equal((await dk(m, 'service', 'create', '-d', '--name', 'g', '--mode', 'global', 'busybox', 'sleep', '1000')).code, 0);
  await eventually(async () => (await dk(m, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '2/2', 20_000, 'a task on each node');
  const refused = await dk(m, 'node', 'rm', 'rmf2');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not down and can't be removed/);
  assert.equal((await dk(m, 'node', 'rm', '--force', 'rmf2')).code, 0);
  await eventually(async () => (await dk(w, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim() === 'inactive', 20_000, 'the worker left');
  assert.deepEqual(await nodeList(m), ['rmf1 Ready Leader']);
  await eventually(async () => (await dk(m, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '1/1', 20_000, 'the global service on the one node left');
});
