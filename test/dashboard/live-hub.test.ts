import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/store.js';
import type { ControlAPI } from '../../src/manager/controlapi/api.js';
import type { Node, Service, Task, TaskState } from '../../src/types/objects.js';
import { LiveHub } from '../../src/dashboard/live-hub.js';
import type { LiveDelta, LiveMessage, LiveSnapshot } from '../../src/dashboard/live-types.js';

const meta = (id: string) => ({ ID: id, Version: { Index: 1 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z' });
const svc = (id: string, replicas: number): Service => ({ ...meta(id), Spec: { Name: id, Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: 'img:1@sha256:abcd' } } } });
const task = (id: string, state: TaskState, desired: TaskState = 'running'): Task => ({
  ...meta(id), Spec: { ContainerSpec: { Image: 'img:1' } }, ServiceID: 'web', Slot: 1, NodeID: 'n1', DesiredState: desired, Status: { State: state },
});
const node = (id: string, leader?: boolean): Node => ({
  ...meta(id), Spec: { Role: leader === undefined ? 'worker' : 'manager', Availability: 'active' }, Description: { Hostname: id }, Status: { State: 'ready' },
  ...(leader === undefined ? {} : { ManagerStatus: { Leader: leader, Reachability: 'reachable', Addr: '' } }),
});

/** A hub over a real store; the control API's node list is the store's, with leadership from `leaderId`. */
function setup() {
  const store = new MemoryStore();
  let leaderId = 'm1';
  const control = {
    listNodes: (f: Record<string, string[]>) => store.view((tx) => tx.nodes.all())
      .filter((n) => !f.role || f.role.includes(n.Spec.Role!))
      .map((n) => (n.ManagerStatus ? { ...n, ManagerStatus: { ...n.ManagerStatus, Leader: n.ID === leaderId } } : n)),
  } as unknown as ControlAPI;
  const hub = new LiveHub({ store: () => store, control: () => control, info: () => ({ nodeId: 'm1', hostname: 'm1', manager: true }) }, false, { flushMs: FLUSH_MS, checkMs: 50 });
  const got: LiveMessage[] = [];
  return { store, hub, got, client: { send: (json: string) => got.push(JSON.parse(json) as LiveMessage) }, setLeader: (id: string) => { leaderId = id; } };
}

/** A task's new state, written over its current version. */
const move = (store: MemoryStore, id: string, state: TaskState, desired: TaskState = 'running') => store.update((tx) => {
  const cur = tx.tasks.get(id)!;
  tx.update('tasks', { ...cur, DesiredState: desired, Status: { State: state } });
});
const FLUSH_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for the n-th delta, then one more flush period (to see there is no other). */
async function nthDelta(got: LiveMessage[], n: number): Promise<LiveDelta> {
  for (let i = 0; i < 100 && deltas(got).length < n; i++) await sleep(50);
  await sleep(2 * FLUSH_MS);
  assert.equal(deltas(got).length, n);
  return deltas(got)[n - 1];
}
const deltas = (got: LiveMessage[]) => got.filter((m): m is LiveDelta => m.kind === 'delta');

test('live hub: a snapshot of current tasks, then coalesced deltas; finished tasks removed once; nothing watched without pages', async (t) => {
  const { store, hub, got, client } = setup();
  t.after(() => hub.close());
  await store.update((tx) => {
    tx.create('nodes', node('m1', true));
    tx.create('nodes', node('w1'));
    tx.create('services', svc('web', 2));
    tx.create('tasks', task('t1', 'running'));
    tx.create('tasks', task('old', 'shutdown', 'shutdown'));
    tx.create('tasks', task('never', 'pending', 'shutdown'));
  });
  const bye = hub.add(client);
  const snap = got[0] as LiveSnapshot;
  assert.equal(snap.kind, 'snapshot');
  assert.deepEqual(snap.tasks.map((t) => t.ID), ['t1'], 'finished tasks, and ones shut down before reaching a node, are history');
  assert.deepEqual(snap.nodes.map((n) => [n.Name, n.Role, n.Leader]), [['m1', 'manager', true], ['w1', 'worker', undefined]]);
  assert.deepEqual(snap.services.map((s) => [s.Name, s.Replicas, s.Image]), [['web', 2, 'img:1']]);

  // Many changes of one task within a flush: one delta with its latest state.
  await store.update((tx) => tx.create('tasks', task('t2', 'new')));
  for (const st of ['pending', 'assigned', 'starting', 'running'] as const) {
    await move(store, 't2', st);
  }
  assert.deepEqual((await nthDelta(got, 1)).tasks.map((t) => [t.ID, t.State]), [['t2', 'running']]);

  // t1 finishes: removed once; a later change of the finished task sends nothing.
  await move(store, 't1', 'shutdown', 'shutdown');
  assert.deepEqual((await nthDelta(got, 2)).removed.tasks, ['t1']);
  await move(store, 't1', 'shutdown', 'remove');
  await sleep(3 * FLUSH_MS);
  assert.equal(deltas(got).length, 2, 'no delta for history');

  // A page that left: the hub stops watching.
  bye();
  await move(store, 't2', 'failed');
  await sleep(3 * FLUSH_MS);
  assert.equal(deltas(got).length, 2);
  hub.close();
});

test('live hub: leadership moving (Raft, not the store) reaches the page within its check period', async (t) => {
  const { store, hub, got, client, setLeader } = setup();
  t.after(() => hub.close());
  await store.update((tx) => { tx.create('nodes', node('m1', true)); tx.create('nodes', node('m2', false)); });
  hub.add(client);
  setLeader('m2');
  for (let i = 0; i < 100 && deltas(got).length === 0; i++) await sleep(50);
  const moved = deltas(got).flatMap((d) => d.nodes);
  assert.deepEqual(moved.map((n) => [n.ID, n.Leader]).sort(), [['m1', false], ['m2', true]]);
  hub.close();
});
