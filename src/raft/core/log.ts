import type { Entry, Snapshot } from '../types.js';

/**
 * The log as the core sees it: a compacted prefix (ending at `offset`, whose
 * term is kept), the entries after it, and how far they are stable (on disk),
 * committed and applied.
 */
export class RaftLog {
  offset = 0;
  offsetTerm = 0;
  entries: Entry[] = [];
  stabled = 0;
  committed = 0;
  applied = 0;
  /** The newest snapshot, sent to followers that need entries before offset. */
  snapshot?: Snapshot;
  /** A snapshot received from the leader and not yet persisted and applied. */
  unstableSnapshot?: Snapshot;

  get lastIndex(): number { return this.offset + this.entries.length; }
  get lastTerm(): number { return this.term(this.lastIndex)!; }
  get firstIndex(): number { return this.offset + 1; }

  /** The term of entry i, or undefined when it is compacted away or not there. */
  term(i: number): number | undefined {
    if (i === this.offset) return this.offsetTerm;
    if (i < this.offset || i > this.lastIndex) return undefined;
    return this.entries[i - this.offset - 1].term;
  }

  matchTerm(i: number, t: number): boolean { return this.term(i) === t; }

  /** Entries from lo through hi (inclusive), or undefined if lo is compacted. */
  slice(lo: number, hi: number): Entry[] | undefined {
    if (lo <= this.offset) return undefined;
    return this.entries.slice(lo - this.offset - 1, hi - this.offset);
  }

  append(entries: Entry[]): void {
    if (!entries.length) return;
    const after = entries[0].index - 1;
    if (after < this.committed) throw new Error(`raft: truncating committed entry ${after + 1} (committed ${this.committed})`);
    if (after < this.offset) throw new Error(`raft: append before the log's first index`);
    this.entries.length = after - this.offset;
    this.entries.push(...entries);
    if (this.stabled > after) this.stabled = after;
  }

  /**
   * A follower's append: skips entries it already has, cuts its log at the
   * first entry whose term differs, and appends the rest. Returns the index
   * of the last new entry.
   */
  maybeAppend(prevIndex: number, entries: Entry[]): number {
    let i = 0;
    while (i < entries.length) {
      const e = entries[i];
      const have = this.term(e.index);
      if (have === undefined && e.index <= this.offset) { i++; continue; } // already compacted: it was committed
      if (have !== e.term) break;
      i++;
    }
    if (i < entries.length) this.append(entries.slice(i));
    return prevIndex + entries.length;
  }

  commitTo(i: number): void {
    if (i > this.committed) this.committed = Math.min(i, this.lastIndex);
  }

  /** Marks entries stable up to i if they are still the ones that were written. */
  stableTo(i: number, t: number): void {
    if (this.term(i) === t && i > this.stabled) this.stabled = i;
  }

  unstable(): Entry[] { return this.entries.slice(this.stabled - this.offset); }

  nextCommitted(): Entry[] { return this.slice(this.applied + 1, this.committed) ?? []; }

  /** True when a candidate's last entry is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }

  /** Replaces everything with a snapshot received from the leader. */
  restore(s: Snapshot): void {
    this.offset = s.meta.index;
    this.offsetTerm = s.meta.term;
    this.entries = [];
    this.committed = s.meta.index;
    this.stabled = s.meta.index;
    this.snapshot = s;
    this.unstableSnapshot = s;
  }

  /** Drops entries up to `upTo` (already in a snapshot). */
  compactTo(upTo: number): void {
    if (upTo <= this.offset) return;
    if (upTo > this.applied) throw new Error(`raft: compacting past applied (${upTo} > ${this.applied})`);
    this.offsetTerm = this.term(upTo)!;
    this.entries = this.entries.slice(upTo - this.offset);
    this.offset = upTo;
  }
}
