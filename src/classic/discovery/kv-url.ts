import { checkAddress } from './entries.js';

/**
 * The store part of `etcd://h1:2379,h2:2379/prefix`, `consul://h:8500/prefix`,
 * `zk://h1,h2,h3/prefix` as classic Swarm (libkv) reads it: hosts before the
 * first `/`, an optional prefix after it. A host without a port gets the
 * store's usual one.
 */
export function parseKvUrl(url: string, rest: string, defaultPort: number): { hosts: string[]; prefix: string } {
  const slash = rest.indexOf('/');
  const hostPart = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (hostPart === '') throw new Error(`invalid discovery URL "${url}": no store address before the path`);
  const hosts = hostPart.split(',').map((h) => {
    if (h === '') throw new Error(`invalid discovery URL "${url}": empty store address in the list`);
    // a port is there when a colon is, outside an IPv6 address's brackets
    const withPort = h.replace(/^\[[^\]]*\]/, '').includes(':') ? h : `${h}:${defaultPort}`;
    try {
      return checkAddress(withPort);
    } catch (e) {
      throw new Error(`invalid discovery URL "${url}": ${(e as Error).message}`);
    }
  });
  if (/\/\/|[?#]/.test(prefix)) throw new Error(`invalid discovery URL "${url}": malformed path "${prefix}"`);
  return { hosts, prefix };
}

/** prefix + the path under it, without leading or trailing slashes (`swarm/docker/swarm/nodes`). */
export function joinKey(...parts: string[]): string {
  return parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
}
