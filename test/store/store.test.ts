import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, OUT_OF_SEQUENCE } from '../../src/store/store.js';
import type { Service, Task } from '../../src/types/objects.js';
import { ApiError } from '../../src/types/errors.js';

const svc = (id: string, name: string): Service =>
  ({ ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: name } });
const task = (id: string, serviceId: string, slot: number, nodeId?: string): Task => ({
  ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: {}, ServiceID: serviceId, Slot: slot,
  NodeID: nodeId, DesiredState: 'running', Status: { State: 'new' },
});

test('create assigns versions and times; update checks the version', async () => {
  const store = new MemoryStore();
  const created = await store.update((tx) => tx.create('services', svc('s1', 'web')));
  assert.equal(created.Version.Index, 1);
  assert.ok(created.CreatedAt.endsWith('Z'));
  const cur = store.view((tx) => tx.services.getByName('web'))!;
  await store.update((tx) => tx.update('services', { ...structuredClone(cur), Spec: { Name: 'web', Labels: { a: '1' } } }));
  assert.equal(store.view((tx) => tx.services.get('s1'))!.Version.Index, 2);
  // a stale version is refused and changes nothing
  await assert.rejects(
    store.update((tx) => tx.update('services', { ...structuredClone(cur), Spec: { Name: 'x' } })),
    (e: unknown) => e instanceof ApiError && e.message === OUT_OF_SEQUENCE,
  );
  assert.equal(store.view((tx) => tx.services.get('s1'))!.Spec.Name, 'web');
  assert.equal(store.view((tx) => tx.services.getByName('x')), undefined);
});

test('a failing transaction leaves nothing behind', async () => {
  const store = new MemoryStore();
  await assert.rejects(store.update((tx) => { tx.create('services', svc('s1', 'a')); throw new Error('boom'); }));
  assert.equal(store.view((tx) => tx.services.all().length), 0);
  assert.equal(store.version, 0);
});

test('reads inside a transaction see its own writes; objects are frozen', async () => {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('services', svc('s1', 'a'));
    tx.create('tasks', task('t1', 's1', 1, 'n1'));
    assert.equal(tx.services.getByName('a')?.ID, 's1');
    assert.deepEqual(tx.tasks.find({ serviceId: 's1' }).map((t) => t.ID), ['t1']);
    tx.remove('tasks', 't1');
    assert.equal(tx.tasks.find({ serviceId: 's1' }).length, 0);
    tx.create('tasks', task('t2', 's1', 2, 'n1'));
  });
  const t2 = store.view((tx) => tx.tasks.get('t2'))!;
  assert.ok(Object.isFrozen(t2) && Object.isFrozen(t2.Status));
  assert.equal(store.view((tx) => tx.tasks.get('t1')), undefined);
});

test('task indexes answer by service, node, slot and desired state', async () => {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('tasks', task('a', 's1', 1, 'n1'));
    tx.create('tasks', task('b', 's1', 2, 'n2'));
    tx.create('tasks', { ...task('c', 's2', 1, 'n1'), DesiredState: 'shutdown' });
  });
  const ids = (q: object) => store.view((tx) => tx.tasks.find(q).map((t) => t.ID).sort());
  assert.deepEqual(ids({ serviceId: 's1' }), ['a', 'b']);
  assert.deepEqual(ids({ nodeId: 'n1' }), ['a', 'c']);
  assert.deepEqual(ids({ serviceId: 's1', slot: 2 }), ['b']);
  assert.deepEqual(ids({ desiredState: 'shutdown' }), ['c']);
  assert.deepEqual(ids({ nodeId: 'n3' }), []);
  // moving a task re-indexes it
  const a = store.view((tx) => tx.tasks.get('a'))!;
  await store.update((tx) => tx.update('tasks', { ...structuredClone(a), NodeID: 'n3' }));
  assert.deepEqual(ids({ nodeId: 'n3' }), ['a']);
  assert.deepEqual(ids({ nodeId: 'n1' }), ['c']);
});

test('watchers see each committed change with the old object, after the commit, in order', async () => {
  const store = new MemoryStore();
  const seen: string[] = [];
  store.watch((events) => { for (const e of events) seen.push(`${e.object.Version.Index}:${e.action}:${e.object.ID}:${e.old ? 'old' : ''}`); });
  await store.update((tx) => tx.create('services', svc('s1', 'a')));
  assert.deepEqual(seen, [], 'delivery is asynchronous: the committing writer never runs watchers');
  const s = store.view((tx) => tx.services.get('s1'))!;
  await store.update((tx) => tx.update('services', structuredClone(s)));
  await store.update((tx) => tx.remove('services', 's1'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['1:create:s1:', '2:update:s1:old', '2:remove:s1:old']);
});
