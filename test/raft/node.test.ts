import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode, type RaftNodeOptions, type StateMachine } from '../../src/raft/node/raft-node.js';
import { FileRaftStorage } from '../../src/raft/storage/file-storage.js';
import type { Entry, HardState, LoadedState, Message, RaftStorage, Snapshot } from '../../src/raft/types.js';

/** A state machine that remembers what it applied, and how it was restored. */
class ListMachine implements StateMachine {
  items: string[] = [];
  restoredFrom?: number;
  apply(data: string) { this.items.push(data); return this.items.length; }
  snapshot() { return JSON.stringify(this.items); }
  restore(data: string) { this.items = JSON.parse(data) as string[]; this.restoredFrom = this.items.length; }
}

async function startNode(dir: string, sm: ListMachine, found: boolean) {
  return RaftNode.start({
    id: 'a', storage: new FileRaftStorage(dir), sm, send: () => undefined,
    tickMs: 10, electionTick: 10, heartbeatTick: 1, snapshotEvery: 5, keepEntries: 0,
  }, found ? [{ id: 'a', addr: '127.0.0.1:1', nodeId: 'n' }] : undefined);
}

test('the driver snapshots every N applied entries; a restart restores the snapshot and replays the rest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-raftnode-'));
  const first = new ListMachine();
  let node = await startNode(dir, first, true);
  await node.waitLeaderReady(5000);
  for (let i = 0; i < 12; i++) assert.equal(await node.propose(`v${i}`, 5000), i + 1);
  await node.readBarrier(5000);
  await node.stop();
  assert.ok((await readdir(join(dir, 'snap'))).some((n) => n.endsWith('.snap')), 'a snapshot file was written');

  const again = new ListMachine();
  node = await startNode(dir, again, false);
  await node.waitLeaderReady(5000);
  assert.ok(again.restoredFrom !== undefined && again.restoredFrom >= 5, `restored from a snapshot (${again.restoredFrom})`);
  assert.deepEqual(again.items, first.items);
  assert.deepEqual([...node.members.keys()], ['a'], 'members come back with the snapshot');
  await node.stop();
});

/** Storage in memory, recording what the driver asks of it. */
class MemStorage implements RaftStorage {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  entries: Entry[] = [];
  snapshots: Snapshot[] = [];
  keepOld: number[] = [];
  async open(): Promise<LoadedState> { return { hardState: this.hardState, entries: [] }; }
  async save(hs: HardState | undefined, ents: Entry[]) {
    if (hs) this.hardState = hs;
    if (ents.length) this.entries = this.entries.filter((e) => e.index < ents[0].index).concat(ents);
  }
  async saveSnapshot(s: Snapshot) { this.snapshots.push(s); }
  setKeepOldSnapshots(n: number) { this.keepOld.push(n); }
  async close() {}
}

function memNode(storage: RaftStorage, o: Partial<RaftNodeOptions>, founders = ['a']) {
  return RaftNode.start({
    id: 'a', storage, sm: new ListMachine(), send: () => undefined,
    tickMs: 5, electionTick: 10, heartbeatTick: 1, snapshotEvery: 1000, keepEntries: 500, ...o,
  }, founders.map((id) => ({ id, addr: `127.0.0.1:${id}`, nodeId: id })));
}

const until = async (what: string, ok: () => boolean, ms = 2000) => {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('updateSettings: snapshot interval and entries kept behind take effect at the next snapshot; old snapshots kept is passed to storage', async () => {
  const storage = new MemStorage();
  const node = await memNode(storage, {});
  await node.waitLeaderReady(5000);
  for (let i = 0; i < 3; i++) await node.propose(`v${i}`, 5000);
  assert.equal(storage.snapshots.length, 0, 'interval 1000: no snapshot yet');

  node.updateSettings({ snapshotEvery: 2, keepEntries: 1, keepOldSnapshots: 3 });
  assert.deepEqual(storage.keepOld, [3]);
  assert.deepEqual(node.settings, { electionTick: 10, heartbeatTick: 1, snapshotEvery: 2, keepEntries: 1 });
  await node.propose('v3', 5000);
  assert.equal(storage.snapshots.length, 1, 'the interval shrank below what was applied: the next apply snapshots');
  const snap = storage.snapshots[0];
  assert.equal(snap.meta.index, node.core.log.applied);
  assert.equal(node.core.log.offset, snap.meta.index - 1, 'one entry kept behind the snapshot');
  await node.propose('v4', 5000);
  await node.propose('v5', 5000);
  assert.equal(storage.snapshots.length, 2, 'then one every 2 entries');
  await node.stop();
});

test('updateSettings: a shorter election tick makes a follower that hears no one campaign sooner', async () => {
  const sent: Message[] = [];
  const node = await memNode(new MemStorage(), { electionTick: 1000, send: (m) => sent.push(...m) }, ['a', 'b', 'c']);
  await new Promise((r) => setTimeout(r, 100)); // 20 ticks of 5 ms: far from 1000
  assert.equal(sent.filter((m) => m.type === 'preVote').length, 0);
  node.updateSettings({ electionTick: 3, heartbeatTick: 2 });
  assert.deepEqual(node.core.tuning, { electionTick: 3, heartbeatTick: 2, keepEntries: 500 });
  await until('a pre-vote', () => sent.some((m) => m.type === 'preVote'));
  await node.stop();
});

test('updateSettings checks everything before changing anything', async () => {
  const storage = new MemStorage();
  const node = await memNode(storage, {});
  const before = node.settings;
  assert.throws(() => node.updateSettings({ heartbeatTick: 10 }), RangeError, 'heartbeat tick must stay below election tick');
  assert.throws(() => node.updateSettings({ electionTick: 5, snapshotEvery: 0 }), RangeError);
  assert.throws(() => node.updateSettings({ keepEntries: 2, keepOldSnapshots: -1 }), RangeError);
  assert.deepEqual(node.settings, before);
  assert.deepEqual(storage.keepOld, []);
  node.updateSettings({ heartbeatTick: 10, electionTick: 30 }); // both at once is fine
  assert.deepEqual(node.settings, { ...before, heartbeatTick: 10, electionTick: 30 });
  await node.stop();
});

test('a proposal made just after the Ready loop last looked is handled at once, not at the next tick', async () => {
  const node = await memNode(new MemStorage(), { tickMs: 50 });
  await node.waitLeaderReady(5000);
  const turns = () => new Promise((r) => setImmediate(r));
  for (let hops = 0; hops < 8; hops++) {
    await node.propose('x', 5000);
    for (let i = 0; i < hops; i++) await null; // land at each point of the loop's wind-down
    let done = false;
    const y = node.propose('y', 5000).then(() => { done = true; });
    for (let i = 0; i < 10 && !done; i++) await turns();
    assert.ok(done, `a proposal ${hops} microtasks after the last one waited for a tick`);
    await y;
  }
  await node.stop();
});
