import type { DaemonBackend } from './backend.js';
import { engineCall } from './engine-call.js';
import { boolParam, empty, json, parseFilters, type ApiRequest, type Reply } from './http.js';
import { decodeBody } from './json/decode.js';
import type { Route, RouteKind } from './route.js';
import { ApiError, NOT_A_SWARM_MANAGER, notFound, unavailable } from '../types/errors.js';
import type { NetworkCreateRequest, NetworkResource } from '../types/network.js';
import { networkCreateRequest } from '../types/schema.js';
import { isSwarmScoped, nameTaken } from '../manager/controlapi/network-spec.js';
import { connectRoutes, withAttachedContainers } from './container-network-routes.js';
import { workerInspect, workerList, workerOr } from './worker-networks.js';

/**
 * /networks on a swarm node, as Docker in swarm mode: a manager serves the
 * swarm-scoped networks from the cluster store and merges the engine's local
 * ones (bridge, host, none, docker_gwbridge) into lists; anything of a local
 * network goes to the engine. A node out of the swarm, or a worker, leaves
 * /networks to its engine (a worker refuses to create swarm networks, as Docker).
 */
const isManager = (b: DaemonBackend) => {
  const s = b.swarmInfo();
  return s.LocalNodeState === 'active' && s.ControlAvailable;
};

const engineOrManager = (kind: RouteKind) => async (_r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> => (isManager(b) ? kind : 'engine');

const ofSwarm = (kind: RouteKind) => async (r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> =>
  (isManager(b) && b.control().findNetwork(r.params.id) ? kind : 'engine');

/** The body as a create request, leniently (a body that does not parse is the decoder's to refuse later). */
async function createKind(r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> {
  let req: NetworkCreateRequest | undefined;
  try { req = JSON.parse((await r.body()).toString('utf8')) as NetworkCreateRequest; } catch { req = undefined; }
  const swarm = !!req && typeof req === 'object' && isSwarmScoped(req);
  const s = b.swarmInfo();
  if (!swarm) {
    // A local network may not take a swarm network's name either.
    if (isManager(b) && typeof req?.Name === 'string' && b.control().findNetwork(req.Name)?.Spec.Name === req.Name) throw nameTaken(req.Name);
    return 'engine';
  }
  if (s.LocalNodeState === 'active' && !s.ControlAvailable) {
    throw new ApiError(403, 'Cannot create a multi-host network from a worker node. Please create the network from a manager node.');
  }
  if (!isManager(b)) throw unavailable(NOT_A_SWARM_MANAGER);
  return 'cluster-write';
}

/** The engine's networks (its answer as it came when it refuses). */
async function engineNetworks(b: DaemonBackend, query: string): Promise<NetworkResource[]> {
  const socket = b.engineSocket();
  if (!socket) return [];
  const a = await engineCall(socket, 'GET', `/networks${query ? `?${query}` : ''}`);
  if (a.status >= 400) throw new ApiError(a.status, (a.json as { message?: string })?.message ?? 'engine error');
  return (a.json as NetworkResource[]) ?? [];
}

async function list(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const filters = parseFilters(r.query);
  const swarm = b.control().listNetworks(filters);
  const local = await engineNetworks(b, r.query.toString());
  return json([...local, ...swarm]);
}

async function inspect(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const scope = r.query.get('scope');
  const n = scope === 'local' ? undefined : b.control().findNetwork(r.params.id);
  if (n) return json(await withAttachedContainers(b.control().inspectNetwork(n.ID, boolParam(r.query, 'verbose')), b));
  const socket = b.engineSocket();
  if (!socket || scope === 'swarm') throw notFound(`network ${r.params.id} not found`);
  const a = await engineCall(socket, 'GET', `/networks/${encodeURIComponent(r.params.id)}?${r.query.toString()}`);
  return json(a.json, a.status);
}

async function create(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const req = decodeBody<NetworkCreateRequest>(networkCreateRequest, await r.body());
  const socket = b.engineSocket();
  const local = socket ? await engineNetworks(b, '').catch(() => []) : [];
  return json(await b.control().createNetwork(req, local.map((n) => n.Name)), 201);
}

/** `network prune`: the engine's unused networks, then the swarm's (each removal a cluster write, on the leader). */
async function prune(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const deleted: string[] = [];
  const socket = b.engineSocket();
  if (socket) {
    const a = await engineCall(socket, 'POST', `/networks/prune?${r.query.toString()}`);
    if (a.status >= 400) return json(a.json, a.status);
    deleted.push(...((a.json as { NetworksDeleted?: string[] | null })?.NetworksDeleted ?? []));
  }
  if (isManager(b)) {
    await b.readBarrier?.();
    const toLeader = b.leaderForwarder?.();
    for (const n of b.control().unusedNetworks(parseFilters(r.query))) {
      try {
        if (toLeader) {
          const res = await toLeader({ method: 'DELETE', path: `/networks/${n.ID}`, query: '', headers: {}, body: '' });
          if (res.status >= 400) continue;
        } else {
          await b.control().removeNetwork(n.ID);
        }
        deleted.push(n.Spec.Name);
      } catch {
        // In use by now: kept, as Docker skips networks it cannot remove.
      }
    }
  }
  return json({ NetworksDeleted: deleted.length ? deleted : null });
}

/**
 * connect/disconnect of a container to a swarm network: only attachable ones
 * (Docker's words otherwise). The container side (an address from the
 * managers, the veth into the container) is the node's data plane.
 */
function connect(r: ApiRequest, b: DaemonBackend): Reply {
  const n = b.control().findNetwork(r.params.id)!;
  if (!n.Spec.Attachable) {
    throw new ApiError(500, `Could not attach to network ${r.params.id}: rpc error: code = PermissionDenied desc = network ${r.params.id} not manually attachable`);
  }
  throw new ApiError(501, `connecting a container to the swarm network ${n.Spec.Name}: not supported by tswarm yet (docker run --network ${n.Spec.Name} is)`);
}

const route = (method: string, pattern: RegExp, kind: RouteKind, kindOf: Route['kindOf'], run: Route['run']): Route => ({ method, pattern, kind, kindOf, run });

export const networkRoutes: Route[] = [
  route('GET', /^\/networks$/, 'cluster-read', workerOr(engineOrManager('cluster-read')), (r, b) => (isManager(b) ? list(r, b) : workerList(r, b))),
  route('POST', /^\/networks\/create$/, 'cluster-write', createKind, create),
  route('POST', /^\/networks\/prune$/, 'node', engineOrManager('node'), prune),
  route('GET', /^\/networks\/(?<id>[^/]+)$/, 'cluster-read', workerOr(engineOrManager('cluster-read')), (r, b) => (isManager(b) ? inspect(r, b) : workerInspect(r, b))),
  route('DELETE', /^\/networks\/(?<id>[^/]+)$/, 'cluster-write', ofSwarm('cluster-write'), async (r, b) => { await b.control().removeNetwork(r.params.id); return empty(204); }),
  // A node running plain containers attaches them (container-network-routes.ts); else only the refusals are here.
  ...connectRoutes(ofSwarm('node'), connect),
];
