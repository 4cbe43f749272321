import { arch, release } from 'node:os';
import type { DaemonBackend } from './backend.js';
import {
  API_VERSION, MIN_API_VERSION, boolParam, empty, json, parseFilters, versionParam,
  type ApiRequest, type Reply,
} from './http.js';
import { decodeBody } from './json/decode.js';
import { checkLogStreams, streamLogs } from './logs.js';
import { events } from './events.js';
import { badRequest } from '../types/errors.js';
import type { NodeSpec, ServiceSpec, SwarmSpec } from '../types/objects.js';
import { nodeSpec, serviceSpec, swarmInitRequest, swarmJoinRequest, swarmSpec, swarmUnlockRequest } from '../types/schema.js';
import { payloadRoutes } from './payload-routes.js';
import { refuseUnsupported } from '../manager/controlapi/unsupported.js';
import { validateAddrPools } from '../manager/allocator/ingress-network.js';
import { validateDataPathPort } from '../manager/cluster.js';
import { networkRoutes } from './network-routes.js';
import { containerNetworkRoutes } from './container-network-routes.js';
import type { SwarmInitRequest, SwarmJoinRequest } from './backend.js';
import type { Route, RouteKind } from './route.js';
import { BUILD_TIME, VERSION, goArch, runtimeVersion } from '../types/version.js';

/** `uname -m` spelling, as Docker's /info Architecture. */
function unameArch(a: string = arch()): string {
  return ({ x64: 'x86_64', ia32: 'i686', arm64: 'aarch64', arm: 'armv7l', ppc64: 'ppc64le' } as Record<string, string>)[a] ?? a;
}

async function info(b: DaemonBackend) {
  const h = await b.hostFacts();
  return {
    ID: '', Containers: h.containers, ContainersRunning: h.running, ContainersPaused: h.paused, ContainersStopped: h.stopped, Images: h.images,
    Driver: h.driver ?? b.executorName(), DriverStatus: [], Plugins: { Volume: [], Network: [], Authorization: null, Log: [] },
    MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true,
    PidsLimit: true, IPv4Forwarding: true, Debug: false, NFd: 0, NGoroutines: 0, SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: '2', NEventsListener: 0,
    KernelVersion: h.kernelVersion, OperatingSystem: h.operatingSystem, OSVersion: h.osVersion, OSType: 'linux',
    Architecture: unameArch(), IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: null, NCPU: h.ncpu, MemTotal: h.memTotal, GenericResources: null,
    DockerRootDir: h.dockerRootDir ?? '', HttpProxy: '', HttpsProxy: '', NoProxy: '', Name: b.hostname(), Labels: [],
    ExperimentalBuild: false, ServerVersion: VERSION, Runtimes: {}, DefaultRuntime: b.executorName(),
    Swarm: b.swarmInfo(), LiveRestoreEnabled: false, Isolation: '', InitBinary: '',
    ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' }, SecurityOptions: [], Warnings: null,
  };
}

function version(b: DaemonBackend) {
  // Every detail docker's version template prints of the Engine component; KernelVersion and Executor are for --format.
  const details = {
    ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GoVersion: runtimeVersion(), GitCommit: 'tswarm', BuildTime: BUILD_TIME,
    Os: 'linux', Arch: goArch(), Experimental: 'false', KernelVersion: release(), Executor: b.executorName(),
  };
  return {
    Platform: { Name: 'tswarm' }, Components: [{ Name: 'Engine', Version: VERSION, Details: details }],
    Version: VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: 'tswarm', GoVersion: runtimeVersion(),
    Os: 'linux', Arch: goArch(), KernelVersion: release(), BuildTime: BUILD_TIME,
  };
}

const body = async <T>(req: ApiRequest, schema: Parameters<typeof decodeBody>[0], onEmpty?: () => T) =>
  decodeBody<T>(schema, await req.body(), onEmpty ? { onEmpty } : {});

const route = (method: string, pattern: RegExp, kind: RouteKind, run: Route['run']): Route => ({ method, pattern, kind, run });

/** Every Engine API route tswarm serves itself. */
export const routes: Route[] = [
  route('GET', /^\/version$/, 'node', (_r, b) => json(version(b))),
  route('GET', /^\/info$/, 'node', async (_r, b) => json(await info(b))),
  // This node's events: the swarm's (a manager's ring) and its engine's.
  route('GET', /^\/events$/, 'node', (r, b) => events(r, b)),

  // swarm: membership is this node's; the swarm object is the cluster's.
  route('GET', /^\/swarm$/, 'cluster-read', (_r, b) => json(b.control().getCluster())),
  route('POST', /^\/swarm\/init$/, 'node', async (r, b) => {
    const req = await body<SwarmInitRequest>(r, swarmInitRequest);
    refuseUnsupported(swarmInitRequest, req);
    validateAddrPools(req.DefaultAddrPool, req.SubnetSize);
    validateDataPathPort(req.DataPathPort);
    return json(await b.init(req));
  }),
  route('POST', /^\/swarm\/join$/, 'node', async (r, b) => {
    const req = await body<SwarmJoinRequest>(r, swarmJoinRequest);
    refuseUnsupported(swarmJoinRequest, req);
    await b.join(req);
    return empty();
  }),
  route('POST', /^\/swarm\/leave$/, 'node', async (r, b) => { await b.leave(boolParam(r.query, 'force')); return empty(); }),
  route('POST', /^\/swarm\/update$/, 'cluster-write', async (r, b) => {
    const q = r.query;
    const v = versionParam(q, 'swarm');
    const spec = await body<SwarmSpec>(r, swarmSpec);
    await b.control().updateCluster(v, spec, {
      rotateWorkerToken: boolParam(q, 'rotateWorkerToken'), rotateManagerToken: boolParam(q, 'rotateManagerToken'),
      rotateManagerUnlockKey: boolParam(q, 'rotateManagerUnlockKey'),
    });
    return empty();
  }),
  route('POST', /^\/swarm\/unlock$/, 'node', async (r, b) => {
    const req = await body<{ UnlockKey?: string }>(r, swarmUnlockRequest);
    await b.unlock(req.UnlockKey ?? '');
    return empty();
  }),
  route('GET', /^\/swarm\/unlockkey$/, 'cluster-read', (_r, b) => json({ UnlockKey: b.control().getUnlockKey() })),

  // nodes
  route('GET', /^\/nodes$/, 'cluster-read', (r, b) => json(b.control().listNodes(parseFilters(r.query)))),
  route('GET', /^\/nodes\/(?<id>[^/]+)$/, 'cluster-read', (r, b) => json(b.control().getNode(r.params.id))),
  route('POST', /^\/nodes\/(?<id>[^/]+)\/update$/, 'cluster-write', async (r, b) => {
    const v = versionParam(r.query, 'node');
    await b.control().updateNode(r.params.id, v, await body<NodeSpec>(r, nodeSpec));
    return empty();
  }),
  route('DELETE', /^\/nodes\/(?<id>[^/]+)$/, 'cluster-write', async (r, b) => {
    await b.control().removeNode(r.params.id, boolParam(r.query, 'force'));
    return empty();
  }),

  // services
  route('GET', /^\/services$/, 'cluster-read', (r, b) => json(b.control().listServices(parseFilters(r.query), { status: boolParam(r.query, 'status') }))),
  route('POST', /^\/services\/create$/, 'cluster-write', async (r, b) => {
    const control = b.control();
    return json(await control.createService(await body<ServiceSpec>(r, serviceSpec)), 201);
  }),
  route('GET', /^\/services\/(?<id>[^/]+)$/, 'cluster-read', (r, b) => json(b.control().getService(r.params.id, { insertDefaults: boolParam(r.query, 'insertDefaults') }))),
  route('POST', /^\/services\/(?<id>[^/]+)\/update$/, 'cluster-write', async (r, b) => {
    const control = b.control();
    const v = versionParam(r.query, 'service');
    const rollback = r.query.get('rollback');
    // Docker 20.10 answers 500 with these words; a bad parameter is the client's error (400).
    if (rollback && rollback !== 'previous' && rollback !== 'none') throw badRequest(`unrecognized rollback option ${rollback}`);
    const spec = await body<ServiceSpec>(r, serviceSpec);
    const res = await control.updateService(r.params.id, v, spec, rollback === 'previous' ? { rollback: 'previous' } : {});
    return json({ Warnings: res.Warnings ?? null });
  }),
  route('DELETE', /^\/services\/(?<id>[^/]+)$/, 'cluster-write', async (r, b) => { await b.control().removeService(r.params.id); return empty(); }),
  route('GET', /^\/services\/(?<id>[^/]+)\/logs$/, 'cluster-read', (r, b) => {
    checkLogStreams(r);
    const control = b.control();
    const s = control.getService(r.params.id);
    return { stream: (res) => streamLogs(r, res, b, { serviceIds: [s.ID] }, !!s.Spec.TaskTemplate?.ContainerSpec?.TTY) };
  }),

  // tasks
  route('GET', /^\/tasks$/, 'cluster-read', (r, b) => json(b.control().listTasks(parseFilters(r.query)))),
  route('GET', /^\/tasks\/(?<id>[^/]+)$/, 'cluster-read', (r, b) => json(b.control().getTask(r.params.id))),
  route('GET', /^\/tasks\/(?<id>[^/]+)\/logs$/, 'cluster-read', (r, b) => {
    checkLogStreams(r);
    const t = b.control().getTask(r.params.id);
    return { stream: (res) => streamLogs(r, res, b, { taskIds: [t.ID] }, !!t.Spec.ContainerSpec?.TTY) };
  }),

  // networks: swarm-scoped ones here, local ones the engine's (network-routes.ts)
  ...networkRoutes,
  // plain containers on swarm networks (container-network-routes.ts); other container calls go to the engine
  ...containerNetworkRoutes,

  // secrets and configs (payload-routes.ts)
  ...payloadRoutes(route),

  // Images are not pinned by digest: the CLI goes on as with a local-only image.
  route('GET', /^\/distribution\/(?<name>.+)\/json$/, 'node', (r) => json({
    message: `no registry is reachable from tswarm to resolve ${r.params.name}`,
  }, 403)),
];

/** A path parameter, %-decoded; bytes that are not UTF-8 are a bad request, not a crash. */
function unescapePath(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    throw badRequest(`invalid URL escape in ${JSON.stringify(v)}: not UTF-8`);
  }
}

/** The route for a method and a (version-less) path, with its decoded parameters. */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    return { route: r, params: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, unescapePath(v)])) };
  }
  return undefined;
}
