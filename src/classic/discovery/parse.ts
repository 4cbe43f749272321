import type { Discovery } from './discovery.js';
import { FileDiscovery } from './file.js';
import { ConsulDiscovery } from './consul.js';
import { EtcdDiscovery } from './etcd.js';
import { NodesDiscovery } from './nodes.js';
import { TokenDiscovery } from './token.js';
import { ZkDiscovery } from './zk.js';

export interface DiscoveryOptions {
  /** How often backends without notifications (file, token) read the pool again; classic Swarm's --heartbeat, 60s. */
  refreshMs?: number;
  /** Where `token://TOKEN` reaches the token service (else TSWARM_DISCOVERY_URL, else the default). */
  tokenServiceUrl?: string;
  /** How long a store watch waits before trying again after the store failed (etcd, consul, zk); 1s. */
  retryMs?: number;
  /** Key path under the URL's path for the engines in etcd/consul/zk; classic Swarm's `docker/swarm/nodes`. */
  kvPath?: string;
}

type Factory = (url: string, rest: string, o: Required<Pick<DiscoveryOptions, 'refreshMs' | 'kvPath' | 'retryMs'>> & DiscoveryOptions) => Discovery;

/** Backends by URL scheme; a backend is one line here and one file beside this one. */
const BACKENDS = new Map<string, Factory>([
  ['nodes', (url, rest) => new NodesDiscovery(url, rest)],
  ['file', (url, rest, o) => {
    if (rest === '') throw new Error(`invalid discovery URL "${url}": missing the file's path (file:///path/to/cluster)`);
    return new FileDiscovery(url, rest, o.refreshMs);
  }],
  ['token', (url, rest, o) => new TokenDiscovery(url, rest, o.refreshMs, o.tokenServiceUrl)],
  ['etcd', (url, rest, o) => new EtcdDiscovery(url, rest, o.kvPath, o.retryMs)],
  ['consul', (url, rest, o) => new ConsulDiscovery(url, rest, o.kvPath, o.retryMs)],
  ['zk', (url, rest, o) => new ZkDiscovery(url, rest, o.kvPath, o.retryMs)],
]);

/** The supported schemes, for messages. */
export function discoverySchemes(): string[] {
  return [...BACKENDS.keys()];
}

/**
 * Picks the discovery backend for a URL by its scheme, as classic Swarm: a URL
 * without `scheme://` is a nodes list (`10.0.0.1:2375,10.0.0.2:2375`).
 * Throws a clear error for a malformed URL or an unknown scheme; it does not
 * contact the store (the first list/watch/register does).
 */
export function parseDiscovery(url: string, opts: DiscoveryOptions = {}): Discovery {
  if (url.trim() === '') throw new Error('invalid discovery URL "": empty');
  const i = url.indexOf('://');
  const scheme = i < 0 ? 'nodes' : url.slice(0, i);
  const rest = i < 0 ? url : url.slice(i + 3);
  if (!/^[a-z][a-z0-9+.-]*$/i.test(scheme)) {
    throw new Error(`invalid discovery URL "${url}": malformed scheme "${scheme}"`);
  }
  const make = BACKENDS.get(scheme);
  if (!make) {
    throw new Error(`discovery service not supported: unknown scheme "${scheme}" in "${url}" (supported: ${discoverySchemes().join(', ')})`);
  }
  if (rest === '' && scheme !== 'file') throw new Error(`invalid discovery URL "${url}": nothing after "${scheme}://"`);
  return make(url, rest, { ...opts, refreshMs: opts.refreshMs ?? 60_000, retryMs: opts.retryMs ?? 1000, kvPath: opts.kvPath ?? 'docker/swarm/nodes' });
}
