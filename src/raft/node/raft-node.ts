import { raftLeaderChanges, raftSnapshotLatency, secondsSince } from '../../metrics/registry.js';
import { logger } from '../../log.js';
import { checkTuning, ProposalError, Raft } from '../core/raft.js';
import type { ConfChange, Entry, Message, RaftId, RaftStorage, Ready } from '../types.js';

const log = logger('raft');

/** The application above Raft: applies committed data and snapshots its state. */

/** Longest run of entry applications without a yield to the event loop. */
const APPLY_SLICE_MS = 10;
export interface StateMachine {
  /** Applies one committed entry; the result goes to whoever proposed it. */
  apply(data: string, index: number): unknown;
  snapshot(): string;
  restore(data: string): void;
}

/** How to reach a member, carried in its 'add' ConfChange context. */
export interface Member {
  addr: string;
  nodeId: string;
}

export interface RaftNodeOptions {
  id: RaftId;
  storage: RaftStorage;
  sm: StateMachine;
  send(msgs: Message[]): void;
  tickMs: number;
  electionTick: number;
  heartbeatTick: number;
  snapshotEvery: number;
  keepEntries: number;
  /** Membership changed. */
  onMembers?(members: Map<RaftId, Member>): void;
  /** Called when this node starts leading (having applied everything before its term) or stops. */
  onLeadership?(leading: boolean, leader: RaftId): void;
  random?: (n: number) => number;
}

/** Raft settings the cluster spec may change at run time (swarmkit's RaftConfig). */
export interface RaftSettings {
  /** ElectionTick: ticks without a leader before an election, randomized in [e, 2e). */
  electionTick: number;
  /** HeartbeatTick: ticks between the leader's heartbeats; less than electionTick. */
  heartbeatTick: number;
  /** SnapshotInterval: applied entries between snapshots. */
  snapshotEvery: number;
  /** LogEntriesForSlowFollowers: entries kept behind a snapshot. */
  keepEntries: number;
  /** KeepOldSnapshots: snapshot files kept besides the newest. */
  keepOldSnapshots: number;
}

export class RaftError extends Error {
  constructor(readonly code: 'not-leader' | 'timeout' | 'dropped' | 'stopped' | 'conf', message: string) {
    super(message);
  }
}

interface Waiter {
  term: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Snapshot data as stored: the members' addresses with the application's state. */
interface SnapshotData {
  members: [RaftId, Member][];
  app: string;
}

/**
 * The members as a JSON line, then the application's text as it is: nesting
 * it in JSON would escape (and copy) every byte of a large store.
 */
function encodeSnapshotData(d: SnapshotData): string {
  return `${JSON.stringify(d.members)}\n${d.app}`;
}
function decodeSnapshotData(raw: string): SnapshotData {
  if (raw.startsWith('{')) return JSON.parse(raw) as SnapshotData; // the nested form of earlier snapshots
  const nl = raw.indexOf('\n');
  return { members: JSON.parse(raw.slice(0, nl)) as SnapshotData['members'], app: raw.slice(nl + 1) };
}

/**
 * Drives the pure core: ticks on a timer, persists each Ready (fsync) before
 * sending its messages, applies committed entries to the state machine,
 * answers proposers and readers, and takes snapshots.
 */
export class RaftNode {
  readonly core: Raft;
  readonly members = new Map<RaftId, Member>();
  private waiters = new Map<number, Waiter>();
  private reads = new Map<string, { resolve(): void; reject(e: Error): void; timer: NodeJS.Timeout; index?: number }>();
  private readSeq = 0;
  private ticker?: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  private lastSnapshotIndex = 0;
  private leading = false;

  private constructor(private o: RaftNodeOptions, core: Raft) {
    this.core = core;
  }

  /** Loads what storage has; `founders` bootstraps a brand-new cluster. */
  /**
   * Loads what storage has; `founders` bootstraps a brand-new cluster;
   * `known` are the members a joining node was told about (its log is empty).
   */
  static async start(o: RaftNodeOptions, founders?: (Member & { id: RaftId })[], known?: [RaftId, Member][]): Promise<RaftNode> {
    const loaded = await o.storage.open();
    const core = new Raft({
      id: o.id, electionTick: o.electionTick, heartbeatTick: o.heartbeatTick, keepEntries: o.keepEntries,
      random: o.random ?? ((n) => Math.floor(Math.random() * n)), restore: loaded,
    });
    const node = new RaftNode(o, core);
    if (core.discardedOnRestore) {
      log.error({ discarded: core.discardedOnRestore, after: core.log.lastIndex }, 'raft storage returned entries that cannot follow the log before them (stale entries replayed): ignored them');
    }
    if (loaded.snapshot) {
      const data = decodeSnapshotData(loaded.snapshot.data);
      for (const [id, m] of data.members) node.members.set(id, m);
      o.sm.restore(data.app);
      node.lastSnapshotIndex = loaded.snapshot.meta.index;
    }
    if (founders && core.log.lastIndex === 0) {
      core.bootstrap(founders.map((f) => ({ id: f.id, context: JSON.stringify({ addr: f.addr, nodeId: f.nodeId } satisfies Member) })));
      for (const f of founders) node.members.set(f.id, { addr: f.addr, nodeId: f.nodeId });
    }
    if (!node.members.size) for (const [id, m] of known ?? []) node.members.set(id, m);
    o.onMembers?.(node.members);
    node.ticker = setInterval(() => node.tick(), o.tickMs);
    node.kick();
    return node;
  }

  get leader(): RaftId { return this.core.leader; }
  /** The term and the highest index known committed (metrics). */
  get progress(): { term: number; commit: number } { const h = this.core.hardState(); return { term: h.term, commit: h.commit }; }
  get isLeader(): boolean { return this.core.role === 'leader'; }
  /** Leads and has applied everything committed before its term. */
  get isLeaderReady(): boolean { return this.leading; }

  step(m: Message): void {
    if (this.stopped) return;
    this.core.step(m);
    this.kick();
  }

  private tick() {
    this.core.tick();
    this.kick();
  }

  propose(data: string, timeoutMs: number): Promise<unknown> {
    return this.track(() => this.core.propose(data), timeoutMs);
  }

  proposeConfChange(cc: ConfChange, timeoutMs: number): Promise<unknown> {
    return this.track(() => this.core.proposeConfChange(cc), timeoutMs);
  }

  private track(fn: () => { index: number; term: number }, timeoutMs: number): Promise<unknown> {
    if (this.stopped) return Promise.reject(new RaftError('stopped', 'raft: node stopped'));
    let at: { index: number; term: number };
    try {
      at = fn();
    } catch (err) {
      if (err instanceof ProposalError) {
        return Promise.reject(new RaftError(err.reason === 'not-leader' || err.reason === 'transferring' ? 'not-leader' : 'conf', err.message));
      }
      throw err;
    }
    this.kick();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(at.index);
        reject(new RaftError('timeout', 'raft: the proposal was not committed in time'));
      }, timeoutMs);
      this.waiters.set(at.index, { term: at.term, resolve, reject, timer });
    });
  }

  /** Resolves once a read of the local state is linearizable (ReadIndex). */
  readBarrier(timeoutMs: number): Promise<void> {
    const ctx = `${this.o.id}-${++this.readSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        reject(new RaftError('timeout', 'raft: no quorum confirmed the read in time'));
      }, timeoutMs);
      this.reads.set(ctx, { resolve, reject, timer });
      this.core.readIndex(ctx);
      this.kick();
    });
  }

  /** Resolves once this node leads and has applied everything before its term. */
  async waitLeaderReady(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.leading) {
      if (Date.now() > end) throw new RaftError('timeout', 'raft: no leadership in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  transferLeadership(to: RaftId): void {
    this.core.transferLeader(to);
    this.kick();
  }

  /**
   * Applies new settings from the cluster spec; omitted ones stay. All are
   * checked before any changes (RangeError). Timing applies from the next
   * tick, snapshot settings from the next snapshot.
   */
  updateSettings(s: Partial<RaftSettings>): void {
    const core = { ...this.core.tuning, ...pick(s, 'electionTick', 'heartbeatTick', 'keepEntries') };
    checkTuning(core);
    const count = (name: string, v: number | undefined, min: number) => {
      if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new RangeError(`raft: ${name} must be an integer >= ${min} (got ${v})`);
    };
    count('snapshot interval', s.snapshotEvery, 1);
    count('old snapshots to keep', s.keepOldSnapshots, 0);
    this.core.retune(core);
    if (s.snapshotEvery !== undefined) this.o.snapshotEvery = s.snapshotEvery;
    if (s.keepOldSnapshots === undefined) return;
    if (this.o.storage.setKeepOldSnapshots) this.o.storage.setKeepOldSnapshots(s.keepOldSnapshots);
    else log.warn({ keepOldSnapshots: s.keepOldSnapshots }, 'raft storage cannot change how many old snapshots it keeps');
  }

  /** The settings in force (keepOldSnapshots lives in storage and is not echoed). */
  get settings(): Omit<RaftSettings, 'keepOldSnapshots'> {
    return { ...this.core.tuning, snapshotEvery: this.o.snapshotEvery };
  }

  reportUnreachable(id: RaftId): void {
    this.core.reportUnreachable(id);
  }

  /** Runs the Ready loop unless it already runs. */
  private kick() {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.loop().catch((err) => {
      log.error({ err: String(err?.stack ?? err) }, 'raft loop failed: stopping this node');
      this.stop().catch((e) => log.error({ err: String(e) }, 'stopping the raft node failed'));
    }).finally(() => {
      this.running = false;
      // Work that arrived after the loop's last look (a proposal from a microtask) must not wait for a tick.
      if (this.core.hasReady()) this.kick();
    });
  }

  private async loop() {
    while (!this.stopped && this.core.hasReady()) {
      const rd = this.core.ready();
      await this.handle(rd);
    }
  }

  private async handle(rd: Ready) {
    if (rd.snapshot) {
      await this.o.storage.saveSnapshot(rd.snapshot, true); // the core replaced its whole log with it
      this.restoreSnapshot(rd.snapshot.data);
      this.lastSnapshotIndex = rd.snapshot.meta.index;
    }
    if (rd.hardState || rd.entries.length) await this.o.storage.save(rd.hardState, rd.entries);
    if (this.stopped) return;
    // Only now is what these messages promise on disk.
    if (rd.messages.length) this.o.send(rd.messages);
    await this.applyInSlices(rd.committed);
    const reads = rd.readStates;
    this.core.advance(rd);
    for (const rs of reads) {
      const r = this.reads.get(rs.context);
      if (r) r.index = rs.index;
    }
    this.answerReads();
    this.updateLeading();
    await this.maybeSnapshot();
  }

  /**
   * Applies committed entries in order, yielding to the event loop when a
   * slice has run APPLY_SLICE_MS: a Ready can carry dozens of 200-change
   * entries, and the API and heartbeats share this loop. Each entry is applied
   * whole, so a read between slices sees the state after some entry.
   */
  private async applyInSlices(committed: Entry[]) {
    let sliceStart = performance.now();
    for (const e of committed) {
      if (performance.now() - sliceStart > APPLY_SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.stopped) return;
        sliceStart = performance.now();
      }
      this.apply(e);
    }
  }

  private restoreSnapshot(raw: string) {
    const data = decodeSnapshotData(raw);
    this.members.clear();
    for (const [id, m] of data.members) this.members.set(id, m);
    this.o.sm.restore(data.app);
    this.o.onMembers?.(this.members);
  }

  private apply(e: Entry) {
    let result: unknown;
    if (e.type === 'conf') {
      const cc = JSON.parse(e.data) as ConfChange;
      if (cc.type === 'add') {
        const m = cc.context ? (JSON.parse(cc.context) as Member) : this.members.get(cc.id);
        if (m) this.members.set(cc.id, m);
      } else {
        this.members.delete(cc.id);
      }
      this.o.onMembers?.(this.members);
    } else if (e.data) {
      result = this.o.sm.apply(e.data, e.index);
    }
    const w = this.waiters.get(e.index);
    if (!w) return;
    this.waiters.delete(e.index);
    clearTimeout(w.timer);
    // Another term's entry at our index means ours was overwritten and never committed.
    if (w.term === e.term) w.resolve(result);
    else w.reject(new RaftError('dropped', 'raft: the proposal was replaced by a new leader\'s entries'));
  }

  private answerReads() {
    const applied = this.core.log.applied;
    for (const [ctx, r] of this.reads) {
      if (r.index === undefined || r.index > applied) continue;
      this.reads.delete(ctx);
      clearTimeout(r.timer);
      r.resolve();
    }
  }

  private updateLeading() {
    const c = this.core;
    if (c.leader !== this.seenLeader) {
      if (c.leader) raftLeaderChanges.inc();
      this.seenLeader = c.leader;
    }
    const leading = c.role === 'leader' && c.log.term(c.log.applied) === c.term;
    if (leading !== this.leading) {
      this.leading = leading;
      this.o.onLeadership?.(leading, c.leader);
    }
  }

  /** Every snapshotEvery applied entries: snapshot the applied state and compact behind it. */
  private seenLeader?: RaftId;

  private async maybeSnapshot() {
    const applied = this.core.log.applied;
    if (applied - this.lastSnapshotIndex < this.o.snapshotEvery) return;
    const start = process.hrtime.bigint();
    const data: SnapshotData = { members: [...this.members], app: this.o.sm.snapshot() };
    const snap = this.core.compact(applied, encodeSnapshotData(data));
    this.lastSnapshotIndex = applied;
    await this.o.storage.saveSnapshot(snap);
    raftSnapshotLatency.observe(secondsSince(start));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    for (const w of this.waiters.values()) { clearTimeout(w.timer); w.reject(new RaftError('stopped', 'raft: node stopped')); }
    for (const r of this.reads.values()) { clearTimeout(r.timer); r.reject(new RaftError('stopped', 'raft: node stopped')); }
    this.waiters.clear();
    this.reads.clear();
    await this.o.storage.close();
  }
}

/** The keys of `o` among `keys` that are set. */
function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
