/**
 * The shapes the Raft core, its storage and its transport share. The core
 * knows nothing of tswarm objects: entry data is an opaque string.
 */

/** A member's Raft ID: random, hex, never reused once removed. */
export type RaftId = string;
/** "No one" for votes and leaders. */
export const NONE: RaftId = '';

export type EntryType = 'normal' | 'conf';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** Opaque to Raft; for 'conf' entries a JSON ConfChange. Empty for the leader's no-op. */
  data: string;
}

/** Single-server membership change, carried in a 'conf' entry. */
export interface ConfChange {
  type: 'add' | 'remove';
  id: RaftId;
  /** What the application needs to reach the member (its address, node ID). */
  context?: string;
}

/** Who votes, and who was removed (so they are never let back in). */
export interface ConfState {
  voters: RaftId[];
  removed: RaftId[];
}

/** What must be on disk before any message that depends on it is sent. */
export interface HardState {
  term: number;
  vote: RaftId;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The application's state at meta.index, opaque to Raft. */
  data: string;
}

export type MessageType =
  | 'prop' // a follower forwards a proposal to the leader
  | 'preVote' | 'preVoteResp'
  | 'vote' | 'voteResp'
  | 'app' | 'appResp'
  | 'heartbeat' | 'heartbeatResp'
  | 'snap'
  | 'timeoutNow'
  | 'readIndex' | 'readIndexResp';

export interface Message {
  type: MessageType;
  from: RaftId;
  to: RaftId;
  term: number;
  /** app: term and index of the entry before `entries`; vote: the candidate's last entry. */
  logTerm?: number;
  index?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  /** appResp rejection: the follower's last index, so the leader can skip back. */
  rejectHint?: number;
  snapshot?: Snapshot;
  /** readIndex request id; 'transfer' on a vote that leadership transfer started. */
  context?: string;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  leader: RaftId;
  role: Role;
}

/** A linearizable read may be served once `index` is applied. */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * What the core asks of its driver, in order: persist hardState, entries and
 * snapshot (fsync), then send messages, then apply committed entries, then
 * call advance().
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committed: Entry[];
  messages: Message[];
  readStates: ReadState[];
}

/** What storage hands back on start-up. */
export interface LoadedState {
  hardState: HardState;
  snapshot?: Snapshot;
  /** Entries after the snapshot, in index order, conflicts already resolved. */
  entries: Entry[];
}

/**
 * Durable Raft state of one member. Every method resolves only after the
 * data is on disk (fdatasync); a torn or corrupt tail is cut on open.
 */
export interface RaftStorage {
  open(): Promise<LoadedState>;
  /**
   * Persists the hard state (when given) and entries. Entries whose index is
   * at or below the last stored one replace that tail.
   */
  save(hardState: HardState | undefined, entries: Entry[]): Promise<void>;
  /**
   * Writes the snapshot (temp file, rename, directory fsync), then drops log
   * before it. `replacesLog`: a snapshot from the leader that the log does not
   * hold (Raft §7): the entries after it are stale and must go too, or a
   * replay would bring them back after it.
   */
  saveSnapshot(snapshot: Snapshot, replacesLog?: boolean): Promise<void>;
  /** How many snapshot files to keep besides the newest, from the next saveSnapshot on. */
  setKeepOldSnapshots?(n: number): void;
  close(): Promise<void>;
}
