import { connect as tcpConnect } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import type { Client, Event, Exception as ZkException, Stat } from 'node-zookeeper-client';
import { StoreError } from './http.js';

const { CreateMode, Exception } = zookeeper;
type ZkErr = Error | ZkException | null;

/**
 * One ZooKeeper session (node-zookeeper-client) with promise calls. Its
 * ephemeral nodes live as long as the session: a process that dies stops
 * answering pings and the server drops them after the session timeout.
 */
export class ZkSession {
  private constructor(readonly client: Client, readonly hosts: string) {}

  /** Connects, or fails with a clear error when no server answers within timeoutMs. */
  static async connect(hosts: string[], sessionTimeoutMs: number, timeoutMs = 5_000): Promise<ZkSession> {
    const conn = hosts.join(',');
    // the client retries refused connections forever without a word: find out first whether any server listens
    try {
      await Promise.any(hosts.map((h) => probe(h, timeoutMs)));
    } catch (e) {
      throw new StoreError(`cannot reach zookeeper at ${conn}: ${(e as AggregateError).errors.map((x: Error) => x.message).join('; ')}`);
    }
    const client = zookeeper.createClient(conn, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 0 });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new StoreError(`cannot reach zookeeper at ${conn}: no server answered within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(new ZkSession(client, conn));
      });
      client.connect();
    });
  }

  /** The session is still valid (not expired or closed); a short disconnection is not a loss. */
  get alive(): boolean {
    const s = this.client.getState();
    return s !== zookeeper.State.EXPIRED && s !== zookeeper.State.AUTH_FAILED && !this.closed;
  }

  private closed = false;

  close() {
    this.closed = true;
    this.client.close();
  }

  sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  private call<T>(what: string, fn: (cb: (err: ZkErr, v: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((err, v) => (err ? reject(this.wrap(what, err)) : resolve(v))));
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
      const [data, stat] = await new Promise<[Buffer, Stat]>((resolve, reject) => {
        const cb = (err: ZkErr, d: Buffer, s: Stat) => (err ? reject(this.wrap(`get ${path}`, err)) : resolve([d, s]));
        if (watcher) this.client.getData(path, watcher, cb); else this.client.getData(path, cb);
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
