import type { Message, RaftId } from '../../../src/raft/types.js';
import type { HistoryOp, KvOp } from '../../helpers/linearizability.js';
import { EventQueue } from './events.js';
import { Invariants } from './invariants.js';
import { Rng } from './rng.js';
import { SimNode, type SimConfig } from './sim-node.js';

export interface ScheduleResult {
  seed: number;
  size: number;
  error?: string;
  history: HistoryOp[];
  applied: number;
  acknowledged: number;
  events: string[];
}

const TICK_MS = 10;
const FAULT_MS = 3000;
const HEAL_MS = 2000;
const CLIENT_TIMEOUT_MS = 400;

/**
 * One seeded schedule: a cluster of `size` members under random faults
 * (loss, delay, duplication, reordering, partitions incl. one-way, crashes
 * that lose unsynced writes, membership changes, leadership transfers,
 * snapshots, Raft settings changed at run time), with clients writing and
 * reading all along, then a healing phase in which the cluster must make
 * progress again.
 */
export class SimCluster {
  readonly q = new EventQueue();
  readonly rng: Rng;
  readonly nodes = new Map<RaftId, SimNode>();
  private inv: Invariants;
  private error?: string;
  private blocked = new Set<string>(); // "from>to"
  private loss = 0;
  private dup = 0;
  private maxDelay = 10;
  private nextId = 0;
  private history: HistoryOp[] = [];
  private pending = new Map<number, HistoryOp>();
  private opSeq = 0;
  private leaderHint?: RaftId;
  private healing = false;
  /** While healing: the time of the last delivery scheduled on each link (FIFO). */
  private linkClock = new Map<string, number>();
  /** Entries applied when healing began: liveness means more get applied after. */
  private healMark = 0;
  readonly events: string[] = [];
  private cfg: SimConfig;

  constructor(readonly seed: number, readonly size: number) {
    this.rng = new Rng(seed);
    this.inv = new Invariants((msg) => { this.error ??= `${msg} (at ${this.q.now} ms)`; });
    this.cfg = {
      electionTick: 10, heartbeatTick: 1,
      snapshotEvery: this.rng.pick([5, 20, 1000]), keepEntries: this.rng.pick([0, 5, 50]),
      maxEntriesPerMsg: this.rng.pick([1, 4, 64]), maxInflight: this.rng.pick([1, 4, 256]),
      fsyncMs: this.rng.pick([3, 3, 30]),
    };
  }

  private newNode(): SimNode {
    const id = `n${++this.nextId}`;
    const node = new SimNode(id, this.q, this.rng, this.cfg, {
      send: (m) => this.deliver(m),
      applied: (n, e) => this.inv.applied(n, e),
      persisted: (n, rd) => this.inv.persisted(n, rd),
      answer: (opId, out) => this.answer(opId, out),
    });
    this.nodes.set(id, node);
    const tickLoop = () => {
      if (this.nodes.get(id) !== node) return; // removed for good
      node.tick();
      this.inv.checkNode(node);
      this.q.after(TICK_MS, tickLoop);
    };
    this.q.after(this.rng.range(1, TICK_MS), tickLoop);
    return node;
  }

  private note(s: string) { this.events.push(`${this.q.now}ms ${s}`); }

  private deliver(m: Message) {
    if (this.blocked.has(`${m.from}>${m.to}`)) return;
    if (!this.healing && this.rng.chance(this.loss)) return;
    const copies = !this.healing && this.rng.chance(this.dup) ? 2 : 1;
    const link = `${m.from}>${m.to}`;
    for (let i = 0; i < copies; i++) {
      // Healed links keep their order, as the real transport's stream per peer does: reordering is a fault of the
      // fault phase only (with one entry per append and a small window, a reordered link catches up too slowly to judge).
      let at = this.q.now + this.rng.range(1, this.maxDelay);
      if (this.healing) { at = Math.max(at, this.linkClock.get(link) ?? 0); this.linkClock.set(link, at); }
      this.q.at(at, () => {
        if (this.blocked.has(`${m.from}>${m.to}`)) return;
        const to = this.nodes.get(m.to);
        if (!to) return;
        to.receive(m);
        this.inv.checkNode(to);
      });
    }
  }

  // ---- clients ----

  private clientLoop(client: string) {
    if (this.error) return;
    const keys = ['a', 'b', 'c'];
    const key = this.rng.pick(keys);
    const r = this.rng.int(10);
    const op: KvOp = r < 4 ? { kind: 'get', key }
      : r < 8 ? { kind: 'put', key, value: `${client}-${this.opSeq + 1}` }
      : { kind: 'cas', key, expect: this.rng.chance(0.5) ? undefined : `c${this.rng.int(3)}-${this.rng.int(this.opSeq + 1)}`, value: `${client}-${this.opSeq + 1}` };
    const opId = ++this.opSeq;
    const h: HistoryOp = { client, op, call: this.q.now };
    this.pending.set(opId, h);
    const live = [...this.nodes.values()].filter((n) => n.up);
    const target = (this.leaderHint && this.nodes.get(this.leaderHint)?.up ? this.nodes.get(this.leaderHint) : undefined) ?? this.rng.pick(live);
    let accepted = false;
    if (target) {
      if (op.kind === 'get') {
        target.read(opId, op.key);
        accepted = true;
      } else {
        accepted = target.propose({ op: op.kind, key: op.key, value: op.value, expect: op.kind === 'cas' ? op.expect : undefined, opId });
      }
      if (!accepted) this.leaderHint = target.core.leader || undefined;
    }
    if (!accepted) {
      this.pending.delete(opId); // refused up front: it never happened
      this.q.after(this.rng.range(5, 30), () => this.clientLoop(client));
      return;
    }
    this.history.push(h);
    this.q.after(CLIENT_TIMEOUT_MS, () => {
      if (!this.pending.has(opId)) return;
      this.pending.delete(opId); // no answer: the outcome is unknown, ret stays undefined
      this.leaderHint = undefined;
      this.clientLoop(client);
    });
  }

  private answer(opId: number, out: { value?: string; ok?: boolean } | 'failed') {
    const h = this.pending.get(opId);
    if (!h) return;
    this.pending.delete(opId);
    if (out === 'failed') {
      this.history.splice(this.history.indexOf(h), 1); // overwritten before commit: it never happened
    } else {
      h.ret = this.q.now;
      h.output = out;
    }
    this.q.after(this.rng.range(0, 5), () => this.clientLoop(h.client));
  }

  // ---- faults ----

  private liveIds(): RaftId[] { return [...this.nodes.values()].filter((n) => n.up).map((n) => n.id); }
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) if (n.up && n.core.role === 'leader' && (!best || n.core.term > best.core.term)) best = n;
    return best;
  }

  private fault() {
    if (this.healing || this.error) return;
    const ids = [...this.nodes.keys()];
    const r = this.rng.int(100);
    if (r < 20) {
      this.blocked.clear();
      const side = new Set(this.rng.shuffle(ids.slice()).slice(0, this.rng.range(1, Math.floor(ids.length / 2))));
      const oneWay = this.rng.chance(0.3);
      for (const a of ids) for (const b of ids) {
        if (side.has(a) !== side.has(b) && (!oneWay || side.has(a))) this.blocked.add(`${a}>${b}`);
      }
      this.note(`partition ${[...side].join(',')}${oneWay ? ' (one-way out)' : ''}`);
    } else if (r < 35) {
      this.blocked.clear();
      this.note('heal');
    } else if (r < 55) {
      const up = ids.filter((id) => this.nodes.get(id)!.up);
      const down = ids.length - up.length;
      if (up.length && down < Math.floor((ids.length - 1) / 2) + 1) {
        const victim = this.rng.chance(0.5) ? (this.leader()?.id ?? this.rng.pick(up)) : this.rng.pick(up);
        const n = this.nodes.get(victim)!;
        n.crash();
        this.note(`crash ${victim}`);
        this.q.after(this.rng.range(20, 600), () => {
          if (this.nodes.get(victim) === n && !n.up) { n.restart(); this.note(`restart ${victim}`); }
        });
      }
    } else if (r < 65) {
      this.loss = this.rng.pick([0, 0.01, 0.05, 0.2]);
      this.dup = this.rng.pick([0, 0.02, 0.1]);
      this.maxDelay = this.rng.pick([5, 20, 80]);
      this.note(`network loss=${this.loss} dup=${this.dup} delay<=${this.maxDelay}`);
    } else if (r < 75) {
      this.changeMembership();
    } else if (r < 82) {
      const l = this.leader();
      const others = l ? [...l.core.voters].filter((v) => v !== l.id) : [];
      if (l && others.length) {
        const to = this.rng.pick(others);
        l.transfer(to);
        this.note(`transfer ${l.id} -> ${to}`);
      }
    } else if (r < 86) {
      this.retune();
    }
  }

  /**
   * A cluster spec update of the Raft settings, reaching each member at its
   * own time. Election timeouts stay at 10+ ticks: with a 3-tick fsync on
   * every Ready, 5 ticks is a misconfiguration whose leaders flap (check-quorum).
   */
  private retune() {
    const t = { heartbeatTick: this.rng.pick([1, 2, 3]), electionTick: this.rng.pick([10, 15, 20]), keepEntries: this.rng.pick([0, 5, 50]) };
    Object.assign(this.cfg, t); // members added later start with it
    for (const n of this.nodes.values()) this.q.after(this.rng.range(0, 300), () => n.retune(t));
    this.note(`retune election=${t.electionTick} heartbeat=${t.heartbeatTick} keep=${t.keepEntries}`);
  }

  /** Removes a member (never reusing its ID) and adds a fresh one in its place. */
  private changeMembership() {
    const l = this.leader();
    if (!l) return;
    const voters = [...l.core.voters];
    if (voters.length > this.size) return;
    if (voters.length === this.size) {
      const victim = this.rng.pick(voters);
      if (l.proposeConf('remove', victim)) {
        this.note(`propose remove ${victim}`);
        this.shutDownOnceRemoved(victim);
      }
    } else {
      const fresh = this.newNode();
      if (l.proposeConf('add', fresh.id)) this.note(`propose add ${fresh.id}`);
      else { this.nodes.delete(fresh.id); }
    }
  }

  /** A removed member is shut down once the leader has applied its removal. */
  private shutDownOnceRemoved(id: RaftId) {
    const check = () => {
      if (this.error) return;
      const n = this.nodes.get(id);
      if (!n) return;
      const l = this.leader();
      if (l && !l.core.voters.has(id) && l.core.removed.has(id)) {
        n.crash();
        this.nodes.delete(id);
        this.note(`removed ${id}`);
        return;
      }
      this.q.after(50, check);
    };
    this.q.after(50, check);
  }

  run(): ScheduleResult {
    const founders = Array.from({ length: this.size }, () => this.newNode());
    for (const n of founders) n.bootstrap(founders.map((f) => f.id));
    for (const c of ['c1', 'c2', 'c3']) this.q.after(this.rng.range(0, 50), () => this.clientLoop(c));
    const faultLoop = () => {
      if (this.q.now > FAULT_MS) return;
      this.fault();
      this.q.after(this.rng.range(50, 400), faultLoop);
    };
    this.q.after(200, faultLoop);
    this.q.at(FAULT_MS, () => this.heal());
    while (!this.error && this.q.runOne(FAULT_MS + HEAL_MS)) { /* run */ }
    if (!this.error) this.checkProgress();
    return {
      seed: this.seed, size: this.size, error: this.error, history: this.history,
      applied: this.inv.appliedLog.length,
      acknowledged: this.history.filter((h) => h.ret !== undefined && h.op.kind !== 'get').length,
      events: this.events,
    };
  }

  private heal() {
    this.healing = true;
    this.blocked.clear();
    this.maxDelay = 10;
    for (const n of this.nodes.values()) if (!n.up) n.restart();
    this.note('heal all');
    this.healMark = this.inv.appliedLog.length;
  }

  /** Liveness after healing: one leader, new writes applied, every member caught up. */
  private checkProgress() {
    const l = this.leader();
    if (!l) { this.error = `no leader ${HEAL_MS} ms after healing`; return; }
    if (this.inv.appliedLog.length <= this.healMark) { this.error = 'no write was applied after healing'; return; }
    const target = l.core.log.committed;
    for (const id of l.core.voters) {
      const n = this.nodes.get(id);
      if (n && n.core.log.applied + 200 < target) this.error = `${id} is far behind after healing (${n.core.log.applied} < ${target})`;
    }
  }
}
