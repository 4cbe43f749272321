import { raftTransactionLatency, secondsSince } from '../metrics/registry.js';
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
 * transaction a deposed leader built on an older state is dropped). The
 * proposing manager applies its own objects instead of parsing them back.
 */
export class StoreStateMachine implements StateMachine {
  constructor(private store: MemoryStore, private local?: RaftChangeLog) {}

  apply(data: string): 'applied' | 'stale' {
    const mine = this.local?.proposed(data);
    const e: StoreEntry = mine ?? (JSON.parse(data) as StoreEntry);
    if (e.v !== this.store.version + 1) return 'stale';
    this.store.applyCommitted(e.v, e.c);
    return 'applied';
  }

  snapshot(): string { return JSON.stringify(this.store.snapshot()); }
  restore(data: string): void { this.store.restore(JSON.parse(data) as StoreSnapshot); }
}

/** Store writes go through Raft: acknowledged once committed and applied here. */
export class RaftChangeLog implements ChangeLog {
  /** This manager's proposals in flight, by their entry text. */
  private inflight = new Map<string, StoreEntry>();

  constructor(private raft: () => RaftNode | undefined) {}

  proposed(data: string): StoreEntry | undefined {
    return this.inflight.get(data);
  }

  async append(version: number, changes: Change[], entry: string): Promise<void> {
    const node = this.raft();
    if (!node) throw noLeader();
    let result: unknown;
    this.inflight.set(entry, { v: version, c: changes });
    const start = process.hrtime.bigint();
    try {
      result = await node.propose(entry, PROPOSAL_TIMEOUT_MS);
      raftTransactionLatency.observe(secondsSince(start));
    } catch (err) {
      if (err instanceof RaftError && (err.code === 'not-leader' || err.code === 'stopped')) throw noLeader();
      if (err instanceof RaftError && err.code === 'dropped') throw outOfSequence();
      throw noLeader((err as Error).message);
    } finally {
      this.inflight.delete(entry);
    }
    if (result === 'stale') throw outOfSequence();
  }
}
