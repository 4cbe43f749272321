/**
 * The leader's view of one follower. `probe`: one append at a time until
 * the follower's position is known; `replicate`: stream appends, at most
 * maxInflight unacknowledged; `snapshot`: wait for the snapshot to land.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** probe: an append is out and unanswered. */
  paused = false;
  /** The index of the snapshot being sent, in state snapshot. */
  pendingSnapshot = 0;
  /** Election timeouts spent waiting for the snapshot's answer. */
  snapshotRounds = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  /** Last index of each append in flight, oldest first (replicate). */
  private inflight: number[] = [];

  constructor(next: number, private maxInflight: number) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot, resume from what it covered.
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.reset('probe');
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.reset('replicate');
  }

  becomeSnapshot(index: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = index;
  }

  private reset(state: ProgressState) {
    this.state = state;
    this.paused = false;
    this.pendingSnapshot = 0;
    this.snapshotRounds = 0;
    this.inflight = [];
  }

  /** An acknowledgement up to n; false when it is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.paused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** A rejection of the append after `rejected`; false when it is stale. */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), 1);
    this.paused = false;
    return true;
  }

  /** Records an append sent, ending at `last`. */
  sent(last: number): void {
    if (this.state === 'replicate') {
      this.next = last + 1;
      this.inflight.push(last);
    } else if (this.state === 'probe') {
      this.paused = true;
    }
  }

  freeTo(index: number): void {
    while (this.inflight.length && this.inflight[0] <= index) this.inflight.shift();
  }

  freeFirst(): void { this.inflight.shift(); }

  isPaused(): boolean {
    if (this.state === 'probe') return this.paused;
    if (this.state === 'replicate') return this.inflight.length >= this.maxInflight;
    return true;
  }
}
