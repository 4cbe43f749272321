import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProposalError, Raft } from '../../src/raft/core/raft.js';
import type { Entry, HardState, Message, Ready } from '../../src/raft/types.js';
import { Invariants } from './sim/invariants.js';
import { ManualCluster } from './sim/manual.js';
import type { SimNode } from './sim/sim-node.js';

const FIVE = ['s1', 's2', 's3', 's4', 's5'];
const THREE = ['s1', 's2', 's3'];
const isElection = (m: Message) => ['preVote', 'preVoteResp', 'vote', 'voteResp'].includes(m.type);
const dataAt = (c: ManualCluster, id: string) => c.applied.get(id)!.filter((e) => e.type === 'normal' && e.data).map((e) => e.data);

test('Figure 8: an old-term entry on a majority is not committed by counting, and is safely overwritten', () => {
  const c = new ManualCluster(FIVE, { maxEntriesPerMsg: 1 });
  c.elect('s1');
  assert.equal(c.get('s1').term, 2);
  const base = c.get('s1').log.lastIndex; // bootstrap entries + s1's no-op, committed everywhere
  assert.equal(c.get('s5').log.committed, base);

  // (a) s1 (term 2) gets X to s2 only.
  c.filter = (m) => m.to === 's2' || m.from === 's2';
  c.get('s1').propose('X');
  c.pump();
  assert.equal(c.get('s2').log.term(base + 1), 2);

  // (b) s1 down; s5 wins term 3 with s3 and s4, writes Y only to itself.
  c.crash('s1');
  c.filter = isElection;
  c.elect('s5');
  assert.equal(c.get('s5').term, 3);
  c.get('s5').propose('Y');
  c.pump();

  // (c) s5 down, s1 back: it wins term 4 and copies X to s3 — now on a majority (s1, s2, s3).
  c.crash('s5');
  c.restart('s1');
  // Only X travels: the term-4 entries after it never leave s1.
  c.filter = (m) => (m.type === 'app' ? { ...m, entries: (m.entries ?? []).filter((e) => e.index <= base + 1) } : true);
  c.elect('s1');
  c.tick(['s1', 's2', 's3', 's4'], 3);
  assert.equal(c.get('s1').term, 4);
  assert.equal(c.get('s3').log.term(base + 1), 2, 'X reached s3');
  assert.ok(c.get('s1').log.committed < base + 1, `X (term 2) must not be committed by counting replicas in term 4 (committed ${c.get('s1').log.committed})`);

  // (d) s1 down; s5 (last entry term 3) wins term 5 and overwrites X with Y everywhere.
  c.crash('s1');
  c.restart('s5');
  c.filter = () => true;
  c.elect('s5');
  c.tick(['s2', 's3', 's4', 's5'], 3);
  for (const id of ['s2', 's3', 's4', 's5']) {
    assert.equal(c.get(id).log.term(base + 1), 3, `${id} holds Y at ${base + 1}`);
    assert.deepEqual(dataAt(c, id), ['Y'], `${id} applied only Y`);
  }
});

test('a stale leader cut off by a partition commits nothing, steps down, and its entries vanish', () => {
  const c = new ManualCluster(THREE);
  c.elect('s1');
  c.filter = (m) => m.from !== 's1' && m.to !== 's1';
  c.get('s1').propose('stale');
  c.elect('s2');
  c.get('s2').propose('fresh');
  c.pump();
  assert.equal(c.get('s1').role, 'leader', 's1 does not know yet');
  assert.equal(c.get('s1').log.committed < c.get('s1').log.lastIndex, true);
  // Check-quorum: a leader that hears from no one for an election timeout steps down on its own.
  c.tick(['s1'], 20); // at most two election timeouts: the first may still count pre-partition answers
  assert.equal(c.get('s1').role, 'follower');
  c.filter = () => true;
  c.tick(['s1', 's2', 's3'], 3);
  assert.equal(c.get('s1').leader, 's2');
  for (const id of THREE) assert.deepEqual(dataAt(c, id), ['fresh'], `${id} applied only what the real leader committed`);
  assert.equal(c.terms('s1'), c.terms('s2'));
});

test('pre-vote: a node that was cut off rejoins without disrupting the leader', () => {
  const c = new ManualCluster(THREE);
  c.elect('s1');
  const term = c.get('s1').term;
  c.filter = (m) => m.from !== 's3' && m.to !== 's3';
  c.tick(THREE, 200); // s3 times out again and again
  assert.equal(c.get('s3').term, term, 'pre-vote kept s3 from raising its term');
  c.filter = () => true;
  c.tick(THREE, 5);
  assert.equal(c.get('s1').role, 'leader');
  assert.equal(c.get('s1').term, term);
  assert.equal(c.get('s3').leader, 's1');

  // Without pre-vote the same partition makes s3 depose the leader when it returns.
  const d = new ManualCluster(THREE, { preVote: false });
  d.elect('s1');
  const t0 = d.get('s1').term;
  d.filter = (m) => m.from !== 's3' && m.to !== 's3';
  d.tick(THREE, 200);
  assert.ok(d.get('s3').term > t0 + 3, 'without pre-vote the isolated node keeps raising its term');
});

test('a follower with a divergent tail has it replaced by the leader\'s entries', () => {
  const c = new ManualCluster(THREE);
  c.elect('s1');
  c.filter = (m) => m.from !== 's1' && m.to !== 's1';
  for (let i = 0; i < 5; i++) c.get('s1').propose(`lost-${i}`);
  c.pump();
  c.crash('s1');
  c.elect('s2');
  for (let i = 0; i < 3; i++) c.get('s2').propose(`kept-${i}`);
  c.pump();
  c.restart('s1');
  c.filter = () => true;
  c.tick(THREE, 5);
  assert.equal(c.terms('s1'), c.terms('s2'));
  assert.deepEqual(dataAt(c, 's1'), ['kept-0', 'kept-1', 'kept-2']);
});

test('leadership transfer, membership changes (removed IDs never come back), reads, and snapshots for laggards', () => {
  const c = new ManualCluster(THREE, { keepEntries: 0 });
  c.elect('s1');
  c.get('s1').transferLeader('s2');
  c.pump();
  assert.equal(c.get('s2').role, 'leader');
  const l = c.get('s2');

  l.proposeConfChange({ type: 'remove', id: 's3' });
  c.pump();
  assert.deepEqual([...l.voters].sort(), ['s1', 's2']);
  assert.throws(() => l.proposeConfChange({ type: 'add', id: 's3' }), (e: unknown) => e instanceof ProposalError && e.reason === 'bad-conf');

  // A linearizable read on the leader and through a follower.
  l.readIndex('r1');
  c.get('s1').readIndex('r2');
  c.pump();
  assert.ok(c.reads.get('s2')!.some((r) => r.context === 'r1' && r.index === l.log.committed));
  assert.ok(c.reads.get('s1')!.some((r) => r.context === 'r2' && r.index === l.log.committed), 'the follower got its read index');

  // A new member that starts empty catches up from a snapshot.
  for (let i = 0; i < 20; i++) l.propose(`v${i}`);
  c.pump();
  l.compact(l.log.applied, JSON.stringify({ upTo: l.log.applied }));
  assert.ok(l.log.offset > 0);
  const fresh = new Raft({ id: 's4', electionTick: 10, heartbeatTick: 1, random: () => 5 });
  c.nodes.set('s4', fresh);
  c.applied.set('s4', []);
  l.proposeConfChange({ type: 'add', id: 's4' });
  c.tick(['s1', 's2', 's4'], 5);
  assert.equal(fresh.log.offset, l.log.offset, 's4 installed the snapshot');
  assert.equal(fresh.log.lastIndex, l.log.lastIndex);
  assert.deepEqual([...fresh.voters].sort(), ['s1', 's2', 's4']);
});

// Simulation seed 426806365 (5 members): a follower's fsync of 16/2 finished after a
// term-3 leader had already replaced 15/2 in its live log.
test('a newer leader cuts the log while a write is in flight: the write lands whole, is not marked stable, the next Ready replaces it', () => {
  const f = new Raft({ id: 's3', electionTick: 10, heartbeatTick: 1, random: () => 0 });
  f.bootstrap(FIVE);
  // Storage as RaftStorage.save does it: entries at or below the last stored one replace the tail.
  const disk = { hardState: { term: 0, vote: '', commit: 0 } as HardState, entries: [] as Entry[] };
  const write = (rd: Ready) => {
    if (rd.entries.length) disk.entries.splice(rd.entries[0].index - 1, Infinity, ...rd.entries);
    if (rd.hardState) disk.hardState = rd.hardState;
  };
  const persistAll = () => { while (f.hasReady()) { const rd = f.ready(); write(rd); f.advance(rd); } };
  const ent = (index: number, term: number, data = ''): Entry => ({ index, term, type: 'normal', data });
  const app = (from: string, term: number, index: number, logTerm: number, entries: Entry[]): Message =>
    ({ type: 'app', from, to: 's3', term, index, logTerm, entries, commit: 6 });
  const terms = (es: Entry[]) => es.map((e) => `${e.index}/${e.term}`).join(' ');
  persistAll(); // the founding conf entries 1-5, term 1

  // s1 leads term 2: its no-op (6) and X (7) reach s3 and are on disk.
  f.step(app('s1', 2, 5, 1, [ent(6, 2), ent(7, 2, 'X')]));
  persistAll();
  // Y (8) arrives; s3 hands out the Ready and the driver starts writing it...
  f.step(app('s1', 2, 7, 2, [ent(8, 2, 'Y')]));
  const inFlight = f.ready();
  assert.equal(terms(inFlight.entries), '8/2');
  // ...and before the fsync returns, s2 (elected for term 3 by s2, s4 and s5) cuts the log after 6.
  f.step(app('s2', 3, 6, 2, [ent(7, 3, 'Z')]));
  assert.equal(f.term, 3);
  assert.equal(f.log.stabled, 6, 'what is on disk past 6 is no longer the live log');

  // The write lands as issued: the disk's log is well formed (7/2 then 8/2)...
  write(inFlight);
  assert.equal(terms(disk.entries.slice(5)), '6/2 7/2 8/2');
  // ...and the simulator's log-matching check judges that disk, not the live log where 8/2 "follows" 7/3.
  const inv = new Invariants((msg) => assert.fail(msg));
  const s1Disk = { hardState: disk.hardState, entries: disk.entries.slice() };
  const s1 = { id: 's1', disk: s1Disk, core: { log: { term: (i: number) => s1Disk.entries[i - 1]?.term } } };
  inv.persisted(s1 as unknown as SimNode, { entries: s1Disk.entries.slice(5) } as Ready);
  inv.persisted({ id: 's3', disk, core: f } as unknown as SimNode, inFlight);
  // Its acknowledgement to s1 (term 2) is true once sent: 8/2 is on disk.
  assert.ok(inFlight.messages.some((m) => m.to === 's1' && m.type === 'appResp' && m.term === 2 && m.index === 8));
  f.advance(inFlight);
  assert.equal(f.log.stabled, 6, '8/2 is gone from the live log: its write must not mark 7/3 stable');

  // The next Ready carries the new term and the new tail, which replaces 7/2 8/2 on disk.
  const next = f.ready();
  assert.equal(terms(next.entries), '7/3');
  assert.equal(next.hardState?.term, 3);
  write(next);
  inv.persisted({ id: 's3', disk, core: f } as unknown as SimNode, next);
  f.advance(next);
  assert.equal(f.log.stabled, 7);
  assert.equal(terms(disk.entries.slice(5)), '6/2 7/3');
  assert.ok(next.messages.some((m) => m.to === 's2' && m.type === 'appResp' && m.term === 3 && m.index === 7));
});

// etcd-io/etcd#22442: a WAL replay that skips a truncation at or below the snapshot
// brings back entries the log had dropped. Here a hand-made LoadedState plays that replay.
test('stale entries replayed after a snapshot are ignored: no vote for, and no append from, a log that lacks committed entries', () => {
  // s1 had 1/1..5/1; the term-2 leader s2 replaced 3-4 with 3/2 4/2, committed them with s1,
  // and s1 snapshotted at 4. Storage returns the old 5/1 after that snapshot.
  const restore = {
    hardState: { term: 2, vote: 's2', commit: 4 },
    snapshot: { meta: { index: 4, term: 2, conf: { voters: THREE, removed: [] } }, data: '' },
    entries: [{ index: 5, term: 1, type: 'normal' as const, data: 'ghost' }],
  };
  const s1 = new Raft({ id: 's1', electionTick: 10, heartbeatTick: 1, random: () => 0, restore });
  assert.equal(s1.discardedOnRestore, 1);
  assert.equal(s1.log.lastIndex, 4);
  assert.equal(s1.log.lastTerm, 2);

  // s3 was cut off holding 1/1..5/1. With 5/1 trusted, s1 would elect it and 3/2 4/2 would be lost.
  s1.step({ type: 'vote', from: 's3', to: 's1', term: 3, index: 5, logTerm: 1 });
  const voted = s1.ready();
  assert.deepEqual(voted.messages.map((m) => [m.type, m.reject]), [['voteResp', true]], 's3 lacks the committed 3/2 4/2: no vote');
  s1.advance(voted);

  // Nor does 5/1 match an append that builds on it.
  s1.step({ type: 'app', from: 's3', to: 's1', term: 3, index: 5, logTerm: 1, entries: [], commit: 5 });
  const rd = s1.ready();
  assert.ok(rd.messages.some((m) => m.type === 'appResp' && m.reject), 'the append after 5/1 is refused');
  assert.equal(s1.log.committed, 4);

  // A replay that only follows the snapshot (consecutive, terms never going back) is kept whole.
  const ok = new Raft({ id: 's1', electionTick: 10, heartbeatTick: 1, random: () => 0, restore: { ...restore, entries: [{ index: 5, term: 2, type: 'normal', data: '' }, { index: 6, term: 3, type: 'normal', data: '' }] } });
  assert.equal(ok.discardedOnRestore, 0);
  assert.equal(ok.log.lastIndex, 6);
});
