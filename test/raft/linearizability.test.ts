import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable, HistoryRecorder, type HistoryOp, type KvOp } from '../helpers/linearizability.js';
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

/**
 * Random histories of a real atomic register: each op takes effect at a random
 * instant of its interval. With lostRate, an answer is lost: the op then took
 * effect (any time later) or never, and the client moves on.
 */
function randomHistory(rng: Rng, clients: number, perClient: number, keys: string[], lostRate = 0): HistoryOp[] {
  const plan: { h: HistoryOp; at: number }[] = [];
  for (let c = 0; c < clients; c++) {
    let t = rng.int(5);
    for (let i = 0; i < perClient; i++) {
      const call = t;
      const ret = call + 1 + rng.int(20);
      const key = rng.pick(keys);
      const r = rng.int(3);
      const op: HistoryOp['op'] = r === 0 ? { kind: 'get', key } : r === 1 ? { kind: 'put', key, value: `c${c}-${i}` } : { kind: 'cas', key, expect: rng.chance(0.5) ? undefined : `c${rng.int(clients)}-${rng.int(i + 1)}`, value: `c${c}-${i}` };
      const lost = rng.chance(lostRate);
      const at = !lost ? call + rng.next() * (ret - call) : rng.chance(0.5) ? call + rng.next() * 200 : Infinity;
      plan.push({ h: { client: `c${c}`, op, call, ret: lost ? undefined : ret }, at });
      t = ret + rng.int(3);
    }
  }
  const kv = new Map<string, string>();
  for (const { h, at } of plan.sort((a, b) => a.at - b.at)) {
    if (at === Infinity) break;
    const op = h.op;
    if (op.kind === 'get') h.output = { value: kv.get(op.key) };
    else if (op.kind === 'put') { kv.set(op.key, op.value); h.output = {}; }
    else { const ok = kv.get(op.key) === op.expect; if (ok) kv.set(op.key, op.value); h.output = { ok }; }
  }
  for (const { h } of plan) if (h.ret === undefined) delete h.output; // the client never saw it
  return plan.map((p) => p.h).sort((a, b) => a.call - b.call);
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
  const h = randomHistory(new Rng(7), 5, 400, ['a', 'b', 'c'], 0.05);
  const t0 = Date.now();
  const r = checkLinearizable(h, { timeoutMs: 30_000 });
  console.log(`2,000 operations checked in ${Date.now() - t0} ms`);
  assert.ok(r.ok);
});

test('random histories with lost answers pass; one corrupted read fails', () => {
  const rng = new Rng(1234);
  for (let i = 0; i < 200; i++) {
    const h = randomHistory(rng, 4, 15, ['a', 'b'], 0.2);
    const r = checkLinearizable(h);
    assert.ok(r.ok, `history ${i} of a real register was rejected: ${r.explanation}`);
    const reads = h.filter((x) => x.op.kind === 'get' && x.ret !== undefined);
    if (!reads.length) continue;
    rng.pick(reads).output = { value: 'never-written' };
    assert.equal(checkLinearizable(h).ok, false);
  }
});

test('unanswered cas may have applied or not; failed cas observes a hidden write', () => {
  assert.ok(checkLinearizable([put('a', 'x', '1', 0, 1), cas('b', 'x', '1', '2', false, 2), get('c', 'x', '2', 5, 6)]).ok);
  assert.ok(checkLinearizable([put('a', 'x', '1', 0, 1), cas('b', 'x', '1', '2', false, 2), get('c', 'x', '1', 5, 6)]).ok);
  // The cas failed, so the unanswered put of 2 (never read) must have happened before it.
  assert.ok(checkLinearizable([put('a', 'x', '1', 0, 1), put('b', 'x', '2', 2), cas('c', 'x', '1', '3', false, 5, 6)]).ok);
  assert.equal(checkLinearizable([put('a', 'x', '1', 0, 1), cas('c', 'x', '1', '3', false, 5, 6), put('b', 'x', '2', 7)]).ok, false);
  assert.equal(checkLinearizable([cas('c', 'x', undefined, '3', false, 0, 1), put('b', 'x', '2', 7)]).ok, false);
});

test('keys are independent and the explanation names the culprit', () => {
  const r = checkLinearizable([
    put('a', 'x', '1', 0, 1), put('a', 'y', '1', 0, 1),
    put('a', 'y', '2', 2, 3), get('b', 'x', '1', 4, 5), get('b', 'y', '1', 6, 7),
  ]);
  assert.equal(r.ok, false);
  assert.equal(r.key, 'y');
  assert.match(r.explanation!, /b get → "1" \[6, 7\]/);
  assert.equal(r.timedOut, undefined);
});

test('a search that runs out of time says so and does not pass', () => {
  // 22 concurrent unanswered writes, each read once in turn, then a read of a value nobody wrote:
  // every subset of the writes that were overwritten unseen is a distinct search state.
  const h: HistoryOp[] = [];
  for (let i = 0; i < 22; i++) h.push(put(`w${i}`, 'x', `v${i}`, 0));
  for (let i = 0; i < 22; i++) h.push(get('r', 'x', `v${i}`, 10 + 2 * i, 11 + 2 * i));
  h.push(get('r', 'x', 'nobody', 100, 101));
  const r = checkLinearizable(h, { timeoutMs: 50 });
  assert.deepEqual([r.ok, r.timedOut, r.key], [false, true, 'x']);
});

test('HistoryRecorder records answers, lost answers and open calls', () => {
  const rec = new HistoryRecorder();
  const p = rec.invoke('a', { kind: 'put', key: 'x', value: '1' }, 0);
  const g = rec.invoke('b', { kind: 'get', key: 'x' }, 1);
  const c = rec.invoke('c', { kind: 'cas', key: 'x', expect: '1', value: '2' }, 2);
  rec.invoke('d', { kind: 'put', key: 'x', value: '3' }, 3); // still open at the end
  rec.ok(p, {}, 4);
  rec.ok(g, { value: '1' }, 5);
  rec.unknown(c);
  assert.throws(() => rec.ok(c, { ok: true }, 6));
  assert.throws(() => rec.ok(g, { value: '1' }, 6));
  const h = rec.history();
  assert.deepEqual(h.map((x) => [x.client, x.call, x.ret]), [['a', 0, 4], ['b', 1, 5], ['c', 2, undefined], ['d', 3, undefined]]);
  assert.deepEqual(h[1].output, { value: '1' });
  assert.ok(checkLinearizable(h).ok);
  h[1].output = { value: '9' }; // copies: the recorder keeps its own
  assert.deepEqual(rec.history()[1].output, { value: '1' });
});

/** Reference answer by brute force: every subset of the unanswered ops, every order that respects real time. */
function bruteForce(h: HistoryOp[]): boolean {
  const ops = h.filter((x) => !(x.op.kind === 'get' && x.ret === undefined));
  const n = ops.length;
  const used = new Array<boolean>(n).fill(false);
  const fits = (i: number) => ops.every((o, j) => used[j] || j === i || o.ret === undefined || o.ret >= ops[i].call);
  const search = (kv: Map<string, string>): boolean => {
    if (ops.every((o, j) => used[j] || o.ret === undefined)) return true;
    for (let i = 0; i < n; i++) {
      if (used[i] || !fits(i)) continue;
      const { op, output, ret } = ops[i];
      const next = new Map(kv);
      if (op.kind === 'get') { if (output?.value !== kv.get(op.key)) continue; }
      else if (op.kind === 'put') next.set(op.key, op.value);
      else {
        const match = kv.get(op.key) === op.expect;
        if (ret !== undefined && match !== !!output?.ok) continue;
        if (match) next.set(op.key, op.value);
      }
      used[i] = true;
      const found = search(next);
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(new Map());
}

test('agrees with brute force on small random histories', () => {
  const rng = new Rng(99);
  const vals = [undefined, '1', '2'];
  let good = 0;
  for (let i = 0; i < 5000; i++) {
    const h: HistoryOp[] = [];
    for (let j = 0, n = 2 + rng.int(6); j < n; j++) {
      const key = rng.pick(['x', 'x', 'y']);
      const call = rng.int(10);
      const ret = rng.chance(0.2) ? undefined : call + rng.int(5);
      const r = rng.int(3);
      // '3' is written but never read or expected: lost writes of it exercise the pruning.
      const op: KvOp = r === 0 ? { kind: 'get', key } : r === 1 ? { kind: 'put', key, value: rng.pick(['1', '2', '3']) }
        : { kind: 'cas', key, expect: rng.pick(vals), value: rng.pick(['1', '2', '3']) };
      h.push({ client: `c${j}`, op, call, ret, output: op.kind === 'get' ? { value: rng.pick(vals) } : op.kind === 'cas' ? { ok: rng.chance(0.5) } : {} });
    }
    const want = bruteForce(h);
    assert.equal(checkLinearizable(h).ok, want, `history ${i}: ${JSON.stringify(h)}`);
    if (want) good++;
  }
  console.log(`brute-force cross-check: ${good} of 5000 random histories linearizable`);
  assert.ok(good > 500 && good < 4500);
});
