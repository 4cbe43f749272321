import { hostname, release } from 'node:os';
import { API_VERSION_CLASSIC, SWARM_VERSION } from './version.js';
import { parseFilters, sendJson } from '../../api/http.js';
import type { Engine } from '../pool/engine.js';
import type { PoolEvent } from '../pool/pool.js';
import type { Front, Handler } from './front.js';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

/** go-units BytesSize ("%.4g %s", binary units), as classic's info prints reserved memory. */
export function bytesSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${Number(n.toPrecision(4))} ${units[i]}`;
}

/** One pass over an engine's containers: states and the CPUs and memory they reserve. */
interface EngineCounts { total: number; running: number; paused: number; stopped: number; cpus: number; memory: number }

function countsOf(e: Engine): EngineCounts {
  const n: EngineCounts = { total: 0, running: 0, paused: 0, stopped: 0, cpus: 0, memory: 0 };
  for (const c of e.containers.values()) {
    n.total++;
    const s = c.details?.state ?? { Running: c.summary.State === 'running', Paused: c.summary.State === 'paused' };
    if (s.Paused) n.paused++; else if (s.Running) n.running++; else n.stopped++;
    n.cpus += c.details?.cpus ?? 0;
    n.memory += c.details?.memory ?? 0;
  }
  return n;
}

/** An engine's └ block and counts, kept while nothing they show changed (1,000 engines need not be walked per `info`). */
interface Block { key: string; labels: object; pairs: [string, string][]; counts: EngineCounts }
const blocks = new WeakMap<Engine, Block>();

function blockOf(e: Engine): Block {
  const key = `${e.listVersion}|${e.state}|${e.errMsg}|${e.updatedAt.getTime()}|${e.version}|${e.id}|${e.name}|${e.cpus}|${e.memory}`;
  const had = blocks.get(e);
  if (had && had.key === key && had.labels === e.labels) return had;
  const n = countsOf(e);
  const pairs: [string, string][] = [
    [` ${e.name || '(unknown)'}`, e.addr],
    ['  └ ID', e.id],
    ['  └ Status', e.state],
    ['  └ Containers', e.isHealthy() ? `${n.total} (${n.running} Running, ${n.paused} Paused, ${n.stopped} Stopped)` : String(n.total)],
    ['  └ Reserved CPUs', `${n.cpus} / ${e.totalCpus()}`],
    ['  └ Reserved Memory', `${bytesSize(n.memory)} / ${bytesSize(e.totalMemory())}`],
    ['  └ Labels', Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).sort().join(', ')],
    ...(e.errMsg ? [['  └ Error', e.errMsg] as [string, string]] : []),
    ['  └ UpdatedAt', e.updatedAt.toISOString().replace(/\.\d+Z$/, 'Z')],
    ['  └ ServerVersion', e.version],
  ];
  const b = { key, labels: e.labels, pairs, counts: n };
  blocks.set(e, b);
  return b;
}

/** Classic Swarm's cluster Info pairs: Strategy, Filters, Nodes, then a └ block per engine. */
export function clusterStatus(f: Front, strategy: string, filters: string): [string, string][] {
  const engines = f.pool.list();
  const out: [string, string][] = [['Strategy', strategy], ['Filters', filters], ['Nodes', String(engines.length)]];
  for (const e of engines) out.push(...blockOf(e).pairs);
  return out;
}

/** GET /info: the pool's totals and classic Swarm's status lines (SystemStatus). */
export const info: Handler = (f, r) => {
  let containers = 0; let running = 0; let paused = 0; let stopped = 0; let cpus = 0; let mem = 0;
  const images = new Set<string>();
  for (const e of f.pool.list()) {
    if (e.state === 'Pending') continue;
    cpus += e.totalCpus();
    mem += e.totalMemory();
    for (const i of e.images) images.add(i.Id);
    const n = blockOf(e).counts;
    containers += n.total; running += n.running; paused += n.paused; stopped += n.stopped;
  }
  sendJson(r.res, 200, {
    ID: '', Containers: containers, ContainersRunning: running, ContainersPaused: paused, ContainersStopped: stopped,
    Images: images.size, Driver: '', DriverStatus: null, SystemStatus: f.status(),
    Plugins: { Volume: null, Network: null, Authorization: null, Log: null },
    MemoryLimit: true, SwapLimit: true, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true, PidsLimit: false,
    IPv4Forwarding: true, BridgeNfIptables: true, BridgeNfIp6tables: true, Debug: false, NFd: 0, OomKillDisable: true,
    NGoroutines: 0, SystemTime: new Date().toISOString(), LoggingDriver: '', CgroupDriver: '', NEventsListener: eventListeners.size,
    KernelVersion: release(), OperatingSystem: 'linux', OSType: 'linux', Architecture: GOARCH[process.arch] ?? process.arch,
    IndexServerAddress: '', RegistryConfig: null, NCPU: cpus, MemTotal: mem, GenericResources: null, DockerRootDir: '',
    HttpProxy: process.env.http_proxy ?? '', HttpsProxy: process.env.https_proxy ?? '', NoProxy: process.env.no_proxy ?? '',
    Name: hostname(), Labels: null, ExperimentalBuild: false, ServerVersion: SWARM_VERSION, Runtimes: null, DefaultRuntime: '',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false, Isolation: '', InitBinary: '', ContainerdCommit: { ID: '', Expected: '' }, RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' }, SecurityOptions: null, Warnings: null,
  });
};

/** GET /version: `swarm/…` as classic Swarm's. */
export const version: Handler = (_f, r) => {
  sendJson(r.res, 200, {
    Platform: { Name: '' }, Version: SWARM_VERSION, ApiVersion: API_VERSION_CLASSIC, MinAPIVersion: '1.24',
    GitCommit: '', GoVersion: `node${process.versions.node}`, Os: 'linux', Arch: GOARCH[process.arch] ?? process.arch,
    KernelVersion: release(), BuildTime: '',
  });
};

/** Live /events subscribers and a short history for `--since`. */
const eventListeners = new Set<(m: Record<string, any>) => void>();
const history: Record<string, any>[] = [];
const HISTORY = 1024;

function nodeOf(e: Engine) {
  return { Name: e.name, Id: e.id, Addr: e.addr, Ip: e.ip };
}

/** Turns a pool event into what /events sends: the engine's message with its node, or classic's engine_* messages. */
export function eventMessage(ev: PoolEvent): Record<string, any> {
  const attrs = { 'node.name': ev.engine.name, 'node.id': ev.engine.id, 'node.addr': ev.engine.addr, 'node.ip': ev.engine.ip };
  if (ev.kind === 'engine') {
    const now = Date.now();
    return {
      status: ev.status, id: '', from: 'swarm', Type: 'swarm', Action: ev.status,
      Actor: { ID: ev.engine.id, Attributes: attrs }, time: Math.floor(now / 1000), timeNano: now * 1e6, node: nodeOf(ev.engine),
    };
  }
  const m = ev.msg;
  return { ...m, Actor: { ...(m.Actor ?? {}), Attributes: { ...(m.Actor?.Attributes ?? {}), ...attrs } }, node: nodeOf(ev.engine) };
}

export function publishEvent(m: Record<string, any>): void {
  history.push(m);
  if (history.length > HISTORY) history.shift();
  for (const fn of eventListeners) fn(m);
}

function eventMatches(filters: Record<string, string[]>, m: Record<string, any>): boolean {
  const attrs = (m.Actor?.Attributes ?? {}) as Record<string, string>;
  const has = (k: string, ...vals: string[]) => !filters[k]?.length || filters[k].some((f) => vals.includes(f) || vals.some((v) => v.startsWith(f) && k === 'container'));
  return has('type', String(m.Type ?? '')) && has('event', String(m.Action ?? m.status ?? ''), String(m.status ?? ''))
    && has('container', ...(m.Type === 'container' ? [String(m.Actor?.ID ?? m.id ?? ''), attrs.name ?? ''] : []))
    && has('image', attrs.image ?? String(m.from ?? ''), ...(m.Type === 'image' ? [String(m.Actor?.ID ?? '')] : []))
    && has('node', attrs['node.name'] ?? '', attrs['node.id'] ?? '')
    && (!filters.label?.length || filters.label.every((l) => { const i = l.indexOf('='); return i < 0 ? l in attrs : attrs[l.slice(0, i)] === l.slice(i + 1); }));
}

function timeArg(v: string | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isNaN(n)) return n * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** GET /events: every engine's events and the pool's own, as one stream. */
export const events: Handler = (_f, r) => {
  const filters = parseFilters(r.query);
  const since = timeArg(r.query.get('since'));
  const until = timeArg(r.query.get('until'));
  r.res.writeHead(200, { 'Content-Type': 'application/json' });
  r.res.flushHeaders();
  const send = (m: Record<string, any>) => {
    const t = Number(m.timeNano ?? 0) / 1e6 || Number(m.time ?? 0) * 1000;
    if (until !== undefined && t > until) return;
    if (eventMatches(filters, m)) r.res.write(`${JSON.stringify(m)}\n`);
  };
  if (since !== undefined) for (const m of history) if ((Number(m.timeNano ?? 0) / 1e6 || Number(m.time ?? 0) * 1000) >= since) send(m);
  if (until !== undefined && until <= Date.now()) { r.res.end(); return; }
  eventListeners.add(send);
  const timer = until !== undefined ? setTimeout(() => r.res.end(), until - Date.now()) : undefined;
  r.res.on('close', () => { eventListeners.delete(send); clearTimeout(timer); });
};
