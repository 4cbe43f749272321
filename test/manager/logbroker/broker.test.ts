import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/store/store.js';
import { LogBroker } from '../../../src/manager/logbroker/broker.js';
import type { LogSubscription, PublishedLog } from '../../../src/types/logbroker.js';
import type { Task } from '../../../src/types/objects.js';

const task = (id: string, nodeId: string | undefined, state = 'running'): Task => ({
  ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: {}, ServiceID: 's1', Slot: 1,
  NodeID: nodeId, DesiredState: 'running', Status: { State: state },
} as Task);
const line = (nodeId: string, taskId: string, text: string): PublishedLog =>
  ({ stream: 'stdout', timestamp: '2026-01-01T00:00:00.000000000Z', line: text, context: { nodeId, serviceId: 's1', taskId } });
const settle = () => new Promise((r) => setImmediate(r));

async function setup(tasks: Task[]) {
  const store = new MemoryStore();
  await store.update((tx) => { for (const t of tasks) tx.create('tasks', t); });
  const broker = new LogBroker(store);
  broker.start();
  const told = new Map<string, LogSubscription[]>();
  const listen = (nodeId: string) => broker.listen(nodeId, { send: (m) => told.set(nodeId, [...(told.get(nodeId) ?? []), m]), end: () => undefined });
  const got: string[] = [];
  let ended: { err?: string } | undefined;
  const sink = { messages: (m: PublishedLog[]) => got.push(...m.map((x) => x.line)), end: (err?: string) => { ended = { err }; } };
  return { store, broker, told, listen, got, sink, ended: () => ended };
}

test('a subscription goes to the nodes running the tasks, and ends once each has sent its part', async () => {
  const s = await setup([task('t1', 'n1'), task('t2', 'n2'), task('t3', 'n3', 'pending')]);
  s.listen('n1');
  s.listen('n2');
  s.listen('n3');
  s.broker.subscribe({ selector: { serviceIds: ['s1'] }, options: {} }, s.sink);
  // not following: a task not yet running has no logs to ask for
  assert.deepEqual([...s.told.keys()].sort(), ['n1', 'n2']);
  const id = s.told.get('n1')![0].id;
  s.broker.publish('n1', { sessionId: 'x', subscriptionId: id, messages: [line('n1', 't1', 'a')], close: true });
  assert.equal(s.ended(), undefined);
  s.broker.publish('n2', { sessionId: 'x', subscriptionId: id, messages: [line('n2', 't2', 'b')], close: true });
  assert.deepEqual(s.got, ['a', 'b']);
  assert.deepEqual(s.ended(), { err: undefined });
  assert.throws(() => s.broker.publish('n2', { sessionId: 'x', subscriptionId: id, messages: [] }), /unknown subscription ID/);
});

test('a node that is not there, or goes away, is named in the end', async () => {
  const s = await setup([task('t1', 'n1'), task('t2', 'n2')]);
  const l1 = s.listen('n1');
  s.broker.subscribe({ selector: { taskIds: ['t1', 't2'] }, options: {} }, s.sink);
  l1.close();
  assert.match(s.ended()!.err!, /^warning: incomplete log stream\. some logs could not be retrieved for the following reasons: node n2 is not available, node n1 disconnected unexpectedly$/);
});

test('a node publishes only its own lines, for subscriptions sent to it', async () => {
  const s = await setup([task('t1', 'n1'), task('t2', 'n2')]);
  s.listen('n1');
  s.listen('n2');
  s.listen('n3');
  s.broker.subscribe({ selector: { taskIds: ['t1'] }, options: { follow: true } }, s.sink);
  const id = s.told.get('n1')![0].id;
  assert.throws(() => s.broker.publish('n1', { sessionId: 'x', subscriptionId: id, messages: [line('n2', 't2', 'forged')] }), /invalid NodeID: expected=n1;received=n2/);
  assert.throws(() => s.broker.publish('n3', { sessionId: 'x', subscriptionId: id, messages: [line('n3', 't1', 'x')] }), /was not sent to node n3/);
  assert.deepEqual(s.got, []);
});

test('following, tasks scheduled later bring their nodes in; the subscriber leaving closes it on the nodes', async () => {
  const s = await setup([task('t1', 'n1')]);
  s.listen('n1');
  s.listen('n2');
  const sub = s.broker.subscribe({ selector: { serviceIds: ['s1'] }, options: { follow: true } }, s.sink);
  assert.deepEqual([...s.told.keys()], ['n1']);
  await s.store.update((tx) => tx.create('tasks', task('t2', 'n2', 'assigned')));
  await settle();
  assert.deepEqual([...s.told.keys()].sort(), ['n1', 'n2']);
  // a node going away does not end a following subscription
  const l3 = s.listen('n3');
  l3.close();
  assert.equal(s.ended(), undefined);
  sub.close();
  assert.equal(s.told.get('n1')!.at(-1)!.close, true);
  assert.equal(s.told.get('n2')!.at(-1)!.close, true);
  await s.broker.stop();
});
