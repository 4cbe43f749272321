import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, type ChangeLog } from '../../src/store/store.js';
import { StoreStateMachine } from '../../src/manager/raft-store.js';
import type { Change } from '../../src/store/tables.js';
import type { Service, Task } from '../../src/types/objects.js';

const svc = (id: string): Service => ({ ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Name: id } });
const task = (id: string, n = 0): Task => ({
  ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { ContainerSpec: { Image: 'x', Args: ['a'.repeat(n)] } },
  ServiceID: 's', Slot: 1, DesiredState: 'running', Status: { State: 'new' },
});

/** A log that records each entry, then applies it to its store and to followers (as Raft does on every manager). */
class RecordingLog implements ChangeLog {
  entries: string[] = [];
  followers: StoreStateMachine[] = [];
  constructor(private store: () => MemoryStore) {}
  async append(version: number, changes: Change[], entry: string): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.entries.push(entry);
    for (const f of this.followers) assert.equal(f.apply(entry), 'applied');
    this.store().applyCommitted(version, changes);
  }
}

test('a batch of 50,000 task changes becomes bounded entries, each applied whole, on the leader and on a follower', async () => {
  const leader = new MemoryStore();
  const log = new RecordingLog(() => leader);
  leader.log = log;
  const follower = new MemoryStore();
  log.followers.push(new StoreStateMachine(follower));
  // A watcher on the follower sees whole entries only: never part of one.
  const sizes: number[] = [];
  follower.watch((events) => { sizes.push(events.length); });

  const errors = await leader.batch((b) => {
    for (let i = 0; i < 50_000; i++) b.update((tx) => { tx.create('tasks', task(`t${i}`)); });
  });
  assert.deepEqual(errors, []);
  assert.equal(leader.count('tasks'), 50_000);
  assert.equal(follower.count('tasks'), 50_000);
  assert.equal(log.entries.length, 250, '200 changes per entry, as swarmkit cuts');
  for (const e of log.entries) {
    assert.ok(Buffer.byteLength(e) <= 1.5 * 1024 * 1024);
    assert.equal((JSON.parse(e) as { c: unknown[] }).c.length, 200);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(sizes.reduce((a, b) => a + b, 0), 50_000);
  for (const n of sizes) assert.equal(n % 200, 0, 'delivered in whole entries');
});

test('a batch cuts entries by size too; a callback that throws is rolled back alone', async () => {
  const store = new MemoryStore();
  const log = new RecordingLog(() => store);
  store.log = log;
  const errors = await store.batch((b) => {
    for (let i = 0; i < 40; i++) {
      b.update((tx) => {
        tx.create('tasks', task(`big${i}`, 100_000));
        if (i === 7) throw new Error('bad one');
      });
    }
  });
  assert.equal(errors.length, 1);
  assert.equal(store.count('tasks'), 39);
  assert.equal(store.view((tx) => tx.tasks.get('big7')), undefined);
  assert.ok(log.entries.length >= 3, `several entries (${log.entries.length})`);
  for (const e of log.entries) assert.ok(Buffer.byteLength(e) <= 1.5 * 1024 * 1024, `entry of ${Buffer.byteLength(e)} bytes`);
});

test('a slow watch subscriber does not hold up commits: past its limit it is told to resync', async () => {
  const store = new MemoryStore();
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  let delivered = 0;
  let resyncs = 0;
  store.watch(async (events) => { delivered += events.length; await blocked; }, { limit: 500, onResync: () => { resyncs++; } });
  const fast: number[] = [];
  store.watch((events) => { fast.push(events.length); });

  await store.update((tx) => tx.create('services', svc('first')));
  await new Promise((r) => setImmediate(r));
  assert.equal(delivered, 1, 'the slow subscriber is busy with its first delivery');
  const t0 = Date.now();
  for (let i = 0; i < 2000; i++) await store.update((tx) => tx.create('services', svc(`s${i}`)));
  assert.ok(Date.now() - t0 < 5000, 'commits went on while the subscriber was stuck');
  await new Promise((r) => setImmediate(r));
  assert.equal(fast.reduce((a, b) => a + b, 0), 2001, 'other subscribers got everything');
  release();
  for (let i = 0; i < 10 && resyncs === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(resyncs, 1, 'the slow one was dropped to a resync');
  assert.equal(delivered, 1, 'it did not get the events it fell behind on');
  // After the resync it follows again.
  await store.update((tx) => tx.create('services', svc('after')));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(delivered, 2);
});

test('a snapshot restore makes watchers resync', async () => {
  const a = new MemoryStore();
  await a.update((tx) => tx.create('services', svc('x')));
  const b = new MemoryStore();
  let resynced = false;
  b.watch(() => undefined, { onResync: () => { resynced = true; } });
  b.restore(a.snapshot());
  await new Promise((r) => setImmediate(r));
  assert.ok(resynced);
  assert.equal(b.view((tx) => tx.services.get('x'))?.Spec.Name, 'x');
});
