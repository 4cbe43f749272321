import type { ServiceSpec } from '../../types/objects.js';

/** What the docker CLI's `service create` always sends besides its flags: Init false and an empty DNSConfig (ToService). */
export function applyCreateDefaults(spec: ServiceSpec): void {
  const cs = (spec.TaskTemplate ??= {}).ContainerSpec ??= {};
  cs.Init ??= false;
  cs.DNSConfig ??= {};
}
