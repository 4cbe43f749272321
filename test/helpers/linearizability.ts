/**
 * A linearizability checker for a key-value register model (Wing & Gong's
 * search with Lowe's memoization, as in Porcupine), run per key since a
 * key-value store is linearizable iff each key is.
 */

export type KvOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'get'; key: string }
  | { kind: 'cas'; key: string; expect: string | undefined; value: string };

export interface HistoryOp {
  client: string;
  op: KvOp;
  call: number;
  /** Undefined: no answer came (timeout, crash); it may or may not have happened. */
  ret?: number;
  output?: { value?: string; ok?: boolean };
}

export interface CheckResult {
  ok: boolean;
  key?: string;
  explanation?: string;
  timedOut?: boolean;
}

type State = string | undefined;

/** Applies op to state; undefined when the recorded output is impossible from that state. */
function step(state: State, h: HistoryOp): { state: State } | undefined {
  const op = h.op;
  if (op.kind === 'put') return { state: op.value };
  if (op.kind === 'get') return h.ret === undefined || h.output?.value === state ? { state } : undefined;
  const match = state === op.expect;
  if (h.ret !== undefined && (h.output?.ok ?? false) !== match) return undefined;
  return { state: match ? op.value : state };
}

interface Node {
  op: number;
  isCall: boolean;
  prev?: Node;
  next?: Node;
  match?: Node; // call ↔ return
}

export function checkLinearizable(history: HistoryOp[], opts: { timeoutMs?: number } = {}): CheckResult {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    if (h.op.kind === 'get' && h.ret === undefined) continue; // an unanswered read says nothing
    if (!byKey.has(h.op.key)) byKey.set(h.op.key, []);
    byKey.get(h.op.key)!.push(h);
  }
  for (const [key, ops] of byKey) {
    const r = checkKey(ops, deadline);
    if (r !== 'ok') {
      return r === 'timeout'
        ? { ok: false, timedOut: true, key, explanation: `checker ran out of time on ${ops.length} operations` }
        : { ok: false, key, explanation: r };
    }
  }
  return { ok: true };
}

function checkKey(ops: HistoryOp[], deadline: number): 'ok' | 'timeout' | string {
  // Events by time; at equal times calls first, so touching operations count as concurrent.
  const events: { t: number; op: number; isCall: boolean }[] = [];
  ops.forEach((h, i) => {
    events.push({ t: h.call, op: i, isCall: true });
    events.push({ t: h.ret ?? Infinity, op: i, isCall: false });
  });
  events.sort((a, b) => a.t - b.t || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false };
  let tail = head;
  const calls = new Map<number, Node>();
  for (const e of events) {
    const n: Node = { op: e.op, isCall: e.isCall, prev: tail };
    tail.next = n;
    tail = n;
    if (e.isCall) calls.set(e.op, n);
    else {
      n.match = calls.get(e.op);
      n.match!.match = n;
    }
  }

  const linearized = new Uint8Array(ops.length);
  const seen = new Set<string>();
  const stack: { node: Node; state: State }[] = [];
  let state: State = undefined;
  let entry = head.next;
  let best = 0;
  let iterations = 0;
  while (entry) {
    if (++iterations % 4096 === 0 && Date.now() > deadline) return 'timeout';
    if (entry.isCall) {
      const next = step(state, ops[entry.op]);
      if (next) {
        linearized[entry.op] = 1;
        const key = `${next.state ?? '\u0000'}|${linearized.join('')}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ node: entry, state });
          state = next.state;
          lift(entry);
          best = Math.max(best, stack.length);
          entry = head.next;
          continue;
        }
        linearized[entry.op] = 0;
      }
      entry = entry.next;
    } else {
      // Only unanswered writes are left: they simply never took effect.
      if (ops[entry.op].ret === undefined) return 'ok';
      const top = stack.pop();
      if (!top) return describe(ops, best);
      state = top.state;
      linearized[top.node.op] = 0;
      unlift(top.node);
      entry = top.node.next;
    }
  }
  return 'ok';
}

function lift(call: Node) {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node) {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function describe(ops: HistoryOp[], best: number): string {
  const answered = ops.filter((o) => o.ret !== undefined).length;
  return `no order of the ${ops.length} operations (${answered} answered) explains the results; at most ${best} could be ordered`;
}
