import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreStateMachine } from '../../src/manager/raft-store.js';
import { MemoryStore } from '../../src/store/store.js';
import type { Change } from '../../src/store/tables.js';
import type { Service } from '../../src/types/objects.js';

const svc = (id: string, name: string, index: number): Service =>
  ({ ID: id, Version: { Index: index }, CreatedAt: '', UpdatedAt: '', Spec: { Name: name } });
const entry = (v: number, changes: Change[]) => JSON.stringify({ v, c: changes });

test('store entries apply in version order; one built on an older version is dropped and changes nothing', () => {
  const store = new MemoryStore();
  const sm = new StoreStateMachine(store);
  assert.equal(sm.apply(entry(1, [{ action: 'create', table: 'services', object: svc('s1', 'web', 1) }])), 'applied');
  assert.equal(sm.apply(entry(2, [{ action: 'update', table: 'services', object: svc('s1', 'web2', 2) }])), 'applied');
  // A deposed leader's transaction, built on version 1.
  assert.equal(sm.apply(entry(2, [{ action: 'remove', table: 'services', object: svc('s1', 'web', 1) }])), 'stale');
  assert.equal(store.version, 2);
  assert.equal(store.view((tx) => tx.services.get('s1'))?.Spec.Name, 'web2');
});

test('a snapshot restores every table and the version into another store', async () => {
  const a = new MemoryStore();
  const sm = new StoreStateMachine(a);
  for (let i = 1; i <= 6; i++) sm.apply(entry(i, [{ action: 'create', table: 'services', object: svc(`s${i}`, `n${i}`, i) }]));
  sm.apply(entry(7, [{ action: 'remove', table: 'services', object: svc('s3', 'n3', 3) }]));
  const b = new MemoryStore();
  await b.update((tx) => tx.create('services', svc('stale', 'gone', 0))); // replaced by the snapshot
  assert.equal(b.view((tx) => tx.services.all().length), 1);
  new StoreStateMachine(b).restore(sm.snapshot());
  assert.equal(b.version, 7);
  assert.deepEqual(b.view((tx) => tx.services.all().map((s) => s.ID).sort()), ['s1', 's2', 's4', 's5', 's6']);
  assert.equal(new StoreStateMachine(b).apply(entry(8, [{ action: 'remove', table: 'services', object: svc('s1', 'n1', 1) }])), 'applied');
});
