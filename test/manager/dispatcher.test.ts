import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../../src/manager/dispatcher/dispatcher.js';
import { MemoryStore, type ChangeLog } from '../../src/store/store.js';
import type { Change } from '../../src/store/tables.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A log whose first write marking a node down fails (a lost quorum, a full disk), the rest succeed. */
class FailingOnce implements ChangeLog {
  failed = 0;
  constructor(private store: () => MemoryStore) {}
  async append(version: number, changes: Change[]): Promise<void> {
    const marksDown = changes.some((c) => c.table === 'nodes' && (c.object as { Status: { State: string } }).Status.State === 'down');
    if (marksDown && this.failed === 0) { this.failed++; throw new Error('no quorum'); }
    this.store().applyCommitted(version, changes);
  }
}

test('a node whose down-marking write fails is marked down at a later check, not left Ready', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const log = new FailingOnce(() => store);
  store.log = log;
  const d = new Dispatcher(store, clock);
  d.start();
  const reg = d.register({ nodeId: 'n1', description: { Hostname: 'n1' } });
  await clock.advance(50);
  await reg;
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'ready');
  // Default period 5 s: no heartbeat for more than three periods.
  await clock.advance(15_600);
  assert.equal(log.failed, 1, 'the first write failed');
  await clock.advance(1_000);
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'down', 'a later check wrote it');
  await d.stop();
});

test('a node is not marked down before three heartbeat periods, and is after', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const d = new Dispatcher(store, clock);
  d.start();
  const reg = d.register({ nodeId: 'n1', description: { Hostname: 'n1' } });
  await clock.advance(50);
  const { sessionId } = await reg;
  await d.heartbeat(sessionId);
  await clock.advance(14_900);
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'ready', 'not before 3 periods');
  await clock.advance(700);
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'down');
  await assert.rejects(d.heartbeat(sessionId), /session invalid/);
  await d.stop();
});

test('a shorter heartbeat period does not mark nodes down before they have heard of it', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  const cluster = { ID: 'c', Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Dispatcher: { HeartbeatPeriod: 5e9 } } };
  await store.update((tx) => tx.create('cluster', cluster as never));
  const d = new Dispatcher(store, clock);
  d.start();
  const reg = d.register({ nodeId: 'n1', description: { Hostname: 'n1' } });
  await clock.advance(50);
  const { sessionId, heartbeatPeriodMs } = await reg;
  assert.equal(heartbeatPeriodMs, 5000);
  // swarm update --dispatcher-heartbeat 1s: the node heartbeats next after the 5 s it was told.
  await store.update((tx) => { const c = tx.cluster()!; tx.update('cluster', { ...c, Spec: { Dispatcher: { HeartbeatPeriod: 1e9 } } }); });
  await clock.advance(4_950);
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'ready', 'three new periods passed, but the node was told 5 s');
  const hb = await d.heartbeat(sessionId);
  assert.equal(hb.periodMs, 1000, 'it hears of the new period now');
  await clock.advance(2_900);
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'ready');
  await clock.advance(400);
  assert.equal(store.view((tx) => tx.nodes.get('n1'))?.Status.State, 'down', 'three of the new periods after it was told');
  await d.stop();
});
