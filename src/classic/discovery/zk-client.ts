import { connect as tcpConnect } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import type { Client, Event, Exception as ZkException, Stat } from 'node-zookeeper-client';
import { StoreError } from './http.js';

const { CreateMode, Exception } = zookeeper;
type ZkErr = Error | ZkException | null;

/** node-zookeeper-client's ConnectionManager state while a close request waits. */
const CLOSING = -1;
/** How long a session may stay disconnected before it is given up for a new one. */
const GIVE_UP_MS = 3_000;
/** How long one connection attempt may take before a new client tries again. */
const ATTEMPT_MS = 2_000;
/** How long a request may go unanswered. */
const CALL_TIMEOUT_MS = 8_000;

/**
 * One ZooKeeper session (node-zookeeper-client) with promise calls. Its
 * ephemeral nodes live as long as the session: a process that dies stops
 * answering pings and the server drops them after the session timeout.
 */
export class ZkSession {
  private constructor(readonly client: Client, readonly hosts: string) {
    // the client's state moves on from EXPIRED to DISCONNECTED, where requests wait forever: remember it
    client.on('expired', () => { this.expired = true; });
    client.on('disconnected', () => { this.disconnectedAt ??= Date.now(); });
    client.on('connected', () => { this.disconnectedAt = undefined; });
  }

  private expired = false;
  private disconnectedAt?: number;

  /**
   * Connects, or fails with a clear error when no server answers within
   * timeoutMs. A handshake the server leaves unanswered (one that is still
   * starting) would wait forever in the client: each attempt gets ATTEMPT_MS,
   * then a new client tries again.
   */
  static async connect(hosts: string[], sessionTimeoutMs: number, timeoutMs = 8_000): Promise<ZkSession> {
    const conn = hosts.join(',');
    // the client retries refused connections forever without a word: find out first whether any server listens
    try {
      await Promise.any(hosts.map((h) => probe(h, timeoutMs)));
    } catch (e) {
      throw new StoreError(`cannot reach zookeeper at ${conn}: ${(e as AggregateError).errors.map((x: Error) => x.message).join('; ')}`);
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const client = zookeeper.createClient(conn, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 0 });
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.min(ATTEMPT_MS, deadline - Date.now()));
        client.once('connected', () => { clearTimeout(timer); resolve(true); });
        client.connect();
      });
      if (ok) return new ZkSession(client, conn);
      closeClient(client);
    }
    throw new StoreError(`cannot reach zookeeper at ${conn}: no server answered within ${timeoutMs / 1000}s`);
  }

  /**
   * The session is still worth keeping: not expired, closed or stuck, and not
   * disconnected for longer than GIVE_UP_MS (the client's reconnection can
   * hang in a handshake a restarting server never answers; a new session is
   * then the way back).
   */
  get alive(): boolean {
    const s = this.client.getState();
    const away = this.disconnectedAt !== undefined && Date.now() - this.disconnectedAt > GIVE_UP_MS;
    return s !== zookeeper.State.EXPIRED && s !== zookeeper.State.AUTH_FAILED && !this.expired && !this.closed && !this.stuck && !away;
  }

  private closed = false;
  /** A call went unanswered: the client queues requests while it cannot reach a server and never fails them. */
  private stuck = false;

  close() {
    this.closed = true;
    closeClient(this.client);
  }

  sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** One request, failed after CALL_TIMEOUT_MS (the session is then given up: the caller's next try connects anew). */
  private call<T>(what: string, fn: (cb: (err: ZkErr, v: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stuck = true;
        reject(new StoreError(`zookeeper at ${this.hosts}: ${what}: no answer within ${CALL_TIMEOUT_MS / 1000}s`));
      }, CALL_TIMEOUT_MS);
      fn((err, v) => {
        clearTimeout(timer);
        if (err) reject(this.wrap(what, err)); else resolve(v);
      });
    });
  }

  private wrap(what: string, err: Error | ZkException) {
    const e = new StoreError(`zookeeper at ${this.hosts}: ${what}: ${err instanceof Error ? err.message : err.toString()}`);
    (e as StoreError & { zkCode?: number }).zkCode = (err as unknown as { code?: number }).code;
    return e;
  }

  mkdirp(path: string): Promise<string> {
    return this.call(`mkdirp ${path}`, (cb) => this.client.mkdirp(path, cb));
  }

  /** Creates an ephemeral node; false when it exists already. */
  async createEphemeral(path: string, data: string): Promise<boolean> {
    try {
      await this.call<string>(`create ${path}`, (cb) => this.client.create(path, Buffer.from(data), CreateMode.EPHEMERAL, cb));
      return true;
    } catch (e) {
      if (codeOf(e) === Exception.NODE_EXISTS) return false;
      throw e;
    }
  }

  /** The node's data and stat, or undefined when absent; `watcher` fires once on its next change. */
  async get(path: string, watcher?: (e: Event) => void): Promise<{ data: string; stat: Stat } | undefined> {
    try {
      const [data, stat] = await this.call<[Buffer, Stat]>(`get ${path}`, (cb) => {
        const got = (err: ZkErr, d: Buffer, s: Stat) => cb(err, [d, s]);
        if (watcher) this.client.getData(path, watcher, got); else this.client.getData(path, got);
      });
      return { data: data?.toString('utf8') ?? '', stat };
    } catch (e) {
      if (codeOf(e) === Exception.NO_NODE) return undefined;
      throw e;
    }
  }

  /** Children of path; `watcher` fires once when they change. */
  children(path: string, watcher?: (e: Event) => void): Promise<string[]> {
    return this.call(`children of ${path}`, (cb) => (watcher ? this.client.getChildren(path, watcher, cb) : this.client.getChildren(path, cb)));
  }

  async remove(path: string): Promise<void> {
    try {
      await this.call<void>(`remove ${path}`, (cb) => this.client.remove(path, (err) => cb(err, undefined)));
    } catch (e) {
      if (codeOf(e) !== Exception.NO_NODE) throw e;
    }
  }
}

/**
 * Closes a client: asks the server to end the session, and a second later
 * drops the socket if that request is still waiting (a handshake nobody
 * answers would otherwise keep the socket, and the process, alive).
 */
function closeClient(client: Client) {
  client.close();
  // only while the close request waits (CLOSING): a socket dropped in another state makes the client reconnect
  const cm = (client as unknown as { connectionManager?: { state?: number; socket?: { destroy(): void } } }).connectionManager;
  setTimeout(() => { if (cm?.state === CLOSING) cm.socket?.destroy(); }, 1000).unref();
}

/** A TCP connection to host:port that is closed at once. */
function probe(hostPort: string, timeoutMs: number): Promise<void> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)), timeout: timeoutMs });
    sock.once('connect', () => { sock.destroy(); resolve(); });
    sock.once('timeout', () => { sock.destroy(); reject(new Error(`connect to ${hostPort} timed out`)); });
    sock.once('error', (e) => { sock.destroy(); reject(e); });
  });
}

export const codeOf = (e: unknown) => (e as { zkCode?: number }).zkCode;
