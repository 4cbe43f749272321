/**
 * Classic Swarm's discovery: where `tswarm join` registers an engine and
 * `tswarm manage` / `tswarm list` learn the pool. One file per backend
 * (nodes, file, token, etcd, consul, zk), each implementing this interface;
 * `parseDiscovery` picks one from the URL.
 */
export interface Discovery {
  /** The URL as given (for `info` and messages). */
  readonly url: string;
  /** The registered engines now, as `host:port` strings. */
  list(): Promise<string[]>;
  /**
   * Follows the registered engines: `onEntries` gets the whole list at start
   * and whenever it changes; `onError` reports a failure to reach the store
   * (the watch keeps retrying).
   */
  watch(onEntries: (entries: string[]) => void, onError: (err: Error) => void): { stop(): void };
  /** Registers `addr` (host:port) with a TTL and refreshes it every heartbeat until stopped (`join`). */
  register(addr: string, o: RegisterOptions): Registration;
  /**
   * The lock `manage --replication` campaigns for (etcd, consul, zk only;
   * absent on nodes, file and token, which have no lock).
   */
  leaderElection?(o: { ttlMs: number }): LeaderElection;
  /** Closes connections to the store (watches and registrations stop first). */
  close?(): Promise<void>;
}

export interface RegisterOptions {
  heartbeatMs: number;
  ttlMs: number;
  /** A refresh that failed (registration goes on trying every heartbeat). */
  onError?(err: Error): void;
}

export interface Registration {
  /** Stops refreshing and withdraws the entry where the store allows it. */
  stop(): Promise<void>;
  /** The outcome of the first registration: rejects when the store cannot be reached at start. */
  first?: Promise<void>;
}

/** A lock in the discovery store for `manage --replication`: one primary, the others replicas. */
export interface LeaderElection {
  /** Runs for primary as `candidate` (the manager's advertised address) until stopped. */
  campaign(candidate: string, on: { elected(): void; lost(): void }): { stop(): Promise<void> };
  /** The current primary's address, if any. */
  leader(): Promise<string | undefined>;
}
