import type { RaftNode, StateMachine } from '../raft/node/raft-node.js';
import { RaftError } from '../raft/node/raft-node.js';
import { OUT_OF_SEQUENCE, type ChangeLog, type MemoryStore } from '../store/store.js';
import type { Change, StoreSnapshot } from '../store/tables.js';
import { ApiError } from '../types/errors.js';

export const NO_LEADER =
  "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

const PROPOSAL_TIMEOUT_MS = 10_000;

interface StoreEntry {
  v: number;
  c: Change[];
}

/**
 * The store as Raft's state machine: each entry is one transaction, applied
 * on every manager only if it was built on the version it follows (a
 * transaction a deposed leader built on an older state is dropped).
 */
export class StoreStateMachine implements StateMachine {
  constructor(private store: MemoryStore) {}

  apply(data: string): 'applied' | 'stale' {
    const e = JSON.parse(data) as StoreEntry;
    if (e.v !== this.store.version + 1) return 'stale';
    this.store.applyCommitted(e.v, e.c);
    return 'applied';
  }

  snapshot(): string { return JSON.stringify(this.store.snapshot()); }
  restore(data: string): void { this.store.restore(JSON.parse(data) as StoreSnapshot); }
}

/** Store writes go through Raft: acknowledged once committed and applied here. */
export class RaftChangeLog implements ChangeLog {
  constructor(private raft: () => RaftNode | undefined) {}

  async append(version: number, changes: Change[]): Promise<void> {
    const node = this.raft();
    if (!node) throw new ApiError(503, NO_LEADER);
    let result: unknown;
    try {
      result = await node.propose(JSON.stringify({ v: version, c: changes } satisfies StoreEntry), PROPOSAL_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof RaftError && (err.code === 'not-leader' || err.code === 'stopped')) throw new ApiError(503, NO_LEADER);
      if (err instanceof RaftError && err.code === 'dropped') throw new ApiError(500, `rpc error: code = Unknown desc = ${OUT_OF_SEQUENCE}`);
      throw new ApiError(503, `${NO_LEADER} (${(err as Error).message})`);
    }
    if (result === 'stale') throw new ApiError(500, `rpc error: code = Unknown desc = ${OUT_OF_SEQUENCE}`);
  }
}
