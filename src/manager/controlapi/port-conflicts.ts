import type { ReadTx } from '../../store/store.js';
import type { PortConfig, ServiceSpec } from '../../types/objects.js';
import { badRequest } from '../../types/errors.js';
import { rpcError } from './rpc-errors.js';

const key = (p: PortConfig) => `${p.PublishedPort}/${p.Protocol ?? 'tcp'}`;

/**
 * swarmkit's checkPortConflicts: a published port of the new spec against
 * every other service's ports, as specified and as allocated (an
 * auto-assigned port counts): an ingress port may not meet any other's
 * port of that number and protocol, a host-mode port may not meet another's
 * ingress port; two host-mode ports may (the scheduler keeps them on
 * different nodes).
 */
export function checkPortConflicts(tx: ReadTx, spec: ServiceSpec, selfId: string | undefined): void {
  const ingress = new Set<string>();
  const host = new Set<string>();
  for (const p of spec.EndpointSpec?.Ports ?? []) {
    if (!p.PublishedPort) continue;
    ((p.PublishMode ?? 'ingress') === 'host' ? host : ingress).add(key(p));
  }
  if (ingress.size === 0 && host.size === 0) return;
  for (const other of tx.services.all()) {
    if (selfId && other.ID === selfId) continue;
    for (const pc of [...other.Spec.EndpointSpec?.Ports ?? [], ...other.Endpoint?.Ports ?? []]) {
      if (!pc.PublishedPort) continue;
      const k = key(pc);
      if ((pc.PublishMode ?? 'ingress') === 'host') {
        if (ingress.has(k)) throw rpcError('InvalidArgument', `port '${pc.PublishedPort}' is already in use by service '${other.Spec.Name}' (${other.ID}) as a host-published port`);
      } else if (ingress.has(k) || host.has(k)) {
        throw rpcError('InvalidArgument', `port '${pc.PublishedPort}' is already in use by service '${other.Spec.Name}' (${other.ID}) as an ingress port`);
      }
    }
  }
}

/**
 * Protocols and publish modes the mesh can serve. Docker 20.10 takes any
 * other protocol as tcp and any other mode as ingress without a word (its
 * spec conversion maps unknown enum names to the first value); tswarm
 * refuses them with the docker CLI's wording rather than store what the
 * user did not ask for.
 */
export function checkPortKinds(ports: PortConfig[]): void {
  for (const p of ports) {
    const proto = p.Protocol as string | undefined;
    if (proto !== undefined && !['tcp', 'udp', 'sctp'].includes(proto)) throw badRequest(`invalid proto: ${proto}`);
    const mode = p.PublishMode as string | undefined;
    if (mode !== undefined && !['ingress', 'host'].includes(mode)) throw badRequest(`invalid publish mode: ${mode}`);
  }
}
