import type { Discovery, LeaderElection, RegisterOptions, Registration } from './discovery.js';
import { checkAddress, sameEntries } from './entries.js';
import { EtcdClient } from './etcd-client.js';
import { EtcdV2 } from './etcd-v2.js';
import { joinKey, parseKvUrl } from './kv-url.js';
import { campaignLoop, type StoreLock } from './lock-loop.js';
import { registerLoop } from './register-loop.js';
import { retryLoop } from './retry-loop.js';

/** classic Swarm's key for the primary's lock, beside the nodes. */
export const LEADER_PATH = 'docker/swarm/leader';

/**
 * `etcd://host:port[,host:port]/prefix` on etcd's v3 API: each engine is a key
 * `/<prefix>/docker/swarm/nodes/<addr>` attached to a lease of the TTL that
 * join keeps alive every heartbeat, so a silent engine's key goes when its
 * lease runs out; manage follows the keys with a watch. When the server also
 * serves v2 keys (--enable-v2), join writes the same key there with the TTL
 * and list/watch read both, so classic Swarm's own join and manage (v2) and
 * tswarm's see each other's engines. The primary's lock is v3 only.
 */
export class EtcdDiscovery implements Discovery {
  readonly client: EtcdClient;
  readonly v2: EtcdV2;
  readonly prefix: string;
  private readonly dir: string;

  constructor(readonly url: string, rest: string, kvPath: string, private readonly retryMs: number) {
    const { hosts, prefix } = parseKvUrl(url, rest, 2379);
    this.client = new EtcdClient(hosts);
    this.v2 = new EtcdV2(() => this.client.endpoint);
    this.prefix = prefix;
    this.dir = `/${joinKey(prefix, kvPath)}/`;
  }

  async list(): Promise<string[]> {
    const r = await this.client.range(this.dir, true);
    const values = r.kvs.map((kv) => kv.value);
    if (await this.v2.enabled()) values.push(...(await this.v2.list(this.dir)).values);
    return [...new Set(values.filter((v) => v !== ''))].sort();
  }

  /** Follows v2 keys with long polls while the watch runs (a no-op without v2). */
  private watchV2(onChange: () => void, isStopped: () => boolean, signal: AbortSignal, onError: (e: Error) => void): { stop(): void } {
    return retryLoop(async () => {
      if (!(await this.v2.enabled())) return;
      while (!isStopped()) {
        const { index } = await this.v2.list(this.dir);
        await this.v2.waitChange(this.dir, index, signal);
        if (!isStopped()) onChange();
      }
    }, this.retryMs, onError, isStopped);
  }

  watch(onEntries: (entries: string[]) => void, onError: (err: Error) => void): { stop(): void } {
    let stopped = false;
    let last: string[] | undefined;
    let current: { stop(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const relist = () => {
      this.list().then((entries) => {
        if (stopped || (last && sameEntries(last, entries))) return;
        last = entries;
        onEntries(entries);
      }, (e: Error) => { if (!stopped) onError(e); });
    };
    const abortV2 = new AbortController();
    const v2 = this.watchV2(relist, () => stopped, abortV2.signal, onError);
    const start = () => {
      if (stopped) return;
      current = this.client.watchPrefix(this.dir, {
        onReady: relist,
        onChange: relist,
        onClosed: (err) => {
          if (stopped) return;
          onError(err);
          timer = setTimeout(start, this.retryMs);
        },
      });
    };
    start();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
        current?.stop();
        v2.stop();
        abortV2.abort();
      },
    };
  }

  register(addr: string, o: RegisterOptions): Registration {
    checkAddress(addr);
    const key = this.dir + addr;
    let lease: string | undefined;
    return registerLoop(async () => {
      // keep the lease alive; a lease that ran out (the store was away longer than the TTL) is replaced
      // (the key is put again each time: it may have been deleted by hand)
      if (!lease || !(await this.client.keepAlive(lease))) lease = await this.client.grant(o.ttlMs);
      await this.client.put(key, addr, lease);
      if (await this.v2.enabled()) await this.v2.put(key, addr, Math.max(1, Math.ceil(o.ttlMs / 1000)));
    }, o.heartbeatMs, o.onError ?? (() => {}), async () => {
      if (lease) await this.client.revoke(lease);
      if (await this.v2.enabled()) await this.v2.delete(key);
    });
  }

  leaderElection(o: { ttlMs: number }): LeaderElection {
    const key = `/${joinKey(this.prefix, LEADER_PATH)}`;
    const client = this.client;
    return {
      campaign(candidate, on) {
        let lease: string | undefined;
        const lock: StoreLock = {
          async acquire(c) {
            if (!lease || !(await client.keepAlive(lease))) lease = await client.grant(o.ttlMs);
            if (await client.putIfAbsent(key, c, lease)) return true;
            // still ours from before a failed refresh?
            const r = await client.range(key, false);
            return r.kvs[0]?.lease === lease;
          },
          refresh: () => (lease ? client.keepAlive(lease) : Promise.resolve(false)),
          async release() {
            if (lease) await client.revoke(lease);
            lease = undefined;
          },
        };
        return campaignLoop(lock, candidate, o.ttlMs, on);
      },
      async leader() {
        const r = await client.range(key, false);
        return r.kvs[0]?.value || undefined;
      },
    };
  }
}
