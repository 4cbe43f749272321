import type { Entry, RaftId, Ready } from '../../../src/raft/types.js';
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
   * same data after the same predecessor term, so equal pairs imply equal prefixes.
   */
  persisted(n: SimNode, rd: Ready): void {
    for (const e of rd.entries) {
      const key = `${e.index}/${e.term}`;
      const prevTerm = n.core.log.term(e.index - 1);
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
