import type { DaemonBackend } from './backend.js';
import { engineCall } from './engine-call.js';
import { json, parseFilters, type ApiRequest, type Reply } from './http.js';
import type { RouteKind } from './route.js';
import { ApiError } from '../types/errors.js';
import type { Network, NetworkResource } from '../types/network.js';
import type { NetworkView } from '../types/network-view.js';
import { toResource } from '../manager/controlapi/networks.js';
import { matchNetwork, NETWORK_FILTERS, validateNetworkFilterValues } from '../manager/controlapi/network-filters.js';
import { validateFilters } from '../manager/controlapi/filters.js';
import { VXLAN_OPTION } from '../types/network.js';
import { withAttachedContainers } from './container-network-routes.js';

/**
 * /networks on a worker, as Docker's: the engine's local networks and the
 * swarm networks this node has now (those of its tasks and attached
 * containers, from the views the managers sent), never the whole swarm's.
 */
const isWorker = (b: DaemonBackend) => {
  const s = b.swarmInfo();
  return s.LocalNodeState === 'active' && !s.ControlAvailable;
};

/** A worker answers itself (it has swarm networks to add); anything else as `otherwise` says. */
export const workerOr = (otherwise: (r: ApiRequest, b: DaemonBackend) => Promise<RouteKind | 'engine'>) =>
  async (r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> => (isWorker(b) && b.nodeNetworkViews ? 'node' : otherwise(r, b));

/** The NetworkResource of a swarm network as a worker knows it (its view: no labels or creation time there). */
export function viewResource(v: NetworkView): NetworkResource {
  const n = {
    // The view has no creation time: Go's zero time, which the CLI parses (an empty one it refuses).
    ID: v.NetworkID, CreatedAt: '0001-01-01T00:00:00Z', UpdatedAt: '', Version: { Index: 0 },
    Spec: { Name: v.Name, Attachable: v.Attachable, Ingress: v.Ingress, DriverConfiguration: { Name: 'overlay' } },
    DriverState: { Name: 'overlay', Options: { [VXLAN_OPTION]: String(v.VNI) } },
    IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: v.Subnet, Gateway: v.Gateway }] },
  } as unknown as Network;
  return toResource(n);
}

const views = (b: DaemonBackend) => b.nodeNetworkViews?.() ?? [];

export async function workerList(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const filters = parseFilters(r.query);
  const socket = b.engineSocket();
  let local: NetworkResource[] = [];
  if (socket) {
    const a = await engineCall(socket, 'GET', `/networks?${r.query.toString()}`);
    if (a.status >= 400) return json(a.json, a.status);
    local = (a.json as NetworkResource[]) ?? [];
  } else {
    validateFilters(filters, NETWORK_FILTERS);
    validateNetworkFilterValues(filters);
  }
  const swarm = views(b).map(viewResource).filter((n) => matchNetwork(filters, n, false));
  return json([...local, ...swarm]);
}

export async function workerInspect(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const ref = r.params.id;
  const scope = r.query.get('scope');
  const vs = views(b);
  const v = scope === 'local' ? undefined
    : vs.find((x) => x.NetworkID === ref) ?? vs.find((x) => x.Name === ref) ?? (vs.filter((x) => x.NetworkID.startsWith(ref)).length === 1 ? vs.find((x) => x.NetworkID.startsWith(ref)) : undefined);
  if (v) return json(await withAttachedContainers({ ...viewResource(v), Containers: {} }, b));
  const socket = b.engineSocket();
  if (!socket || scope === 'swarm') throw new ApiError(404, `network ${ref} not found`);
  const a = await engineCall(socket, 'GET', `/networks/${encodeURIComponent(ref)}?${r.query.toString()}`);
  return json(a.json, a.status);
}
