import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Raft } from '../../src/raft/core/raft.js';
import { ManualCluster } from './sim/manual.js';

test('a sole voter leads on its first tick instead of waiting out an election timeout', () => {
  const r = new Raft({ id: 'a', electionTick: 10, heartbeatTick: 1, random: () => 9 });
  r.bootstrap(['a']);
  r.advance(r.ready()); // applies the founding conf entry: 'a' is the only voter
  assert.equal(r.role, 'follower');
  r.tick();
  assert.equal(r.role, 'leader');
  assert.equal(r.term, 2);
});

/** A follower of a three-member cluster that hears from no one; returns the tick on which it campaigns. */
function ticksToCampaign(r: Raft, max = 100): number {
  for (let i = 1; i <= max; i++) {
    r.tick();
    if (r.role !== 'follower') return i;
  }
  return -1;
}

function founded(id: string, random: (n: number) => number): Raft {
  const r = new Raft({ id, electionTick: 10, heartbeatTick: 1, random });
  r.bootstrap(['a', 'b', 'c']);
  r.advance(r.ready());
  return r;
}

test('retune: a new election tick redraws the timeout in [e, 2e) at once', () => {
  const asked: number[] = [];
  const r = founded('a', (n) => { asked.push(n); return n - 1; }); // always the longest timeout
  assert.equal(ticksToCampaign(founded('b', (n) => n - 1)), 19, 'electionTick 10: the longest timeout is 19 ticks');
  r.retune({ electionTick: 3 });
  assert.equal(asked.at(-1), 3, 'drawn over the new electionTick');
  assert.equal(ticksToCampaign(r), 5, 'electionTick 3: the longest timeout is 5 ticks');
  assert.equal(r.role, 'preCandidate');
  assert.deepEqual(r.tuning, { electionTick: 3, heartbeatTick: 1, keepEntries: 500 });
});

test('retune: a leader heartbeats every heartbeatTick and checks its quorum every electionTick', () => {
  const c = new ManualCluster(['a', 'b', 'c']);
  c.elect('a');
  const l = c.get('a');
  l.retune({ heartbeatTick: 3, electionTick: 6 });
  const beats: number[] = [];
  let steppedDown = 0;
  for (let i = 1; i <= 20 && !steppedDown; i++) {
    l.tick(); // the followers hear nothing and answer nothing
    const rd = l.ready();
    if (rd.messages.some((m) => m.type === 'heartbeat')) beats.push(i);
    l.advance(rd);
    if (l.role !== 'leader') steppedDown = i;
  }
  assert.deepEqual(beats, [3, 6, 9]);
  assert.equal(steppedDown, 12, 'the round ending at tick 6 still counts the election answers; the one ending at 12 has none');
});

test('retune and the constructor refuse timing etcd refuses, and change nothing then', () => {
  const r = founded('a', () => 0);
  assert.throws(() => r.retune({ electionTick: 1 }), RangeError, 'election tick must exceed heartbeat tick (1)');
  assert.throws(() => r.retune({ heartbeatTick: 0 }), RangeError);
  assert.throws(() => r.retune({ electionTick: 12.5 }), RangeError);
  assert.throws(() => r.retune({ keepEntries: -1 }), RangeError);
  assert.deepEqual(r.tuning, { electionTick: 10, heartbeatTick: 1, keepEntries: 500 });
  assert.throws(() => new Raft({ id: 'a', electionTick: 2, heartbeatTick: 2, random: () => 0 }), RangeError);
});

test('retune: keepEntries sets how much log a snapshot leaves behind', () => {
  const c = new ManualCluster(['a'], { keepEntries: 50 });
  c.tick(['a']);
  const l = c.get('a');
  for (let i = 0; i < 10; i++) l.propose(`v${i}`);
  c.pump();
  l.retune({ keepEntries: 3 });
  l.compact(l.log.applied, '{}');
  assert.equal(l.log.offset, l.log.applied - 3);
});
