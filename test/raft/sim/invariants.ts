import type { Entry, HardState, RaftId, Ready } from '../../../src/raft/types.js';
import type { SimNode } from './sim-node.js';

/**
 * The Raft safety properties, checked as the simulation runs:
 * election safety, log matching, leader completeness, state machine safety.
 */
export class Invariants {
  private leaderOfTerm = new Map<number, RaftId>();
  /** Every (index, term) ever written anywhere: its data and its predecessor's term. */
  private entryAt = new Map<string, { data: string; prevTerm: number | undefined }>();
  /** The one sequence every node must apply. */
  readonly appliedLog: Entry[] = [];
  /** Each node's durable hard state, as last written. */
  private hardStates = new Map<RaftId, HardState>();

  constructor(private fail: (msg: string) => void) {}

  /** After each step of a node. */
  checkNode(n: SimNode): void {
    const c = n.core;
    if (c.role !== 'leader') return;
    const seen = this.leaderOfTerm.get(c.term);
    if (seen === undefined) {
      this.leaderOfTerm.set(c.term, c.id);
      this.checkLeaderCompleteness(n);
    } else if (seen !== c.id) {
      this.fail(`election safety: ${seen} and ${c.id} both lead term ${c.term}`);
    }
  }

  /** A new leader's log holds every entry committed before its term. */
  private checkLeaderCompleteness(n: SimNode) {
    const log = n.core.log;
    for (let i = log.offset + 1; i <= this.appliedLog.length; i++) {
      const want = this.appliedLog[i - 1];
      if (log.term(i) !== want.term) {
        this.fail(`leader completeness: leader ${n.id} of term ${n.core.term} lacks committed entry ${i} (term ${want.term}, has ${log.term(i)})`);
        return;
      }
    }
  }

  /**
   * Log matching, incrementally: an (index, term) pair always carries the
   * same data after the same predecessor term, so equal pairs imply equal
   * prefixes. Judged on the disk the entries landed in, not on the live log:
   * while the fsync ran, a newer leader may already have cut the live log
   * (etcd's stableTo ignores such a write for the same reason), and the next
   * write then replaces the disk's tail.
   */
  persisted(n: SimNode, rd: Ready): void {
    if (rd.hardState) this.durableVote(n.id, rd.hardState);
    if (!rd.entries.length) return;
    const disk = n.disk;
    const snapAt = disk.snapshot?.meta.index ?? 0;
    const first = disk.entries.length ? disk.entries[0].index : snapAt + 1;
    const termOnDisk = (i: number): number | undefined =>
      i === snapAt ? (disk.snapshot?.meta.term ?? 0) : i >= first ? disk.entries[i - first]?.term : undefined;
    if (first !== snapAt + 1) this.fail(`disk of ${n.id}: entries start at ${first}, snapshot ends at ${snapAt}`);
    for (const e of rd.entries) {
      const key = `${e.index}/${e.term}`;
      const prevTerm = termOnDisk(e.index - 1);
      if (disk.entries[e.index - first] !== e) this.fail(`disk of ${n.id}: entry ${key} not where it was written`);
      if (prevTerm === undefined && e.index - 1 > snapAt) this.fail(`disk of ${n.id}: gap before entry ${key}`);
      if (prevTerm !== undefined && prevTerm > e.term) this.fail(`disk of ${n.id}: entry ${key} follows term ${prevTerm}`);
      const known = this.entryAt.get(key);
      if (!known) {
        this.entryAt.set(key, { data: e.data, prevTerm });
        continue;
      }
      if (known.data !== e.data) this.fail(`log matching: entry ${key} on ${n.id} has different data`);
      if (known.prevTerm !== undefined && prevTerm !== undefined && known.prevTerm !== prevTerm) {
        this.fail(`log matching: entry ${key} on ${n.id} follows term ${prevTerm}, elsewhere ${known.prevTerm}`);
      }
    }
  }

  /**
   * One vote per term, across crashes: the durable term never goes back,
   * and a vote on disk is never replaced within its term.
   */
  private durableVote(id: RaftId, hs: HardState) {
    const was = this.hardStates.get(id);
    this.hardStates.set(id, hs);
    if (!was) return;
    if (hs.term < was.term) this.fail(`durable state of ${id}: term went back from ${was.term} to ${hs.term}`);
    if (hs.term === was.term && was.vote && hs.vote !== was.vote) this.fail(`durable state of ${id}: vote in term ${hs.term} changed from ${was.vote} to ${hs.vote}`);
    if (hs.commit < was.commit) this.fail(`durable state of ${id}: commit went back from ${was.commit} to ${hs.commit}`);
  }

  /** State machine safety: the i-th applied entry is the same on every node. */
  applied(n: SimNode, e: Entry): void {
    const want = this.appliedLog[e.index - 1];
    if (!want) {
      if (e.index !== this.appliedLog.length + 1) {
        this.fail(`state machine safety: ${n.id} applied ${e.index} before anyone applied ${this.appliedLog.length + 1}`);
      }
      this.appliedLog[e.index - 1] = e;
      return;
    }
    if (want.term !== e.term || want.data !== e.data) {
      this.fail(`state machine safety: ${n.id} applied ${e.index}/${e.term}, others applied ${want.index}/${want.term}`);
    }
  }
}
