import type { Discovery, RegisterOptions, Registration } from './discovery.js';
import { checkAddress } from './entries.js';
import { request, StoreError } from './http.js';
import { pollWatch } from './poll-watch.js';
import { registerLoop } from './register-loop.js';

/** Where `token://TOKEN` goes when neither --discovery-url nor TSWARM_DISCOVERY_URL says. */
export const DEFAULT_TOKEN_SERVICE = 'http://127.0.0.1:2374/v1';

/** The token service's base URL: the option, else TSWARM_DISCOVERY_URL, else the default. */
export function tokenServiceUrl(opt?: string): string {
  const u = (opt || process.env.TSWARM_DISCOVERY_URL || DEFAULT_TOKEN_SERVICE).replace(/\/+$/, '');
  try {
    const p = new URL(u);
    if (p.protocol !== 'http:' && p.protocol !== 'https:') throw new Error(`scheme ${p.protocol} is not http: or https:`);
  } catch (e) {
    throw new Error(`invalid token discovery service URL "${u}": ${(e as Error).message}`);
  }
  return u;
}

/**
 * `token://TOKEN` (the service from tokenServiceUrl) or, as classic Swarm,
 * `token://host[:port][/path]/TOKEN` (that host, over plain HTTP as
 * `tswarm token-server` serves it). Polls the list every refresh period.
 */
export class TokenDiscovery implements Discovery {
  readonly service: string;
  readonly token: string;

  constructor(readonly url: string, rest: string, private readonly refreshMs: number, service?: string) {
    const i = rest.lastIndexOf('/');
    if (i === 0 || rest.startsWith('/')) throw new Error(`invalid discovery URL "${url}": no host before the token's path`);
    this.service = i < 0 ? tokenServiceUrl(service) : tokenServiceUrl(`http://${rest.slice(0, i)}`);
    this.token = i < 0 ? rest : rest.slice(i + 1);
    if (this.token === '') throw new Error(`invalid discovery URL "${url}": token is empty`);
    if (!/^[A-Za-z0-9_-]+$/.test(this.token)) throw new Error(`invalid discovery URL "${url}": malformed token "${this.token}"`);
  }

  private get clusterUrl() {
    return `${this.service}/clusters/${this.token}`;
  }

  async list(): Promise<string[]> {
    const r = await request('the token discovery service', this.clusterUrl);
    if (r.status !== 200) throw new StoreError(`Failed to fetch entries, Discovery service returned ${r.status} HTTP status code: ${r.text.trim()}`, r.status);
    let addrs: unknown;
    try {
      addrs = JSON.parse(r.text);
    } catch (e) {
      throw new StoreError(`Failed to decode response: ${(e as Error).message}`);
    }
    if (!Array.isArray(addrs) || !addrs.every((a) => typeof a === 'string')) throw new StoreError('Failed to decode response: not a list of addresses');
    return (addrs as string[]).filter((a) => a !== '');
  }

  watch(onEntries: (entries: string[]) => void, onError: (err: Error) => void): { stop(): void } {
    return pollWatch(() => this.list(), this.refreshMs, onEntries, onError);
  }

  register(addr: string, o: RegisterOptions): Registration {
    checkAddress(addr);
    const ttlS = o.ttlMs / 1000;
    return registerLoop(async () => {
      const r = await request('the token discovery service', `${this.clusterUrl}?ttl=${ttlS}`, { method: 'POST', body: addr, headers: { 'Content-Type': 'application/json' } });
      if (r.status !== 200) throw new StoreError(`registering ${addr}: the token discovery service returned ${r.status}: ${r.text.trim()}`, r.status);
    }, o.heartbeatMs, o.onError ?? (() => {}));
  }

  /** `tswarm create`: a new cluster token from the service. */
  static async createCluster(service: string): Promise<string> {
    const r = await request('the token discovery service', `${service}/clusters`, { method: 'POST' });
    if (r.status !== 200) throw new StoreError(`creating a cluster: the token discovery service returned ${r.status}: ${r.text.trim()}`, r.status);
    return r.text.trim();
  }
}
