import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/store/store.js';
import { SwarmEvents } from '../../../src/manager/events/swarm-events.js';
import { EventRing } from '../../../src/manager/events/event-ring.js';
import { includeEvent } from '../../../src/manager/events/event-filter.js';
import { eventJson, nanosOf, type EventMessage } from '../../../src/manager/events/event-message.js';
import { eventTime } from '../../../src/api/events.js';
import type { Node, Service } from '../../../src/types/objects.js';
import { systemClock } from '../../../src/clock.js';

const svc = (id: string, name: string, extra: Partial<Service['Spec']> = {}): Service =>
  ({ ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: name, TaskTemplate: { ContainerSpec: { Image: 'busybox:1' } }, Mode: { Replicated: { Replicas: 1 } }, ...extra } });
const node = (id: string, host: string): Node => ({
  ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Role: 'worker', Availability: 'active' },
  Description: { Hostname: host }, Status: { State: 'ready' },
} as Node);

const settle = () => new Promise((r) => setImmediate(r));

test('store changes of services and nodes become Docker\'s events with its attributes', async () => {
  const store = new MemoryStore();
  const ev = new SwarmEvents(store, systemClock);
  ev.start();
  await store.update((tx) => tx.create('services', svc('s1', 'web')));
  const cur = () => store.view((tx) => tx.services.get('s1'))!;
  await store.update((tx) => tx.update('services', { ...cur(), Spec: { ...cur().Spec, Mode: { Replicated: { Replicas: 3 } } } }));
  await store.update((tx) => tx.update('services', { ...cur(), Spec: { ...cur().Spec, TaskTemplate: { ContainerSpec: { Image: 'busybox:2' } } } }));
  await store.update((tx) => tx.update('services', { ...cur(), UpdateStatus: { State: 'updating' } }));
  await store.update((tx) => tx.update('services', { ...cur(), UpdateStatus: { State: 'completed' } }));
  // The allocator's first endpoint of a service without ports is no event (swarmkit stores it with the create).
  await store.update((tx) => tx.update('services', { ...cur(), Endpoint: { Spec: {} } }));
  await store.update((tx) => tx.create('nodes', node('n1', 'host1')));
  const n = () => store.view((tx) => tx.nodes.get('n1'))!;
  await store.update((tx) => tx.update('nodes', { ...n(), Spec: { ...n().Spec, Availability: 'drain' } }));
  await store.update((tx) => tx.update('nodes', { ...n(), Spec: { ...n().Spec, Role: 'manager' }, Status: { State: 'down' } }));
  await store.update((tx) => tx.remove('services', 's1'));
  await settle();
  const got = ev.ring.past(0n, undefined, {}).map((e) => [e.Type, e.Action, e.Actor.ID, e.Actor.Attributes, e.scope]);
  assert.deepEqual(got, [
    ['service', 'create', 's1', { name: 'web' }, 'swarm'],
    ['service', 'update', 's1', { name: 'web', 'replicas.old': '1', 'replicas.new': '3' }, 'swarm'],
    ['service', 'update', 's1', { name: 'web', 'image.old': 'busybox:1', 'image.new': 'busybox:2' }, 'swarm'],
    ['service', 'update', 's1', { name: 'web', 'updatestate.new': 'updating' }, 'swarm'],
    ['service', 'update', 's1', { name: 'web', 'updatestate.old': 'updating', 'updatestate.new': 'completed' }, 'swarm'],
    ['node', 'create', 'n1', { name: 'host1' }, 'swarm'],
    ['node', 'update', 'n1', { name: 'host1', 'availability.old': 'active', 'availability.new': 'drain' }, 'swarm'],
    ['node', 'update', 'n1', { name: 'host1', 'role.old': 'worker', 'role.new': 'manager', 'state.old': 'ready', 'state.new': 'down' }, 'swarm'],
    ['service', 'remove', 's1', { name: 'web' }, 'swarm'],
  ]);
  // create and update carry the object's own time
  const created = store.view((tx) => tx.nodes.get('n1'))!.CreatedAt;
  assert.equal(ev.ring.past(0n, undefined, { type: ['node'], event: ['create'] })[0].timeNano, nanosOf(created));
  ev.stop();
});

const msg = (o: Partial<EventMessage> & { name?: string; attrs?: Record<string, string> }): EventMessage => ({
  Type: o.Type ?? 'service', Action: o.Action ?? 'create', scope: o.scope ?? 'swarm', timeNano: o.timeNano ?? 1n,
  Actor: { ID: o.Actor?.ID ?? 'abc123', Attributes: { name: o.name ?? 'web', ...(o.attrs ?? {}) } },
});

test('filters follow Docker\'s events filter: exact type/event/scope, names by prefix of ID or name, labels', () => {
  const e = msg({});
  assert.ok(includeEvent({}, e));
  assert.ok(includeEvent({ type: ['node', 'service'] }, e));
  assert.ok(!includeEvent({ type: ['node'] }, e));
  assert.ok(includeEvent({ event: ['create'] }, e));
  assert.ok(!includeEvent({ event: ['update'] }, e));
  assert.ok(includeEvent({ scope: ['swarm'] }, e));
  assert.ok(!includeEvent({ scope: ['local'] }, e));
  assert.ok(includeEvent({ service: ['we'] }, e), 'a prefix of the name');
  assert.ok(includeEvent({ service: ['abc'] }, e), 'a prefix of the ID');
  assert.ok(!includeEvent({ service: ['eb'] }, e));
  // The name filters apply to every type (a container named web.1.x matches service=web too).
  assert.ok(includeEvent({ service: ['web'] }, msg({ Type: 'container', name: 'web.1.xyz' })));
  assert.ok(!includeEvent({ node: ['other'] }, e));
  assert.ok(includeEvent({ label: ['name=web'] }, e));
  assert.ok(includeEvent({ label: ['name'] }, e));
  assert.ok(!includeEvent({ label: ['name=x'] }, e));
  assert.ok(includeEvent({ event: ['health_status'] }, msg({ Type: 'container', Action: 'health_status: healthy' })));
  assert.ok(includeEvent({ image: ['busybox'] }, msg({ Type: 'container', attrs: { image: 'busybox:latest' } })));
  assert.ok(!includeEvent({ image: ['alpine'] }, msg({ Type: 'container', attrs: { image: 'busybox:latest' } })));
});

test('the ring keeps the newest events, in order, within since/until', () => {
  const ring = new EventRing(3);
  for (let i = 1; i <= 5; i++) ring.publish(msg({ timeNano: BigInt(i), name: `s${i}` }));
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.past(0n, undefined, {}).map((e) => e.Actor.Attributes.name), ['s3', 's4', 's5']);
  assert.deepEqual(ring.past(4n, undefined, {}).map((e) => e.Actor.Attributes.name), ['s4', 's5']);
  assert.deepEqual(ring.past(undefined, 4n, {}).map((e) => e.Actor.Attributes.name), ['s3', 's4']);
  const live: string[] = [];
  const off = ring.subscribe((e) => live.push(e.Actor.Attributes.name));
  ring.publish(msg({ timeNano: 6n, name: 's6' }));
  off();
  ring.publish(msg({ timeNano: 7n, name: 's7' }));
  assert.deepEqual(live, ['s6']);
});

test('event JSON is Docker\'s: field order, sorted attributes, exact nanoseconds, Go\'s HTML escaping', () => {
  const e = msg({ timeNano: 1796031375146597621n, attrs: { 'replicas.old': '1', 'a<b': '&' } });
  assert.equal(eventJson(e), '{"Type":"service","Action":"create","Actor":{"ID":"abc123","Attributes":{"a\\u003cb":"\\u0026","name":"web","replicas.old":"1"}},"scope":"swarm","time":1796031375,"timeNano":1796031375146597621}');
});

test('since/until are read as Docker reads them (seconds, optional fraction), with its errors', () => {
  assert.equal(eventTime(null), undefined);
  assert.equal(eventTime('-1'), undefined);
  assert.equal(eventTime('12'), 12_000_000_000n);
  assert.equal(eventTime('12.5'), 12_500_000_000n);
  assert.equal(eventTime('12.000000001'), 12_000_000_001n);
  assert.throws(() => eventTime('abc'), /^ApiError: strconv\.ParseInt: parsing "abc": invalid syntax$/);
  assert.throws(() => eventTime('1.5x'), /strconv\.ParseInt: parsing "5x": invalid syntax/);
  assert.throws(() => eventTime('99999999999999999999'), /value out of range/);
});
