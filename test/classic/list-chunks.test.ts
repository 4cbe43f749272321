import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ChunkedList } from '../../src/classic/api/list-chunks.js';

const entries = (n: number, status = (i: number) => `Up ${i} seconds`) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ Id: `c${i}`, Status: status(i) }));

test('a chunked list is the JSON array of its entries, plain and in gzip (members one after another)', async () => {
  for (const n of [0, 1, 999, 1000, 1001, 2500]) {
    const list = ChunkedList.of(entries(n));
    const want = entries(n).map((e) => JSON.parse(e));
    assert.deepEqual(JSON.parse(list.body.toString()), want, `plain, ${n} entries`);
    assert.deepEqual(JSON.parse(gunzipSync(await list.gzipped()).toString()), want, `gzip, ${n} entries`);
  }
});

test('one changed entry makes only its chunk anew; the others are reused with their gzip', async () => {
  const first = ChunkedList.of(entries(2500));
  const gz1 = await first.gzipped();
  const changed = entries(2500, (i) => (i === 1500 ? 'Up 2 minutes' : `Up ${i} seconds`));
  const second = ChunkedList.of(changed, first);
  const gz2 = await second.gzipped();
  assert.deepEqual(JSON.parse(gunzipSync(gz2).toString())[1500].Status, 'Up 2 minutes');
  assert.notDeepEqual(gz1, gz2);
  // A gzip member per chunk: the first chunk's member is unchanged.
  const members = (b: Buffer) => { const out: number[] = []; for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0x1f && b[i + 1] === 0x8b && b[i + 2] === 8) out.push(i); return out; };
  assert.ok(members(gz2).length >= 4, 'a gzip member per chunk and one for the closing bracket');
  const [a0, a1] = [members(gz1), members(gz2)];
  assert.deepEqual(gz2.subarray(a1[0], a1[1]), gz1.subarray(a0[0], a0[1]), 'the first chunk reads the same');
  // An entry added at the front moves every chunk's boundary: all are made anew, still a correct list.
  const third = ChunkedList.of([JSON.stringify({ Id: 'new', Status: 'Up 1 second' }), ...changed], second);
  assert.equal(JSON.parse(gunzipSync(await third.gzipped()).toString()).length, 2501);
});
