import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/clock.js';
import { Allocator } from '../../src/manager/allocator/allocator.js';
import { Control } from '../../src/manager/controlapi/control.js';
import { leaderComponents } from '../../src/manager/leader-components.js';
import { MemoryStore } from '../../src/store/store.js';
import type { Node, Task } from '../../src/types/objects.js';

function node(id: string, labels: Record<string, string> = {}, availability: 'active' | 'drain' = 'active'): Node {
  return {
    ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: { Role: 'worker', Availability: availability, Labels: labels },
    Description: { Hostname: id, Platform: { OS: 'linux', Architecture: 'x86_64' }, Resources: { NanoCPUs: 2e9, MemoryBytes: 1e9 } },
    Status: { State: 'ready' },
  };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 10)); }
};

async function cluster(nodes: Node[]) {
  const store = new MemoryStore();
  await store.update((tx) => { for (const n of nodes) tx.create('nodes', n); });
  const deps = { store, clock: systemClock };
  const components = [new Allocator(deps), ...leaderComponents(deps)];
  for (const c of components) c.start();
  const control = new Control(store, { clock: systemClock });
  const tasks = (svc: string): Task[] => store.view((tx) => tx.tasks.find({ serviceId: svc }));
  return { store, control, tasks, stop: () => Promise.all(components.map((c) => c.stop())) };
}

test('replicas spread evenly over eligible nodes; constraints and drain are respected', async () => {
  const c = await cluster([node('a', { zone: 'x' }), node('b', { zone: 'x' }), node('c', { zone: 'y' }), node('d', { zone: 'x' }, 'drain')]);
  const { ID } = await c.control.createService({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'i' }, Placement: { Constraints: ['node.labels.zone==x'] } }, Mode: { Replicated: { Replicas: 4 } } });
  await until(() => c.tasks(ID).filter((t) => t.Status.State === 'assigned').length === 4);
  const perNode = new Map<string, number>();
  for (const t of c.tasks(ID)) perNode.set(t.NodeID!, (perNode.get(t.NodeID!) ?? 0) + 1);
  assert.deepEqual([...perNode].sort(), [['a', 2], ['b', 2]]);
  await c.stop();
});

test('a task nothing fits stays pending with Docker\'s explanation', async () => {
  const c = await cluster([node('a')]);
  const { ID } = await c.control.createService({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'i' }, Placement: { Constraints: ['node.labels.gpu==yes'] } } });
  await until(() => !!c.tasks(ID)[0]?.Status.Err);
  const t = c.tasks(ID)[0];
  assert.equal(t.Status.State, 'pending');
  assert.equal(t.Status.Err, 'no suitable node (scheduling constraints not satisfied on 1 node)');
  await c.stop();
});

test('global services get one task per eligible node and follow labels', async () => {
  const c = await cluster([node('a', { role: 'edge' }), node('b')]);
  const { ID } = await c.control.createService({ Name: 'g', TaskTemplate: { ContainerSpec: { Image: 'i' }, Placement: { Constraints: ['node.labels.role==edge'] } }, Mode: { Global: {} } });
  await until(() => c.tasks(ID).length === 1);
  assert.equal(c.tasks(ID)[0].NodeID, 'a');
  const b = c.store.view((tx) => tx.nodes.get('b'))!;
  await c.control.updateNode('b', b.Version.Index, { ...b.Spec, Labels: { role: 'edge' } });
  await until(() => c.tasks(ID).filter((t) => t.DesiredState === 'running').length === 2);
  await c.stop();
});

test('scale down removes the tasks that are not running first', async () => {
  const c = await cluster([node('a')]);
  const { ID } = await c.control.createService({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'i' } }, Mode: { Replicated: { Replicas: 3 } } });
  await until(() => c.tasks(ID).filter((t) => t.Status.State === 'assigned').length === 3);
  // slots 1 and 3 run, slot 2 is still starting (as an agent would report)
  await c.store.update((tx) => {
    for (const t of tx.tasks.find({ serviceId: ID })) {
      tx.update('tasks', { ...structuredClone(t), Status: { State: t.Slot === 2 ? 'starting' : 'running' } });
    }
  });
  const s = c.control.getService(ID);
  await c.control.updateService(ID, s.Version.Index, { ...s.Spec, Mode: { Replicated: { Replicas: 2 } } });
  await until(() => c.tasks(ID).some((t) => t.DesiredState === 'remove'));
  const removed = c.tasks(ID).filter((t) => t.DesiredState === 'remove');
  assert.deepEqual(removed.map((t) => t.Slot), [2]);
  await c.stop();
});

test('placement preferences spread over label values first, then over nodes; unlabelled nodes form their own group', async () => {
  // Zone x has three nodes, zone y one: spread=node.labels.zone halves the tasks between the zones.
  const c = await cluster([node('a', { zone: 'x' }), node('b', { zone: 'x' }), node('c', { zone: 'x' }), node('d', { zone: 'y' }), node('e')]);
  const { ID } = await c.control.createService({
    Name: 'web', Mode: { Replicated: { Replicas: 6 } },
    TaskTemplate: { ContainerSpec: { Image: 'i' }, Placement: { Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] } },
  });
  await until(() => c.tasks(ID).filter((t) => t.Status.State === 'assigned').length === 6);
  const perNode = new Map<string, number>();
  for (const t of c.tasks(ID)) perNode.set(t.NodeID!, (perNode.get(t.NodeID!) ?? 0) + 1);
  const zoneX = (perNode.get('a') ?? 0) + (perNode.get('b') ?? 0) + (perNode.get('c') ?? 0);
  assert.equal(zoneX, 2, 'zone x gets a third, like zone y and the unlabelled group');
  assert.equal(perNode.get('d'), 2);
  assert.equal(perNode.get('e'), 2);
  await c.stop();
});

test('a service label update keeps its tasks (the template did not change, whatever the key order)', async () => {
  const c = await cluster([node('a')]);
  const { ID } = await c.control.createService({ Name: 'web', Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { ContainerSpec: { Image: 'i', Args: ['x'] } } });
  await until(() => c.tasks(ID).filter((t) => t.Status.State === 'assigned').length === 2);
  const before = c.tasks(ID).map((t) => t.ID).sort();
  const svc = c.control.getService(ID);
  // The docker CLI sends the template back with its own key order.
  const tt = svc.Spec.TaskTemplate!;
  const reordered = Object.fromEntries(Object.entries(tt).reverse()) as typeof tt;
  await c.control.updateService(ID, svc.Version.Index, { ...svc.Spec, Labels: { rev: '1' }, TaskTemplate: reordered });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(c.tasks(ID).map((t) => t.ID).sort(), before);
  await c.stop();
});
