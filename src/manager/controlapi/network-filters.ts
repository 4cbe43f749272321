import { badRequest } from '../../types/errors.js';
import type { NetworkResource } from '../../types/network.js';
import type { Filters } from './api.js';

/** The filters of GET /networks (Docker 20.10). */
export const NETWORK_FILTERS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'];

/** The networks Docker counts as built in (`--filter type=builtin`). */
export const BUILTIN_NETWORKS = new Set(['bridge', 'host', 'none']);

export function validateNetworkFilterValues(f: Filters) {
  for (const v of f.type ?? []) if (v !== 'custom' && v !== 'builtin') throw badRequest(`invalid filter: 'type'='${v}'`);
  for (const v of f.dangling ?? []) {
    if (!['true', '1', 'false', '0'].includes(v)) throw badRequest(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
  }
}

const prefix = (values: string[] | undefined, text: string) => !values || values.length === 0 || values.some((v) => text.startsWith(v));

const exact = (values: string[] | undefined, text: string) => !values || values.length === 0 || values.includes(text);

function labels(values: string[] | undefined, l: Record<string, string> | null): boolean {
  return (values ?? []).every((v) => {
    const i = v.indexOf('=');
    return i < 0 ? l?.[v] !== undefined : l?.[v.slice(0, i)] === v.slice(i + 1);
  });
}

/**
 * Docker's network list filters on one swarm network. Docker 20.10 passes
 * `name` to swarmkit as exact names (then matches them again as patterns,
 * which an exact name always passes), `id` as ID prefixes: for swarm
 * networks `--filter name=front` finds `front` only, not `front-end`.
 */
export function matchNetwork(f: Filters, r: NetworkResource, dangling: boolean): boolean {
  if (!exact(f.name, r.Name) || !prefix(f.id, r.Id) || !exact(f.driver, r.Driver) || !exact(f.scope, r.Scope) || !labels(f.label, r.Labels)) return false;
  if (f.type?.length && !f.type.includes(BUILTIN_NETWORKS.has(r.Name) ? 'builtin' : 'custom')) return false;
  if (f.dangling?.length && !f.dangling.some((v) => (v === 'true' || v === '1') === dangling)) return false;
  return true;
}
