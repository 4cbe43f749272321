import type { RaftNode, StateMachine } from '../raft/node/raft-node.js';
import { RaftError } from '../raft/node/raft-node.js';
import type { ChangeLog, MemoryStore } from '../store/store.js';
import type { Change, StoreSnapshot } from '../store/tables.js';
import { noLeader, outOfSequence } from './controlapi/rpc-errors.js';

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
    if (!node) throw noLeader();
    let result: unknown;
    try {
      result = await node.propose(JSON.stringify({ v: version, c: changes } satisfies StoreEntry), PROPOSAL_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof RaftError && (err.code === 'not-leader' || err.code === 'stopped')) throw noLeader();
      if (err instanceof RaftError && err.code === 'dropped') throw outOfSequence();
      throw noLeader((err as Error).message);
    }
    if (result === 'stale') throw outOfSequence();
  }
}
