import { arch, cpus, release, totalmem } from 'node:os';
import type { DaemonBackend } from './backend.js';
import { API_VERSION, MIN_API_VERSION, boolParam, parseFilters, readJson, sendJson, versionParam, type Ctx } from './http.js';
import { streamLogs } from './logs.js';
import { badRequest } from '../types/errors.js';
import type { Cluster, NodeSpec, ServiceSpec, SwarmSpec } from '../types/objects.js';
import type { SwarmInitRequest, SwarmJoinRequest } from './backend.js';

export type Handler = (ctx: Ctx, b: DaemonBackend) => Promise<void> | void;
export const VERSION = '0.1.0';

/** The swarm's shape as GET /swarm shows it (internal fields left out). */
function swarmView(c: Cluster) {
  const { RootDigest: _digest, RootCA: _ca, UnlockKey: _key, RemovedNodes: _removed, ...rest } = c;
  return rest;
}

function info(b: DaemonBackend) {
  return {
    ID: '', Containers: 0, ContainersRunning: 0, ContainersPaused: 0, ContainersStopped: 0, Images: 0,
    Driver: b.executorName(), DriverStatus: [], Plugins: { Volume: [], Network: [], Authorization: null, Log: [] },
    MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true,
    PidsLimit: true, IPv4Forwarding: true, Debug: false, NFd: 0, NGoroutines: 0, SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: '2', NEventsListener: 0,
    KernelVersion: release(), OperatingSystem: 'tswarm', OSVersion: '', OSType: 'linux',
    Architecture: arch() === 'x64' ? 'x86_64' : arch(), IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: null, NCPU: cpus().length, MemTotal: totalmem(), GenericResources: null,
    DockerRootDir: '', HttpProxy: '', HttpsProxy: '', NoProxy: '', Name: b.hostname(), Labels: [],
    ExperimentalBuild: false, ServerVersion: VERSION, Runtimes: {}, DefaultRuntime: b.executorName(),
    Swarm: b.swarmInfo(), LiveRestoreEnabled: false, Isolation: '', InitBinary: '',
    ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' }, SecurityOptions: [], Warnings: null,
  };
}

const ok = (ctx: Ctx) => { ctx.res.writeHead(200, { 'Content-Length': 0 }); ctx.res.end(); };

export const routes: [string, RegExp, Handler][] = [
  ['GET', /^\/version$/, (ctx, b) => sendJson(ctx.res, 200, {
    Platform: { Name: 'tswarm' }, Components: [{ Name: 'Engine', Version: VERSION, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: 'amd64', KernelVersion: release(), Executor: b.executorName() } }],
    Version: VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: 'tswarm', GoVersion: `node${process.versions.node}`,
    Os: 'linux', Arch: 'amd64', KernelVersion: release(), BuildTime: '',
  })],
  ['GET', /^\/info$/, (ctx, b) => sendJson(ctx.res, 200, info(b))],

  // swarm
  ['GET', /^\/swarm$/, (ctx, b) => sendJson(ctx.res, 200, swarmView(b.control().getCluster()))],
  ['POST', /^\/swarm\/init$/, async (ctx, b) => sendJson(ctx.res, 200, await b.init(await readJson<SwarmInitRequest>(ctx.req)))],
  ['POST', /^\/swarm\/join$/, async (ctx, b) => { await b.join(await readJson<SwarmJoinRequest>(ctx.req)); ok(ctx); }],
  ['POST', /^\/swarm\/leave$/, async (ctx, b) => { await b.leave(boolParam(ctx.query, 'force')); ok(ctx); }],
  ['POST', /^\/swarm\/update$/, async (ctx, b) => {
    const q = ctx.query;
    await b.control().updateCluster(versionParam(q), await readJson<SwarmSpec>(ctx.req), {
      rotateWorkerToken: boolParam(q, 'rotateWorkerToken'), rotateManagerToken: boolParam(q, 'rotateManagerToken'),
      rotateManagerUnlockKey: boolParam(q, 'rotateManagerUnlockKey'),
    });
    ok(ctx);
  }],
  ['POST', /^\/swarm\/unlock$/, async (ctx, b) => { await b.unlock((await readJson<{ UnlockKey?: string }>(ctx.req)).UnlockKey ?? ''); ok(ctx); }],
  ['GET', /^\/swarm\/unlockkey$/, (ctx, b) => { b.control(); sendJson(ctx.res, 200, { UnlockKey: b.unlockKey() }); }],

  // nodes
  ['GET', /^\/nodes$/, (ctx, b) => sendJson(ctx.res, 200, b.control().listNodes(parseFilters(ctx.query)))],
  ['GET', /^\/nodes\/(?<id>[^/]+)$/, (ctx, b) => sendJson(ctx.res, 200, b.control().getNode(ctx.params.id))],
  ['POST', /^\/nodes\/(?<id>[^/]+)\/update$/, async (ctx, b) => {
    await b.control().updateNode(ctx.params.id, versionParam(ctx.query), await readJson<NodeSpec>(ctx.req));
    ok(ctx);
  }],
  ['DELETE', /^\/nodes\/(?<id>[^/]+)$/, async (ctx, b) => { await b.control().removeNode(ctx.params.id, boolParam(ctx.query, 'force')); ok(ctx); }],

  // services
  ['GET', /^\/services$/, (ctx, b) => sendJson(ctx.res, 200, b.control().listServices(parseFilters(ctx.query), { status: boolParam(ctx.query, 'status') }))],
  ['POST', /^\/services\/create$/, async (ctx, b) => {
    const control = b.control();
    sendJson(ctx.res, 201, await control.createService(await readJson<ServiceSpec>(ctx.req)));
  }],
  ['GET', /^\/services\/(?<id>[^/]+)$/, (ctx, b) => sendJson(ctx.res, 200, b.control().getService(ctx.params.id, { insertDefaults: boolParam(ctx.query, 'insertDefaults') }))],
  ['POST', /^\/services\/(?<id>[^/]+)\/update$/, async (ctx, b) => {
    const control = b.control();
    const rollback = ctx.query.get('rollback');
    if (rollback && rollback !== 'previous') throw badRequest(`invalid rollback parameter: ${rollback}`);
    const r = await control.updateService(ctx.params.id, versionParam(ctx.query), await readJson<ServiceSpec>(ctx.req),
      rollback ? { rollback: 'previous' } : {});
    sendJson(ctx.res, 200, { Warnings: r.Warnings ?? null });
  }],
  ['DELETE', /^\/services\/(?<id>[^/]+)$/, async (ctx, b) => { await b.control().removeService(ctx.params.id); ok(ctx); }],
  ['GET', /^\/services\/(?<id>[^/]+)\/logs$/, async (ctx, b) => {
    const control = b.control();
    const s = control.getService(ctx.params.id);
    const tasks = control.listTasks({ service: [s.ID] });
    await streamLogs(ctx, b, tasks, !!s.Spec.TaskTemplate?.ContainerSpec?.TTY);
  }],

  // tasks
  ['GET', /^\/tasks$/, (ctx, b) => sendJson(ctx.res, 200, b.control().listTasks(parseFilters(ctx.query)))],
  ['GET', /^\/tasks\/(?<id>[^/]+)$/, (ctx, b) => sendJson(ctx.res, 200, b.control().getTask(ctx.params.id))],
  ['GET', /^\/tasks\/(?<id>[^/]+)\/logs$/, async (ctx, b) => {
    const t = b.control().getTask(ctx.params.id);
    await streamLogs(ctx, b, [t], !!t.Spec.ContainerSpec?.TTY);
  }],

  // Images are not pinned by digest: the CLI goes on as with a local-only image.
  ['GET', /^\/distribution\/(?<name>.+)\/json$/, (ctx) => sendJson(ctx.res, 403, {
    message: `no registry is reachable from tswarm to resolve ${decodeURIComponent(ctx.params.name)}`,
  })],
];

