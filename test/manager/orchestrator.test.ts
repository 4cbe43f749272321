import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from '../../src/manager/allocator/allocator.js';
import { Control } from '../../src/manager/controlapi/control.js';
import { Orchestrator } from '../../src/manager/orchestrator/orchestrator.js';
import { TaskReaper } from '../../src/manager/orchestrator/reaper.js';
import { Updater } from '../../src/manager/orchestrator/updater.js';
import { Scheduler } from '../../src/manager/scheduler/scheduler.js';
import { MemoryStore } from '../../src/store/store.js';
import type { Node, Task, TaskState } from '../../src/types/objects.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';

const SECOND = 1e9;

function node(id: string): Node {
  return {
    ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: { Role: 'worker', Availability: 'active', Labels: {} },
    Description: { Hostname: id, Resources: { NanoCPUs: 4e9, MemoryBytes: 8e9 } },
    Status: { State: 'ready' },
  };
}

async function manager(nodes: string[]) {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  await store.update((tx) => { for (const n of nodes) tx.create('nodes', node(n)); });
  const deps = { store, clock };
  const components = [new Allocator(deps), new Orchestrator(deps), new Updater(deps), new Scheduler(deps), new TaskReaper(deps)];
  for (const c of components) c.start();
  const control = new Control(store, { clock });
  const tasks = (serviceId: string) => store.view((tx) => tx.tasks.find({ serviceId }));
  /** Reports states as an agent would. */
  const report = (pick: (t: Task) => boolean, State: TaskState, extra: Partial<Task['Status']> = {}) => store.update((tx) => {
    for (const t of tx.tasks.all()) if (pick(t)) tx.update('tasks', { ...t, Status: { ...t.Status, State, ...extra } });
  });
  const runAssigned = () => report((t) => t.Status.State === 'assigned' && t.DesiredState === 'running', 'running');
  await settle();
  return { clock, store, control, tasks, report, runAssigned, stop: () => Promise.all(components.map((c) => c.stop())) };
}

test('a failed task is restarted after its restart delay on the clock, not before', async () => {
  const m = await manager(['a']);
  const { ID } = await m.control.createService({
    Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'on-failure', Delay: 10 * SECOND } },
  });
  await m.clock.advance(0);
  await m.runAssigned();
  const [first] = m.tasks(ID);
  await m.report((t) => t.ID === first.ID, 'failed', { ContainerStatus: { ExitCode: 1 } });
  await m.clock.advance(0);
  const next = m.tasks(ID).find((t) => t.ID !== first.ID)!;
  assert.equal(next.DesiredState, 'ready', 'the replacement waits prepared');
  assert.equal(next.Slot, first.Slot);
  await m.clock.advance(9_900);
  assert.equal(m.store.view((tx) => tx.tasks.get(next.ID))!.DesiredState, 'ready', 'not before the delay');
  await m.clock.advance(200);
  assert.equal(m.store.view((tx) => tx.tasks.get(next.ID))!.DesiredState, 'running', 'started once the delay passed');
  await m.stop();
});

test('restart policy: max attempts within the window, then the slot stays empty', async () => {
  const m = await manager(['a']);
  const { ID } = await m.control.createService({
    Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'any', Delay: 0, MaxAttempts: 2, Window: 60 * SECOND } },
  });
  for (let i = 0; i < 3; i++) {
    await m.clock.advance(0);
    await m.runAssigned();
    await m.report((t) => t.DesiredState === 'running' && t.Status.State === 'running', 'complete', { ContainerStatus: { ExitCode: 0 } });
    await m.clock.advance(1000);
  }
  assert.equal(m.tasks(ID).length, 3, 'the first task and two restarts');
  assert.equal(m.tasks(ID).filter((t) => t.DesiredState === 'running' && t.Status.State !== 'complete').length, 0);
  await m.stop();
});

test('a node going down moves only its tasks; the other tasks are not rewritten', async () => {
  const m = await manager(['a', 'b', 'c']);
  const { ID } = await m.control.createService({ Name: 'web', Mode: { Replicated: { Replicas: 6 } }, TaskTemplate: { ContainerSpec: { Image: 'i' } } });
  await m.clock.advance(0);
  await m.runAssigned();
  const before = new Map(m.tasks(ID).map((t) => [t.ID, t.Version.Index]));
  const onB = m.tasks(ID).filter((t) => t.NodeID === 'b').map((t) => t.ID);
  assert.equal(onB.length, 2);
  await m.store.update((tx) => { const b = tx.nodes.get('b')!; tx.update('nodes', { ...b, Status: { State: 'down' } }); });
  await m.clock.advance(0);
  const now = m.tasks(ID);
  for (const id of onB) assert.equal(now.find((t) => t.ID === id)!.DesiredState, 'shutdown');
  const live = now.filter((t) => t.DesiredState === 'running');
  assert.equal(live.length, 6);
  assert.ok(live.every((t) => t.NodeID !== 'b'));
  for (const [id, v] of before) if (!onB.includes(id)) assert.equal(now.find((t) => t.ID === id)!.Version.Index, v, 'untouched');
  await m.stop();
});

test('scaled-down tasks are deleted once shut down; history keeps the newest per slot', async () => {
  const m = await manager(['a']);
  await m.store.update((tx) => { /* the default retention, 5, applies without a cluster object */ void tx; });
  const { ID } = await m.control.createService({ Name: 'web', Mode: { Replicated: { Replicas: 3 } }, TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'any', Delay: 0 } } });
  await m.clock.advance(0);
  await m.runAssigned();
  const s = m.control.getService(ID);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, Mode: { Replicated: { Replicas: 1 } } });
  await m.clock.advance(0);
  assert.equal(m.tasks(ID).filter((t) => t.DesiredState === 'remove').length, 2);
  await m.report((t) => t.DesiredState === 'remove', 'shutdown');
  await m.clock.advance(0);
  assert.equal(m.tasks(ID).length, 1, 'removed tasks are gone, as in Docker');
  // A crash-looping slot keeps 5 tasks of history.
  for (let i = 0; i < 8; i++) {
    await m.runAssigned();
    await m.report((t) => t.DesiredState === 'running' && t.Status.State === 'running', 'failed');
    await m.clock.advance(0);
  }
  assert.equal(m.tasks(ID).length, 5);
  await m.stop();
});

test('history: a negative limit keeps every task (as swarmkit); a service restarting at most N times keeps N + 1', async () => {
  const m = await manager(['a']);
  const cluster = { ID: 'c', Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Orchestration: { TaskHistoryRetentionLimit: -1 } } };
  await m.store.update((tx) => tx.create('cluster', cluster as never));
  const crashLoop = async (id: string, n: number) => {
    for (let i = 0; i < n; i++) {
      await m.runAssigned();
      await m.report((t) => t.ServiceID === id && t.DesiredState === 'running' && t.Status.State === 'running', 'failed');
      await m.clock.advance(0);
    }
  };
  const { ID: all } = await m.control.createService({ Name: 'all', TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'any', Delay: 0 } } });
  await m.clock.advance(0);
  await crashLoop(all, 8);
  assert.equal(m.tasks(all).length, 9, 'the first task, its 8 replacements');
  // With the default limit (5) but 7 restarts allowed, the slot keeps 8.
  await m.store.update((tx) => { const c = tx.cluster()!; tx.update('cluster', { ...c, Spec: { Orchestration: { TaskHistoryRetentionLimit: 5 } } } as never); });
  const { ID: seven } = await m.control.createService({ Name: 'seven', TaskTemplate: { ContainerSpec: { Image: 'i' }, RestartPolicy: { Condition: 'any', Delay: 0, MaxAttempts: 7 } } });
  await m.clock.advance(0);
  await crashLoop(seven, 10);
  assert.equal(m.tasks(seven).length, 8);
  assert.equal(m.tasks(all).length, 5, 'the limit back at 5 prunes the other slot');
  await m.stop();
});

test('a rolling update replaces one task at a time with the update delay between batches', async () => {
  const m = await manager(['a', 'b']);
  const { ID } = await m.control.createService({
    Name: 'web', Mode: { Replicated: { Replicas: 3 } }, TaskTemplate: { ContainerSpec: { Image: 'v1' } },
    UpdateConfig: { Parallelism: 1, Delay: 30 * SECOND, Monitor: 1 * SECOND, FailureAction: 'pause', Order: 'stop-first' },
  });
  await m.clock.advance(0);
  await m.runAssigned();
  const s = m.control.getService(ID);
  await m.control.updateService(ID, s.Version.Index, { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: 'v2' } } });
  const v2 = () => m.tasks(ID).filter((t) => t.DesiredState === 'running' && t.Spec.ContainerSpec?.Image === 'v2');
  await m.clock.advance(0);
  assert.equal(v2().length, 1, 'first batch: one task');
  await m.runAssigned();
  await m.clock.advance(1500); // monitor period passes
  await m.clock.advance(25_000);
  assert.equal(v2().length, 1, 'not before the 30 s delay');
  await m.clock.advance(6_000);
  assert.equal(v2().length, 2, 'the second batch after the delay');
  await m.stop();
});

test('the scheduler spreads 1,000 tasks evenly over 100 nodes, in bounded batches', async () => {
  const m = await manager(Array.from({ length: 100 }, (_, i) => `n${i}`));
  const { ID } = await m.control.createService({ Name: 'big', Mode: { Replicated: { Replicas: 1000 } }, TaskTemplate: { ContainerSpec: { Image: 'i' } } });
  for (let i = 0; i < 20 && m.tasks(ID).filter((t) => t.Status.State === 'assigned').length < 1000; i++) await m.clock.advance(100);
  const per = new Map<string, number>();
  for (const t of m.tasks(ID)) per.set(t.NodeID!, (per.get(t.NodeID!) ?? 0) + 1);
  assert.equal(per.size, 100);
  assert.ok([...per.values()].every((n) => n === 10), 'ten per node');
  await m.stop();
});

test('a task nothing fits is placed once a node with room appears', async () => {
  const m = await manager(['small']);
  const { ID } = await m.control.createService({ Name: 'fat', TaskTemplate: { ContainerSpec: { Image: 'i' }, Resources: { Reservations: { MemoryBytes: 16e9 } } } });
  await m.clock.advance(100);
  assert.equal(m.tasks(ID)[0].Status.Err, 'no suitable node (insufficient resources on 1 node)');
  await m.store.update((tx) => tx.create('nodes', { ...node('large'), Description: { Hostname: 'large', Resources: { NanoCPUs: 4e9, MemoryBytes: 32e9 } } }));
  await m.clock.advance(100);
  assert.equal(m.tasks(ID)[0].NodeID, 'large');
  assert.equal(m.tasks(ID)[0].Status.State, 'assigned');
  await m.stop();
});

test('after the store is replaced by a snapshot, the orchestrator resyncs and fills the missing slot', async () => {
  const m = await manager(['a']);
  const { ID } = await m.control.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { ContainerSpec: { Image: 'i' } } });
  await m.clock.advance(0);
  const snap = m.store.snapshot();
  const [gone] = snap.tables.tasks!;
  m.store.restore({ ...snap, tables: { ...snap.tables, tasks: snap.tables.tasks!.filter((t) => t.ID !== gone.ID) } });
  await m.clock.advance(0);
  assert.equal(m.tasks(ID).filter((t) => t.DesiredState === 'running').length, 2);
  await m.stop();
});

test('with placement preferences, each unplaceable task\'s explanation counts each node once', async () => {
  const m = await manager(['a', 'b']);
  const { ID } = await m.control.createService({
    Name: 'fat', Mode: { Replicated: { Replicas: 3 } },
    TaskTemplate: { ContainerSpec: { Image: 'i' }, Resources: { Reservations: { MemoryBytes: 16e9 } }, Placement: { Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] } },
  });
  await m.clock.advance(100);
  const errs = m.tasks(ID).map((t) => t.Status.Err);
  assert.deepEqual(errs, Array(3).fill('no suitable node (insufficient resources on 2 nodes)'));
  await m.stop();
});
