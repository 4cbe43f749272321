import type { Discovery, LeaderElection, RegisterOptions, Registration } from './discovery.js';
import { checkAddress, sameEntries } from './entries.js';
import { LEADER_PATH } from './etcd.js';
import { joinKey, parseKvUrl } from './kv-url.js';
import { campaignLoop, type StoreLock } from './lock-loop.js';
import { registerLoop } from './register-loop.js';
import { ZkSession } from './zk-client.js';

/** Session timeout of the session that only reads (list, watch). */
const READER_SESSION_MS = 10_000;

/**
 * `zk://h1,h2,h3/prefix`: each engine is an ephemeral node
 * `/<prefix>/docker/swarm/nodes/<addr>` of a session whose timeout is the TTL
 * (the server bounds it to 2..20 ticks); join's heartbeat checks the node is
 * there; manage watches the children.
 */
export class ZkDiscovery implements Discovery {
  readonly hosts: string[];
  readonly prefix: string;
  private readonly dir: string;
  private reader?: Promise<ZkSession>;

  constructor(readonly url: string, rest: string, kvPath: string, private readonly retryMs: number) {
    const { hosts, prefix } = parseKvUrl(url, rest, 2181);
    this.hosts = hosts;
    this.prefix = prefix;
    this.dir = `/${joinKey(prefix, kvPath)}`;
  }

  /** The shared reading session, connected again when it expired or failed to connect. */
  private async session(): Promise<ZkSession> {
    if (this.reader) {
      const s = await this.reader.catch(() => undefined);
      if (s?.alive) return s;
      s?.close();
    }
    this.reader = ZkSession.connect(this.hosts, READER_SESSION_MS);
    return this.reader;
  }

  async list(): Promise<string[]> {
    const s = await this.session();
    await s.mkdirp(this.dir);
    return (await s.children(this.dir)).sort();
  }

  watch(onEntries: (entries: string[]) => void, onError: (err: Error) => void): { stop(): void } {
    let stopped = false;
    let last: string[] | undefined;
    let timer: NodeJS.Timeout | undefined;
    // the session whose watcher is set; while a read or a retry is under way, undefined
    let watching: ZkSession | undefined;
    const follow = async () => {
      const s = await this.session();
      await s.mkdirp(this.dir);
      // the watcher fires once; reading again sets the next one
      const entries = (await s.children(this.dir, () => { if (!stopped && watching === s) again(); })).sort();
      watching = s;
      if (stopped || (last && sameEntries(last, entries))) return;
      last = entries;
      onEntries(entries);
    };
    const again = () => {
      watching = undefined;
      follow().catch((e: Error) => {
        if (stopped) return;
        onError(e);
        timer = setTimeout(again, this.retryMs);
      });
    };
    again();
    // an expired session never fires its watcher: read again on a new one
    const check = setInterval(() => { if (watching && !watching.alive && !stopped) again(); }, Math.max(1000, this.retryMs));
    return { stop() { stopped = true; clearTimeout(timer); clearInterval(check); } };
  }

  register(addr: string, o: RegisterOptions): Registration {
    checkAddress(addr);
    const path = `${this.dir}/${addr}`;
    let session: ZkSession | undefined;
    return registerLoop(async () => {
      if (!session?.alive) {
        session?.close();
        session = undefined;
        session = await ZkSession.connect(this.hosts, o.ttlMs);
      }
      await session.mkdirp(this.dir);
      if (await session.createEphemeral(path, addr)) return;
      const cur = await session.get(path);
      if (cur && cur.stat.ephemeralOwner.toString('hex') !== session.sessionId()) {
        // left by an earlier session of ours that has not expired yet: take it over
        await session.remove(path);
        await session.createEphemeral(path, addr);
      }
    }, o.heartbeatMs, o.onError ?? (() => {}), async () => {
      if (session?.alive) await session.remove(path);
      session?.close();
    });
  }

  leaderElection(o: { ttlMs: number }): LeaderElection {
    const key = `/${joinKey(this.prefix, LEADER_PATH)}`;
    const parent = key.slice(0, key.lastIndexOf('/'));
    const hosts = this.hosts;
    return {
      campaign(candidate, on) {
        let session: ZkSession | undefined;
        const ours = async (s: ZkSession) => (await s.get(key))?.stat.ephemeralOwner.toString('hex') === s.sessionId();
        const lock: StoreLock = {
          async acquire(c) {
            if (!session?.alive) {
              session?.close();
              session = undefined;
              session = await ZkSession.connect(hosts, o.ttlMs);
            }
            await session.mkdirp(parent);
            return (await session.createEphemeral(key, c)) || ours(session);
          },
          refresh: async () => !!session?.alive && ours(session),
          async release() {
            if (session?.alive && await ours(session)) await session.remove(key);
            session?.close();
            session = undefined;
          },
        };
        return campaignLoop(lock, candidate, o.ttlMs, on);
      },
      leader: async () => {
        const s = await this.session();
        return (await s.get(key))?.data || undefined;
      },
    };
  }

  close(): Promise<void> {
    const r = this.reader;
    this.reader = undefined;
    return r ? r.then((s) => s.close(), () => {}) : Promise.resolve();
  }
}
