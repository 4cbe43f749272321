import { Raft } from '../../../src/raft/core/raft.js';
import type { Entry, HardState, LoadedState, Message, RaftId, Ready, Snapshot } from '../../../src/raft/types.js';
import type { EventQueue } from './events.js';
import type { Rng } from './rng.js';

/** What survives a crash: only what a completed fsync wrote. */
export interface SimDisk {
  hardState: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
}

export interface KvCommand {
  op: 'put' | 'cas';
  key: string;
  value: string;
  expect?: string;
  /** Which client operation this is, to answer it once applied. */
  opId: number;
}

export interface NodeHooks {
  send(m: Message): void;
  /** Called for every entry this node applies, in order. */
  applied(node: SimNode, e: Entry): void;
  /** Called after each persisted ready, once its entries are on `node.disk`. */
  persisted(node: SimNode, rd: Ready): void;
  answer(opId: number, out: { value?: string; ok?: boolean } | 'failed'): void;
}

export interface SimConfig {
  electionTick: number;
  heartbeatTick: number;
  snapshotEvery: number;
  keepEntries: number;
  maxEntriesPerMsg: number;
  maxInflight: number;
  /** The slowest fsync, in ms: slow disks leave messages time to arrive mid-write. */
  fsyncMs: number;
}

/**
 * One member under simulation: the pure core plus a driver that mimics the
 * real one (persist with an fsync delay, then send, then apply, then advance)
 * and a key-value state machine.
 */
export class SimNode {
  core!: Raft;
  up = true;
  kv = new Map<string, string>();
  disk: SimDisk = { hardState: { term: 0, vote: '', commit: 0 }, entries: [] };
  /** Bumped on crash so stale callbacks of the old incarnation do nothing. */
  epoch = 0;
  private persisting = false;
  private proposals = new Map<number, { term: number; opId: number }>();
  private reads = new Map<string, number>();
  private readsWaiting: { index: number; opId: number; key: string }[] = [];
  private appliedSinceSnap = 0;

  private cfg: SimConfig;

  constructor(readonly id: RaftId, private q: EventQueue, private rng: Rng, cfg: SimConfig, private hooks: NodeHooks) {
    this.cfg = { ...cfg }; // each member hears of a settings change at its own time
    this.start();
  }

  private start() {
    const restore: LoadedState = {
      hardState: { ...this.disk.hardState },
      snapshot: this.disk.snapshot,
      entries: this.disk.entries.slice(),
    };
    this.core = new Raft({
      id: this.id, electionTick: this.cfg.electionTick, heartbeatTick: this.cfg.heartbeatTick,
      keepEntries: this.cfg.keepEntries, maxEntriesPerMsg: this.cfg.maxEntriesPerMsg, maxInflight: this.cfg.maxInflight,
      random: (n) => this.rng.int(n), restore,
    });
    this.kv = new Map(this.disk.snapshot ? (JSON.parse(this.disk.snapshot.data) as [string, string][]) : []);
  }

  bootstrap(voters: RaftId[]) {
    this.core.bootstrap(voters);
    this.drive();
  }

  crash() {
    this.up = false;
    this.epoch++;
    this.persisting = false;
    this.proposals.clear(); // their clients hear nothing: the outcome is unknown
    this.reads.clear();
    this.readsWaiting = [];
  }

  restart() {
    this.up = true;
    this.start();
    this.drive();
  }

  tick() {
    if (!this.up) return;
    this.core.tick();
    this.drive();
  }

  receive(m: Message) {
    if (!this.up) return;
    this.core.step(m);
    this.drive();
  }

  /** A client write; false when this node cannot take it (not the leader). */
  propose(cmd: KvCommand): boolean {
    if (!this.up) return false;
    try {
      const { index, term } = this.core.propose(JSON.stringify(cmd));
      this.proposals.set(index, { term, opId: cmd.opId });
    } catch {
      return false;
    }
    this.drive();
    return true;
  }

  read(opId: number, key: string): void {
    if (!this.up) return;
    const ctx = `${this.id}:${opId}`;
    this.reads.set(ctx, opId);
    this.readsWaiting.push({ index: -1, opId, key });
    this.core.readIndex(ctx);
    this.drive();
  }

  proposeConf(type: 'add' | 'remove', id: RaftId): boolean {
    if (!this.up) return false;
    try { this.core.proposeConfChange({ type, id }); } catch { return false; }
    this.drive();
    return true;
  }

  /** The cluster spec's Raft settings changed; a restart keeps them, as the store does. */
  retune(t: Pick<SimConfig, 'electionTick' | 'heartbeatTick' | 'keepEntries'>) {
    Object.assign(this.cfg, t);
    if (this.up) this.core.retune(t);
  }

  transfer(to: RaftId) {
    if (!this.up) return;
    this.core.transferLeader(to);
    this.drive();
  }

  /** Hands out the next ready, like the real driver: one at a time, fsync before sending. */
  private drive() {
    if (this.persisting || !this.up || !this.core.hasReady()) return;
    const rd = this.core.ready();
    const needsSync = rd.entries.length > 0 || !!rd.hardState || !!rd.snapshot;
    if (!needsSync) return this.finish(rd);
    this.persisting = true;
    const epoch = this.epoch;
    const fsync = (then: () => void) => this.q.after(this.rng.range(0, this.cfg.fsyncMs), () => {
      if (epoch === this.epoch) then(); // else crashed before the fsync returned: the write is lost
    });
    const rest = () => fsync(() => {
      this.writeDisk(rd);
      this.persisting = false;
      this.finish(rd);
    });
    // As RaftNode: the snapshot file first, then a WAL record; a crash may fall in between.
    if (rd.snapshot) fsync(() => { this.writeSnapshot(rd.snapshot!); rest(); });
    else rest();
  }

  /** A snapshot from the leader replaces the whole log (storage must not keep a tail that may conflict). */
  private writeSnapshot(s: Snapshot) {
    this.disk.snapshot = s;
    this.disk.entries = [];
  }

  private writeDisk(rd: Ready) {
    if (rd.entries.length) {
      const first = rd.entries[0].index;
      this.disk.entries = this.disk.entries.filter((e) => e.index < first).concat(rd.entries);
    }
    if (rd.hardState) this.disk.hardState = { ...rd.hardState };
  }

  private finish(rd: Ready) {
    this.hooks.persisted(this, rd);
    for (const m of rd.messages) this.hooks.send(m);
    if (rd.snapshot) {
      this.kv = new Map(JSON.parse(rd.snapshot.data) as [string, string][]);
    }
    for (const e of rd.committed) this.apply(e);
    for (const rs of rd.readStates) {
      const opId = this.reads.get(rs.context);
      if (opId === undefined) continue;
      this.reads.delete(rs.context);
      const w = this.readsWaiting.find((r) => r.opId === opId);
      if (w) w.index = rs.index;
    }
    this.core.advance(rd);
    this.answerReads();
    this.maybeSnapshot();
    this.drive();
  }

  private apply(e: Entry) {
    if (e.index <= this.core.log.applied) return;
    this.hooks.applied(this, e);
    if (e.type !== 'normal' || !e.data) return;
    const cmd = JSON.parse(e.data) as KvCommand;
    let ok = true;
    if (cmd.op === 'put') this.kv.set(cmd.key, cmd.value);
    else if (this.kv.get(cmd.key) === cmd.expect) this.kv.set(cmd.key, cmd.value);
    else ok = false;
    this.appliedSinceSnap++;
    const p = this.proposals.get(e.index);
    if (!p) return;
    this.proposals.delete(e.index);
    // Another entry at our index means ours was overwritten: it never committed.
    if (p.term === e.term) this.hooks.answer(p.opId, cmd.op === 'cas' ? { ok } : {});
    else this.hooks.answer(p.opId, 'failed');
  }

  private answerReads() {
    const applied = this.core.log.applied;
    this.readsWaiting = this.readsWaiting.filter((r) => {
      if (r.index < 0 || r.index > applied) return true;
      this.hooks.answer(r.opId, { value: this.kv.get(r.key) });
      return false;
    });
  }

  private maybeSnapshot() {
    if (this.appliedSinceSnap < this.cfg.snapshotEvery) return;
    this.appliedSinceSnap = 0;
    const snap = this.core.compact(this.core.log.applied, JSON.stringify([...this.kv]));
    // Written synchronously: the sim treats snapshot files as fsynced on return.
    this.disk.snapshot = snap;
    this.disk.entries = this.disk.entries.filter((e) => e.index > snap.meta.index);
  }
}
