import type { Discovery, LeaderElection, RegisterOptions, Registration } from './discovery.js';
import { checkAddress, sameEntries } from './entries.js';
import { ConsulClient, consulValue } from './consul-client.js';
import { LEADER_PATH } from './etcd.js';
import { joinKey, parseKvUrl } from './kv-url.js';
import { campaignLoop, type StoreLock } from './lock-loop.js';
import { registerLoop } from './register-loop.js';
import { retryLoop } from './retry-loop.js';

/** How long one blocking query of the watch waits for a change. */
const BLOCK_MS = 30_000;

/**
 * `consul://host:port[,host:port]/prefix`: each engine is a key
 * `<prefix>/docker/swarm/nodes/<addr>` held by a session whose TTL is join's
 * --ttl (consul accepts 10s..24h, and may keep a session up to twice its TTL)
 * and that deletes the key when it ends; join renews the session every
 * heartbeat; manage follows the keys with blocking queries.
 */
export class ConsulDiscovery implements Discovery {
  readonly client: ConsulClient;
  readonly prefix: string;
  private readonly dir: string;

  constructor(readonly url: string, rest: string, kvPath: string, private readonly retryMs: number) {
    const { hosts, prefix } = parseKvUrl(url, rest, 8500);
    this.client = new ConsulClient(hosts);
    this.prefix = prefix;
    this.dir = `${joinKey(prefix, kvPath)}/`;
  }

  private async read(o: { index?: number; waitMs?: number; signal?: AbortSignal } = {}) {
    const r = await this.client.get(this.dir, { recurse: true, ...o });
    // the directory's own key (an empty value) is no engine
    const entries = r.pairs.filter((p) => p.Key !== this.dir).map((p) => consulValue(p.Value)).filter((v) => v !== '').sort();
    return { entries, index: r.index };
  }

  async list(): Promise<string[]> {
    return (await this.read()).entries;
  }

  watch(onEntries: (entries: string[]) => void, onError: (err: Error) => void): { stop(): void } {
    let stopped = false;
    let last: string[] | undefined;
    let index: number | undefined;
    const abort = new AbortController();
    const loop = async () => {
      index = undefined; // (again) from the current state
      while (!stopped) {
        const r = await this.read(index === undefined ? { signal: abort.signal } : { index, waitMs: BLOCK_MS, signal: abort.signal });
        // an index that went backwards (the store was reset) starts over, as consul's docs say
        index = r.index > 0 && (index === undefined || r.index >= index) ? r.index : undefined;
        if (stopped) return;
        if (!last || !sameEntries(last, r.entries)) {
          last = r.entries;
          onEntries(r.entries);
        }
      }
    };
    const retries = retryLoop(loop, this.retryMs, onError, () => stopped);
    return { stop() { stopped = true; retries.stop(); abort.abort(); } };
  }

  register(addr: string, o: RegisterOptions): Registration {
    checkAddress(addr);
    const key = this.dir + addr;
    let session: string | undefined;
    return registerLoop(async () => {
      if (session && await this.client.renewSession(session)) {
        // the key may have been deleted by hand: hold it again
        const cur = await this.client.get(key);
        if (cur.pairs[0]?.Session === session) return;
      } else {
        session = await this.client.createSession(o.ttlMs, `tswarm join ${addr}`);
      }
      if (!await this.client.put(key, addr, { acquire: session })) {
        // held by an older session of this engine that has not expired yet: it goes with that session; write over it meanwhile
        await this.client.put(key, addr);
      }
    }, o.heartbeatMs, o.onError ?? (() => {}), async () => {
      if (session) await this.client.destroySession(session);
    });
  }

  leaderElection(o: { ttlMs: number }): LeaderElection {
    const key = joinKey(this.prefix, LEADER_PATH);
    const client = this.client;
    return {
      campaign(candidate, on) {
        let session: string | undefined;
        const ours = async () => (await client.get(key)).pairs[0]?.Session === session;
        const lock: StoreLock = {
          async acquire(c) {
            if (!session || !(await client.renewSession(session))) session = await client.createSession(o.ttlMs, `tswarm manage ${c}`);
            return (await client.put(key, c, { acquire: session })) || ours();
          },
          refresh: async () => !!session && (await client.renewSession(session)) && ours(),
          async release() {
            if (session) await client.destroySession(session);
            session = undefined;
          },
        };
        return campaignLoop(lock, candidate, o.ttlMs, on);
      },
      async leader() {
        const p = (await client.get(key)).pairs[0];
        return p?.Session ? consulValue(p.Value) || undefined : undefined;
      },
    };
  }
}
