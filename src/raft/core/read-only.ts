import type { RaftId } from '../types.js';

interface PendingRead {
  context: string;
  from: RaftId;
  index: number;
  acks: Set<RaftId>;
}

/**
 * ReadIndex requests waiting for a quorum to confirm this leader is still
 * the leader. A quorum's answer to a later request confirms every earlier one.
 */
export class ReadOnlyQueue {
  private queue: PendingRead[] = [];

  add(context: string, from: RaftId, index: number, self: RaftId): void {
    if (this.queue.some((r) => r.context === context)) return;
    this.queue.push({ context, from, index, acks: new Set([self]) });
  }

  /** Records a heartbeat answer; returns the requests now confirmed, oldest first. */
  ack(context: string, from: RaftId, quorum: number): PendingRead[] {
    const at = this.queue.findIndex((r) => r.context === context);
    if (at < 0) return [];
    const r = this.queue[at];
    r.acks.add(from);
    if (r.acks.size < quorum) return [];
    return this.queue.splice(0, at + 1);
  }
}
