import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameAssembler, MAX_FRAME_CHARS, toFrames } from '../../src/raft/transport/frames.js';
import type { Message } from '../../src/raft/types.js';

const snap = (chars: number): Message => ({ type: 'snap', from: 'a', to: 'b', term: 3, snapshot: { meta: { index: 9, term: 3, conf: { voters: ['a', 'b'] } }, data: 'x'.repeat(chars) } } as Message);

test('a snapshot larger than a frame travels in bounded chunks and comes back whole', () => {
  const m = snap(5 * MAX_FRAME_CHARS + 17);
  const frames = toFrames(m);
  assert.equal(frames.length, 6);
  for (const f of frames) assert.ok(JSON.stringify(f).length <= MAX_FRAME_CHARS + 200);
  const a = new FrameAssembler();
  const out = frames.map((f) => a.push(f));
  assert.deepEqual(out.slice(0, 5), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(out[5], m);
});

test('small messages pass as they are; a lost chunk drops only that message', () => {
  const hb: Message = { type: 'heartbeat', from: 'a', to: 'b', term: 1 } as Message;
  assert.deepEqual(toFrames(hb), [hb]);
  const frames = toFrames(snap(3 * MAX_FRAME_CHARS));
  const a = new FrameAssembler();
  assert.equal(a.push(frames[0]), undefined);
  assert.equal(a.push(frames[2]), undefined, 'a gap: the message is dropped');
  assert.deepEqual(a.push(hb), hb);
  const again = toFrames(snap(2 * MAX_FRAME_CHARS + 1));
  const got = again.map((f) => a.push(f)).at(-1);
  assert.equal((got as Message & { snapshot: { data: string } }).snapshot.data.length, 2 * MAX_FRAME_CHARS + 1);
});
