import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode, type StateMachine } from '../../src/raft/node/raft-node.js';
import { FileRaftStorage } from '../../src/raft/storage/file-storage.js';

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
