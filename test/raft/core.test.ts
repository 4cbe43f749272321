import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Raft } from '../../src/raft/core/raft.js';

test('a sole voter leads on its first tick instead of waiting out an election timeout', () => {
  const r = new Raft({ id: 'a', electionTick: 10, heartbeatTick: 1, random: () => 9 });
  r.bootstrap(['a']);
  r.advance(r.ready()); // applies the founding conf entry: 'a' is the only voter
  assert.equal(r.role, 'follower');
  r.tick();
  assert.equal(r.role, 'leader');
  assert.equal(r.term, 2);
});
