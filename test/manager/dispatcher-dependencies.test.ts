import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/store.js';
import { NodeDependencies } from '../../src/manager/dispatcher/dependencies.js';
import { DependencyStore } from '../../src/agent/dependencies.js';
import type { AssignmentChange } from '../../src/types/dispatcher.js';
import type { StoreEvent } from '../../src/store/tables.js';
import type { Task, TaskState } from '../../src/types/objects.js';
import { FakeClock } from '../helpers/fake-clock.js';

const task = (id: string, node: string, state: TaskState, secrets: string[]): Task => ({
  ID: id, Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '', ServiceID: 's', NodeID: node, DesiredState: 'running',
  Status: { State: state }, Spec: { ContainerSpec: { Secrets: secrets.map((s) => ({ SecretID: s, SecretName: s, File: { Name: s } })) } },
});
const ev = (t: Task, old?: Task, action: StoreEvent['action'] = 'update'): StoreEvent => ({ action, table: 'tasks', object: t, old });
const kinds = (cs: AssignmentChange[]) => cs.map((c) => ('secret' in c ? `+${c.secret.ID}` : 'secretId' in c ? `-${c.secretId}` : '?'));

// The dispatcher's bookkeeping of which secrets a node holds: sent with the first task that needs one, taken back after the last.
test('a node gets a secret with its first task and loses it after its last one ends', async () => {
  const store = new MemoryStore(new FakeClock());
  await store.update((tx) => {
    for (const id of ['a', 'b']) tx.create('secrets', { ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: id, Data: 'eA==' } });
  });
  const deps = new NodeDependencies();
  const t1 = task('t1', 'n1', 'assigned', ['a']);
  const t2 = task('t2', 'n1', 'assigned', ['a', 'b']);
  const t3 = task('t3', 'n2', 'assigned', ['b']);
  // Connected: n1 only (n2 has no session, so nothing is counted or sent for it).
  assert.deepEqual(kinds(store.view((tx) => deps.complete('n1', [t1], tx))), ['+a']);
  let out = store.view((tx) => deps.onEvents([ev(t2), ev(t3)], tx));
  assert.deepEqual(kinds(out.get('n1')!.before), ['+b'], 'only b is new to n1');
  assert.equal(out.has('n2'), false, 'n2 is not connected');
  // t1 ends: a is still needed by t2.
  out = store.view((tx) => deps.onEvents([ev(task('t1', 'n1', 'complete', ['a']), t1)], tx));
  assert.equal(out.get('n1'), undefined);
  // t2 fails: both go, after the task change.
  out = store.view((tx) => deps.onEvents([ev(task('t2', 'n1', 'failed', ['a', 'b']), t2)], tx));
  assert.deepEqual(kinds(out.get('n1')!.after).sort(), ['-a', '-b']);
  // A task moved away from n1 takes its secret along.
  const t4 = task('t4', 'n1', 'running', ['a']);
  store.view((tx) => deps.onEvents([ev(t4)], tx));
  out = store.view((tx) => deps.onEvents([ev({ ...t4, NodeID: 'n2' }, t4)], tx));
  assert.deepEqual(kinds(out.get('n1')!.after), ['-a']);
});

test('the agent keeps only what the managers sent, and a complete set replaces it', () => {
  const d = new DependencyStore();
  const secret = (id: string) => ({ ID: id, Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: id, Data: 'eA==' } });
  d.apply({ action: 'update', secret: secret('a') });
  d.apply({ action: 'update', secret: secret('b') });
  d.apply({ action: 'remove', secretId: 'a' });
  assert.deepEqual(d.counts(), { secrets: ['b'], configs: [] });
  d.reset([{ action: 'update', secret: secret('c') }, { action: 'remove', taskId: 'x' }]);
  assert.deepEqual(d.counts(), { secrets: ['c'], configs: [] });
  assert.equal(d.secret('b'), undefined);
});
