import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable, type HistoryOp } from '../helpers/linearizability.js';
import { Rng } from './sim/rng.js';

const put = (client: string, key: string, value: string, call: number, ret?: number): HistoryOp =>
  ({ client, op: { kind: 'put', key, value }, call, ret, output: {} });
const get = (client: string, key: string, value: string | undefined, call: number, ret: number): HistoryOp =>
  ({ client, op: { kind: 'get', key }, call, ret, output: { value } });
const cas = (client: string, key: string, expect: string | undefined, value: string, ok: boolean, call: number, ret?: number): HistoryOp =>
  ({ client, op: { kind: 'cas', key, expect, value }, call, ret, output: { ok } });

test('linearizable histories pass', () => {
  assert.ok(checkLinearizable([put('a', 'x', '1', 0, 1), get('b', 'x', '1', 2, 3)]).ok);
  // Overlapping put and get: the get may see either value.
  assert.ok(checkLinearizable([put('a', 'x', '1', 0, 10), get('b', 'x', undefined, 1, 2)]).ok);
  assert.ok(checkLinearizable([put('a', 'x', '1', 0, 10), get('b', 'x', '1', 1, 2)]).ok);
  assert.ok(checkLinearizable([cas('a', 'x', undefined, '1', true, 0, 1), cas('b', 'x', undefined, '2', false, 2, 3), get('c', 'x', '1', 4, 5)]).ok);
});

test('stale reads, invented values, disagreeing orders and double cas are caught', () => {
  const stale = checkLinearizable([put('a', 'x', '1', 0, 1), put('a', 'x', '2', 2, 3), get('b', 'x', '1', 4, 5)]);
  assert.equal(stale.ok, false);
  assert.equal(stale.key, 'x');
  assert.equal(checkLinearizable([put('a', 'x', '1', 0, 1), get('b', 'x', '7', 2, 3)]).ok, false);
  // Reader b sees 1 then 2, reader c sees 2 then 1, all while both writes overlap.
  assert.equal(checkLinearizable([
    put('a', 'x', '1', 0, 100), put('d', 'x', '2', 0, 100),
    get('b', 'x', '1', 10, 11), get('b', 'x', '2', 20, 21),
    get('c', 'x', '2', 10, 11), get('c', 'x', '1', 20, 21),
  ]).ok, false);
  assert.equal(checkLinearizable([cas('a', 'x', undefined, '1', true, 0, 1), cas('b', 'x', undefined, '2', true, 2, 3)]).ok, false);
});

test('a write with no answer may have happened or not', () => {
  assert.ok(checkLinearizable([put('a', 'x', '1', 0), get('b', 'x', '1', 5, 6)]).ok);
  assert.ok(checkLinearizable([put('a', 'x', '1', 0), get('b', 'x', undefined, 5, 6)]).ok);
  // ...but not before it was sent.
  assert.equal(checkLinearizable([get('b', 'x', '1', 0, 1), put('a', 'x', '1', 5)]).ok, false);
});

/** Random histories of a real atomic register: each op takes effect at a random instant of its interval. */
function randomHistory(rng: Rng, clients: number, perClient: number, keys: string[]): HistoryOp[] {
  const plan: { h: HistoryOp; at: number }[] = [];
  for (let c = 0; c < clients; c++) {
    let t = rng.int(5);
    for (let i = 0; i < perClient; i++) {
      const call = t;
      const ret = call + 1 + rng.int(20);
      const key = rng.pick(keys);
      const r = rng.int(3);
      const op: HistoryOp['op'] = r === 0 ? { kind: 'get', key } : r === 1 ? { kind: 'put', key, value: `c${c}-${i}` } : { kind: 'cas', key, expect: rng.chance(0.5) ? undefined : `c${rng.int(clients)}-${rng.int(i + 1)}`, value: `c${c}-${i}` };
      plan.push({ h: { client: `c${c}`, op, call, ret }, at: call + rng.next() * (ret - call) });
      t = ret + rng.int(3);
    }
  }
  const kv = new Map<string, string>();
  for (const { h } of plan.sort((a, b) => a.at - b.at)) {
    const op = h.op;
    if (op.kind === 'get') h.output = { value: kv.get(op.key) };
    else if (op.kind === 'put') { kv.set(op.key, op.value); h.output = {}; }
    else { const ok = kv.get(op.key) === op.expect; if (ok) kv.set(op.key, op.value); h.output = { ok }; }
  }
  return plan.map((p) => p.h);
}

test('random histories of an atomic register pass; one corrupted read fails', () => {
  const rng = new Rng(42);
  let caught = 0;
  for (let i = 0; i < 200; i++) {
    const h = randomHistory(rng, 4, 15, ['a', 'b']);
    assert.ok(checkLinearizable(h).ok, `history ${i} of a real register was rejected`);
    const reads = h.filter((x) => x.op.kind === 'get');
    if (!reads.length) continue;
    rng.pick(reads).output = { value: 'never-written' };
    assert.equal(checkLinearizable(h).ok, false);
    caught++;
  }
  assert.ok(caught > 150);
});

test('5 clients x 400 operations on 3 keys are checked quickly', () => {
  const h = randomHistory(new Rng(7), 5, 400, ['a', 'b', 'c']);
  const t0 = Date.now();
  const r = checkLinearizable(h, { timeoutMs: 30_000 });
  console.log(`2,000 operations checked in ${Date.now() - t0} ms`);
  assert.ok(r.ok);
});
