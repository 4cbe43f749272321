/**
 * A linearizability checker for a key-value register model: Wing & Gong's
 * search with Lowe's just-in-time linearization and memoization of
 * (linearized set, state), as in Porcupine and Knossos. Keys are checked one
 * by one, since a key-value store is linearizable iff each key is.
 */

export type KvOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'get'; key: string }
  | { kind: 'cas'; key: string; expect: string | undefined; value: string };

export interface HistoryOp {
  client: string;
  op: KvOp;
  call: number;
  /** Undefined: no answer came (timeout, crash); it may have taken effect at any time after call, or never. */
  ret?: number;
  /** get → value (undefined = absent); cas → ok; put → nothing. */
  output?: { value?: string; ok?: boolean };
}

export interface CheckResult {
  ok: boolean;
  /** When !ok: the key whose history has no linearization (or that ran out of time). */
  key?: string;
  explanation?: string;
  /** The search hit opts.timeoutMs: nothing is proven either way, so ok is false and callers decide. */
  timedOut?: boolean;
}

export function checkLinearizable(history: HistoryOp[], opts: { timeoutMs?: number } = {}): CheckResult {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    if (h.ret !== undefined && h.ret < h.call) throw new RangeError(`operation of ${h.client} returns (${h.ret}) before it is called (${h.call})`);
    if (h.op.kind === 'get' && h.ret === undefined) continue; // an unanswered read says nothing
    let ops = byKey.get(h.op.key);
    if (!ops) byKey.set(h.op.key, (ops = []));
    ops.push(h);
  }
  for (const [key, ops] of byKey) {
    const r = checkKey(pruneUnobservedWrites(ops), deadline);
    if (r === 'ok') continue;
    if (r === 'timeout') return { ok: false, timedOut: true, key, explanation: `checker ran out of time on the ${ops.length} operations of key ${JSON.stringify(key)}` };
    return { ok: false, key, explanation: r };
  }
  return { ok: true };
}

/** Records a client history as operations are sent and answered. */
export class HistoryRecorder {
  private ops: HistoryOp[] = [];
  private open = new Set<number>();

  /** Call when the request is sent; returns a handle for ok()/unknown(). */
  invoke(client: string, op: KvOp, now: number): number {
    this.ops.push({ client, op: { ...op }, call: now });
    this.open.add(this.ops.length - 1);
    return this.ops.length - 1;
  }

  /** The answer arrived: get → {value}, cas → {ok}, put → {}. */
  ok(handle: number, output: { value?: string; ok?: boolean } = {}, now: number): void {
    const h = this.close(handle);
    if (now < h.call) throw new RangeError(`answer at ${now} precedes the call at ${h.call}`);
    h.ret = now;
    h.output = { ...output };
  }

  /** No answer (timeout, connection lost): the operation may or may not have taken effect. */
  unknown(handle: number): void {
    this.close(handle);
  }

  /** Operations still open count as unknown. Returns copies. */
  history(): HistoryOp[] {
    return this.ops.map((h) => ({ ...h, op: { ...h.op }, ...(h.output ? { output: { ...h.output } } : {}) }));
  }

  private close(handle: number): HistoryOp {
    if (!this.open.delete(handle)) throw new Error(`operation ${handle} is unknown or already resolved`);
    return this.ops[handle];
  }
}

/**
 * Drops unanswered writes whose value nobody could have observed: they can
 * only matter by being seen, so "never happened" explains the history as well
 * as any placement (proof sketch: in a linearization, the ops between such a
 * write and the next write observe nothing of it). Without this, every
 * timed-out write stays concurrent with the rest of the history and the
 * search space doubles per write. A failed cas does observe "not e"; if e may
 * be the value the dropped write hid, the rule is unsound, so we skip it then.
 */
function pruneUnobservedWrites(ops: HistoryOp[]): HistoryOp[] {
  const seen = new Set<string | undefined>();
  const written = new Set<string>();
  for (const h of ops) {
    if (h.op.kind === 'get') seen.add(h.output?.value);
    else {
      written.add(h.op.value);
      if (h.op.kind === 'cas') seen.add(h.op.expect);
    }
  }
  const riskyFailedCas = ops.some((h) => h.op.kind === 'cas' && h.ret !== undefined && !h.output?.ok && (h.op.expect === undefined || written.has(h.op.expect)));
  if (riskyFailedCas) return ops;
  return ops.filter((h) => h.ret !== undefined || h.op.kind === 'get' || seen.has(h.op.value));
}

// ---- the search, for one key ----

interface Node {
  op: number; // -1 for the list head
  isCall: boolean;
  prev?: Node;
  next?: Node;
  match?: Node; // call ↔ its return
}

const GET = 0, PUT = 1, CAS = 2;
const FAIL = -1;

function checkKey(ops: HistoryOp[], deadline: number): 'ok' | 'timeout' | string {
  const n = ops.length;
  // States are interned values; 0 is "absent". Per op: kind, a (value / expected), b (new value), ok.
  const ids = new Map<string, number>();
  const intern = (v: string | undefined) => {
    if (v === undefined) return 0;
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size + 1));
    return id;
  };
  const kind = new Int8Array(n), a = new Int32Array(n), b = new Int32Array(n), okOut = new Uint8Array(n);
  ops.forEach((h, i) => {
    const op = h.op;
    if (op.kind === 'get') { kind[i] = GET; a[i] = intern(h.output?.value); }
    else if (op.kind === 'put') { kind[i] = PUT; b[i] = intern(op.value); }
    else { kind[i] = CAS; a[i] = intern(op.expect); b[i] = intern(op.value); okOut[i] = h.output?.ok ? 1 : 0; }
  });
  /** The state after op i, or FAIL when its recorded output is impossible from state s. */
  const step = (s: number, i: number): number => {
    if (kind[i] === PUT) return b[i];
    if (kind[i] === GET) return a[i] === s ? s : FAIL;
    const match = a[i] === s;
    if (ops[i].ret === undefined) return match ? b[i] : s; // unknown cas: whatever happened is fine
    return match === (okOut[i] === 1) ? (match ? b[i] : s) : FAIL;
  };

  const head = buildEventList(ops);

  // Memo of visited (linearized set, state): Zobrist hash → entries, compared exactly on collision.
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const zobrist = new Uint32Array(n);
  let seed = 0x2545f491;
  for (let i = 0; i < n; i++) zobrist[i] = seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  let hash = 0;
  const cache = new Map<number, { bits: Uint32Array; state: number }[]>();
  const visit = (state: number): boolean => {
    const k = (hash ^ Math.imul(state + 1, 0x9e3779b1)) >>> 0;
    let bucket = cache.get(k);
    if (!bucket) cache.set(k, (bucket = []));
    else if (bucket.some((e) => e.state === state && e.bits.every((w, j) => w === bits[j]))) return false;
    bucket.push({ bits: bits.slice(), state });
    return true;
  };
  const flip = (i: number) => { bits[i >>> 5] ^= 1 << (i & 31); hash ^= zobrist[i]; };

  const stack: { node: Node; state: number }[] = [];
  let state = 0;
  let entry = head.next;
  let iterations = 0;
  // For the explanation: the deepest point where an answered op could not be placed.
  let worst: { depth: number; blocked: number; before: number[]; state: number } | undefined;
  while (entry) {
    if ((++iterations & 4095) === 0 && Date.now() > deadline) return 'timeout';
    if (entry.isCall) {
      const next = step(state, entry.op);
      if (next !== FAIL) {
        flip(entry.op);
        if (visit(next)) {
          stack.push({ node: entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        flip(entry.op);
      }
      entry = entry.next;
    } else {
      // Unanswered returns sort last, so every answered op is placed: the rest never took effect.
      if (ops[entry.op].ret === undefined) return 'ok';
      if (!worst || stack.length > worst.depth) {
        worst = { depth: stack.length, blocked: entry.op, before: stack.slice(-4).map((s) => s.node.op), state };
      }
      const top = stack.pop();
      if (!top) return explain(ops, ids, worst!);
      state = top.state;
      flip(top.node.op);
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return 'ok';
}

function explain(ops: HistoryOp[], ids: Map<string, number>, w: { depth: number; blocked: number; before: number[]; state: number }): string {
  const names = new Map([...ids].map(([v, id]) => [id, v]));
  const show = (s: number) => (s === 0 ? 'absent' : JSON.stringify(names.get(s)));
  const prefix = w.before.length ? `after the longest consistent order of ${w.depth} ops, ending ${w.before.map((i) => describeOp(ops[i])).join('; ')} (value then ${show(w.state)})` : 'with the initial (absent) value';
  return `${prefix}, no op can be ordered before ${describeOp(ops[w.blocked])} returned so that its result holds`;
}

/** Call and return events sorted by time, as a doubly linked list; calls first at equal times, so touching ops count as concurrent. */
function buildEventList(ops: HistoryOp[]): Node {
  const events: { t: number; op: number; isCall: boolean }[] = [];
  ops.forEach((h, i) => {
    events.push({ t: h.call, op: i, isCall: true });
    events.push({ t: h.ret ?? Infinity, op: i, isCall: false });
  });
  events.sort((x, y) => x.t - y.t || (x.isCall === y.isCall ? 0 : x.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false };
  let tail = head;
  const calls: Node[] = [];
  for (const e of events) {
    const node: Node = { op: e.op, isCall: e.isCall, prev: tail };
    tail = tail.next = node;
    if (e.isCall) calls[e.op] = node;
    else (node.match = calls[e.op]).match = node;
  }
  return head;
}

/** Removes a call and its return from the list (the op is now linearized). */
function lift(call: Node) {
  const ret = call.match!;
  call.prev!.next = call.next;
  call.next!.prev = call.prev; // a call always has a later node: its return
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Undoes lift: return first, then call, the reverse order of removal. */
function unlift(call: Node) {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

function describeOp(h: HistoryOp): string {
  const op = h.op;
  const v = (s: string | undefined) => (s === undefined ? 'absent' : JSON.stringify(s));
  const what = op.kind === 'get' ? `get → ${v(h.output?.value)}`
    : op.kind === 'put' ? `put ${v(op.value)}`
    : `cas ${v(op.expect)}→${v(op.value)}${h.ret === undefined ? '' : h.output?.ok ? ' ok' : ' failed'}`;
  return `${h.client} ${what} [${h.call}, ${h.ret ?? '∞'}]`;
}
