import { KEEP_SOURCE_IP_LABEL } from '../../manager/dispatcher/ingress-view.js';
import type { ServiceSpec } from '../../types/objects.js';
import { one, type FlagSpec, type Parsed } from '../args.js';

/**
 * `tswarm service create/update --publish-keep-source-ip[=false]`: the
 * routing mesh keeps the client's address for the service's published ports
 * (beyond Docker, moby#25526; the docker CLI has no flag, so it is the
 * service label the mesh reads). Only the routing mesh (mode=ingress) hides
 * the client's address: a service without such a port is refused, nothing
 * is sent. `=false` removes the label.
 */
export const KEEP_SOURCE_FLAG = 'publish-keep-source-ip';
export const KEEP_SOURCE_FLAGS: FlagSpec = { [KEEP_SOURCE_FLAG]: { value: false } };

export function applyKeepSource(spec: ServiceSpec, p: Parsed): void {
  const v = one(p, KEEP_SOURCE_FLAG);
  if (v === undefined) return;
  if (v === 'false') {
    if (spec.Labels) delete spec.Labels[KEEP_SOURCE_IP_LABEL];
    return;
  }
  const ports = spec.EndpointSpec?.Ports ?? [];
  if (!ports.some((x) => (x.PublishMode ?? 'ingress') === 'ingress')) {
    const why = ports.length ? 'its ports are published in host mode, where the task sees the client\'s address already' : 'it publishes no port';
    throw new Error(`--${KEEP_SOURCE_FLAG} applies to ports published through the routing mesh (-p PUBLISHED:TARGET, mode=ingress), and ${why}`);
  }
  (spec.Labels ??= {})[KEEP_SOURCE_IP_LABEL] = 'true';
}
