import type { ContainerSpec } from '../../types/objects.js';
import { serviceSpec } from '../../types/schema.js';

/** ContainerSpec's fields in the order of Go's swarm.ContainerSpec (the order Docker writes them). */
const FIELD_ORDER = (() => {
  const tt = serviceSpec.kind === 'struct' ? serviceSpec.fields.TaskTemplate : undefined;
  const cs = tt?.kind === 'struct' ? tt.fields.ContainerSpec : undefined;
  return cs?.kind === 'struct' ? Object.keys(cs.fields) : [];
})();

/** The spec's keys in Go's field order (keys the schema does not know last, as they came). */
function inGoOrder(cs: ContainerSpec): ContainerSpec {
  const rank = (k: string) => { const i = FIELD_ORDER.indexOf(k); return i < 0 ? FIELD_ORDER.length : i; };
  const keys = Object.keys(cs).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, (cs as Record<string, unknown>)[k]])) as ContainerSpec;
}

/**
 * Docker answers `"Isolation": "default"` in every container spec (swarmkit
 * stores an enum whose zero value Docker's conversion names "default"), sent
 * or not: stored that way, services, their previous specs and tasks all say it.
 */
export function withIsolation(cs: ContainerSpec): ContainerSpec {
  if (cs.Isolation) return cs;
  return inGoOrder({ ...cs, Isolation: 'default' });
}

/** `insertDefaults=true`: swarmkit's service defaults hold an empty DNSConfig, which Docker then shows. */
export function withDnsDefault(cs: ContainerSpec): ContainerSpec {
  if (cs.DNSConfig) return cs;
  return inGoOrder({ ...cs, DNSConfig: {} });
}
