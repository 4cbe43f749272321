import type { DaemonBackend } from './backend.js';
import { engineCall } from './engine-call.js';
import { empty, json, type ApiRequest, type Reply } from './http.js';
import { decodeBody } from './json/decode.js';
import { networkConnectRequest } from '../types/schema.js';
import type { Route, RouteKind } from './route.js';
import { ApiError, badRequest, notFound } from '../types/errors.js';
import { EngineClient } from '../executor/docker/engine-client.js';
import { ensureGwBridge } from '../executor/docker/gwbridge.js';
import { GWBRIDGE } from '../executor/docker/container-config.js';
import { attachedContainersOn, rewriteContainerInspect } from './attached-inspect.js';
import { ungatedInspect } from '../agent/start-gate.js';

/**
 * Plain containers on swarm networks through tswarm's socket (the docker CLI
 * with DOCKER_HOST at tswarm; the engine behind it knows no swarm network):
 * a create naming networks the engine does not have runs on docker_gwbridge
 * and remembers them; its start gets addresses from the managers and joins
 * the overlays (agent/container-attachments.ts); `network connect` and
 * `disconnect` of swarm networks are done here, of the engine's networks by
 * the engine. Outside a swarm, or without an engine, all goes to the engine.
 */
type Body = {
  Image?: unknown;
  HostConfig?: { NetworkMode?: string };
  NetworkingConfig?: { EndpointsConfig?: Record<string, { Aliases?: string[] | null } | null> | null };
};

const BUILTIN_MODES = new Set(['', 'default', 'bridge', 'host', 'none']);
const userDefined = (mode: string) => !BUILTIN_MODES.has(mode) && !mode.startsWith('container:');

const attachments = (b: DaemonBackend) => (b.swarmInfo().LocalNodeState === 'active' ? b.containerNetworks?.() : undefined);

async function engineHas(socket: string, what: 'networks' | 'containers', ref: string): Promise<boolean> {
  const a = await engineCall(socket, 'GET', `/${what}/${encodeURIComponent(ref)}${what === 'containers' ? '/json' : ''}`);
  return a.status < 300;
}

function parse(body: Buffer): Body | undefined {
  try {
    const b = JSON.parse(body.toString('utf8')) as Body;
    return b && typeof b === 'object' ? b : undefined;
  } catch { return undefined; }
}

/** The networks a create names that the engine does not have: the swarm's to resolve (or refuse at start, as Docker). */
async function swarmNetworksOf(body: Body, socket: string): Promise<string[]> {
  const names = new Set<string>();
  const mode = body.HostConfig?.NetworkMode;
  if (typeof mode === 'string' && userDefined(mode)) names.add(mode);
  const eps = body.NetworkingConfig?.EndpointsConfig;
  if (eps && typeof eps === 'object') for (const n of Object.keys(eps)) if (userDefined(n)) names.add(n);
  const out: string[] = [];
  for (const n of names) if (!(await engineHas(socket, 'networks', n))) out.push(n);
  return out;
}

async function createKind(r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> {
  const socket = b.engineSocket();
  if (!socket || !attachments(b)) return 'engine';
  const body = parse(await r.body());
  return body && (await swarmNetworksOf(body, socket)).length ? 'node' : 'engine';
}

async function create(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const socket = b.engineSocket()!;
  const att = attachments(b)!;
  const body = parse(await r.body())!;
  const swarm = await swarmNetworksOf(body, socket);
  const eps = { ...(body.NetworkingConfig?.EndpointsConfig ?? {}) };
  const planned = swarm.map((name) => ({ name, aliases: (eps[name]?.Aliases ?? []).filter((a): a is string => typeof a === 'string') }));
  for (const n of swarm) delete eps[n];
  const hostConfig = { ...(body.HostConfig ?? {}) };
  // The engine runs it on docker_gwbridge (its way out, as Docker's gateway endpoint); the overlays are tswarm's.
  if (hostConfig.NetworkMode && swarm.includes(hostConfig.NetworkMode)) hostConfig.NetworkMode = GWBRIDGE;
  const rewritten = { ...body, HostConfig: hostConfig, NetworkingConfig: { ...(body.NetworkingConfig ?? {}), EndpointsConfig: eps } };
  await ensureGwBridge(new EngineClient(socket));
  // Its process waits for its swarm networks (start-gate.ts); an image the engine lacks: its own 404 (the CLI pulls).
  const image = typeof body.Image === 'string' ? await engineCall(socket, 'GET', `/images/${encodeURIComponent(body.Image)}/json`) : undefined;
  const gated = image && image.status < 300 ? await att.gate.wrap(rewritten, (image.json as { Config?: object } | null)?.Config ?? {}) : undefined;
  const a = await engineCall(socket, 'POST', `/containers/create?${r.query.toString()}`, Buffer.from(JSON.stringify(gated?.body ?? rewritten)));
  const id = (a.json as { Id?: string } | null)?.Id;
  if (a.status < 300 && id) {
    if (gated) await att.gate.remember(id, gated.gate);
    await att.plan(id, planned);
  }
  return json(a.json, a.status);
}

async function containerId(socket: string, ref: string): Promise<string | undefined> {
  const a = await engineCall(socket, 'GET', `/containers/${encodeURIComponent(ref)}/json`);
  return a.status < 300 ? (a.json as { Id: string }).Id : undefined;
}

/** Calls about a container this node attached to swarm networks are tswarm's; others the engine's. */
async function attachedKind(r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> {
  const socket = b.engineSocket();
  const att = attachments(b);
  if (!socket || !att?.hasAny()) return 'engine';
  const id = await containerId(socket, r.params.id);
  return id && att.has(id) ? 'node' : 'engine';
}

async function start(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const socket = b.engineSocket()!;
  const id = (await containerId(socket, r.params.id))!;
  const a = await attachments(b)!.startContainer(id, () => engineCall(socket, 'POST', `/containers/${id}/start?${r.query.toString()}`));
  return a.status === 204 || a.status === 304 ? empty(a.status) : json(a.json, a.status);
}

/** An inspect of a container this node attached to swarm networks is rewritten (attached-inspect.ts); others go to the engine. */
async function inspect(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const a = await engineCall(b.engineSocket()!, 'GET', `/containers/${encodeURIComponent(r.params.id)}/json?${r.query.toString()}`);
  if (a.status >= 300 || !a.json) return json(a.json, a.status);
  const c = a.json as { Id: string; Path?: string };
  const att = attachments(b);
  const gate = await att?.gate.gateOf(c.Id);
  return json(ungatedInspect(rewriteContainerInspect(c, att?.networksOf(c.Id) ?? []), gate), a.status);
}

/** connect/disconnect: the engine's own networks stay the engine's; anything else is the swarm's when this node can attach. */
const connectKind = (fallback: (r: ApiRequest, b: DaemonBackend) => Promise<RouteKind | 'engine'>) =>
  async (r: ApiRequest, b: DaemonBackend): Promise<RouteKind | 'engine'> => {
    const socket = b.engineSocket();
    if (!socket || !attachments(b)) return fallback(r, b);
    return (await engineHas(socket, 'networks', r.params.id)) ? 'engine' : 'node';
  };

interface ConnectBody { Container?: unknown; EndpointConfig?: { Aliases?: unknown } | null; Force?: unknown }

async function containerOf(r: ApiRequest, b: DaemonBackend): Promise<{ ref: string; c: { Id: string; State: { Running: boolean; Pid: number } }; body: ConnectBody }> {
  const body = decodeBody<ConnectBody>(networkConnectRequest, await r.body(), { onEmpty: () => ({}) });
  const ref = typeof body?.Container === 'string' ? body.Container : '';
  if (!ref) throw badRequest('invalid name or ID supplied: ""');
  const a = await engineCall(b.engineSocket()!, 'GET', `/containers/${encodeURIComponent(ref)}/json`);
  if (a.status >= 300) throw new ApiError(a.status, (a.json as { message?: string })?.message ?? `No such container: ${ref}`);
  return { ref, c: a.json as { Id: string; State: { Running: boolean; Pid: number } }, body };
}

async function connect(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const { ref, c, body } = await containerOf(r, b);
  const aliases = Array.isArray(body.EndpointConfig?.Aliases) ? body.EndpointConfig.Aliases.filter((a): a is string => typeof a === 'string') : [];
  await attachments(b)!.connect(c, r.params.id, aliases, ref);
  return empty(200);
}

async function disconnect(r: ApiRequest, b: DaemonBackend): Promise<Reply> {
  const { c } = await containerOf(r, b);
  const att = attachments(b)!;
  if (await att.disconnect(c, r.params.id)) return empty(200);
  // Docker's words: a network this node has is "not connected", any other is not found here.
  if (!att.knowsNetwork(r.params.id)) throw notFound(`network ${r.params.id} not found`);
  throw new ApiError(500, c.State.Running
    ? `container ${c.Id} is not connected to network ${r.params.id}`
    : `container ${c.Id} is not connected to the network ${r.params.id}`);
}

const route = (method: string, pattern: RegExp, kindOf: Route['kindOf'], run: Route['run']): Route => ({ method, pattern, kind: 'node', kindOf, run });

export const containerNetworkRoutes: Route[] = [
  route('POST', /^\/containers\/create$/, createKind, create),
  route('POST', /^\/containers\/(?<id>[^/]+)\/start$/, attachedKind, start),
  route('GET', /^\/containers\/(?<id>[^/]+)\/json$/, attachedKind, inspect),
];

/** The connect/disconnect routes; `fallback` decides where they go when this node cannot attach containers. */
export function connectRoutes(fallback: (r: ApiRequest, b: DaemonBackend) => Promise<RouteKind | 'engine'>, otherwise: Route['run']): Route[] {
  const either = (run: Route['run']): Route['run'] => (r, b) => (attachments(b) && b.engineSocket() ? run(r, b) : otherwise(r, b));
  return [
    route('POST', /^\/networks\/(?<id>[^/]+)\/connect$/, connectKind(fallback), either(connect)),
    route('POST', /^\/networks\/(?<id>[^/]+)\/disconnect$/, connectKind(fallback), either(disconnect)),
  ];
}

/** `network inspect` of a swarm network on this node: its attached containers under Containers, as Docker lists its local endpoints. */
export async function withAttachedContainers<T extends { Id: string; Containers?: unknown }>(n: T, b: DaemonBackend): Promise<T> {
  const att = attachments(b);
  const socket = b.engineSocket();
  if (!att?.hasAny() || !socket) return n;
  const nameOf = async (id: string) => {
    const a = await engineCall(socket, 'GET', `/containers/${id}/json`);
    return a.status < 300 ? (a.json as { Name?: string }).Name?.replace(/^\//, '') : undefined;
  };
  const found = await attachedContainersOn(att, n.Id, nameOf);
  return Object.keys(found).length ? { ...n, Containers: { ...(n.Containers ?? {}), ...found } } : n;
}
