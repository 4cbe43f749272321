import { parseFilters, readBody, sendJson } from '../../api/http.js';
import { acceptsGzip } from '../../api/gzip-reply.js';
import { ApiError } from '../../types/errors.js';
import { EngineError, EngineUnreachable } from '../engine/engine-api.js';
import { statusTextUntil } from '../pool/container.js';
import type { Container } from '../pool/engine.js';
import type { CreateBody } from '../scheduler/container-config.js';
import { enginePath } from './engine-path.js';
import { ChunkedList } from './list-chunks.js';
import type { Front, FrontRequest, Handler, UpgradeHandler } from './front.js';

/** The container a path names, or Docker's 404. */
export function containerOf(f: Front, idOrName: string): Container {
  const c = f.pool.container(decodeURIComponent(idOrName));
  if (!c) throw new ApiError(404, `No such container: ${decodeURIComponent(idOrName)}`);
  return c;
}

/** An engine's failure as the client gets it: its own status and message, or 500 when it could not be reached. */
export function engineFailure(e: unknown): never {
  if (e instanceof EngineError) throw new ApiError(e.status, e.message);
  if (e instanceof EngineUnreachable) throw new ApiError(500, e.message);
  throw e;
}

/** The request sent on to the container's engine, with the container's full ID in the path. */
export async function proxyToContainer(f: Front, r: FrontRequest, c: Container, rest: string): Promise<number> {
  const path = enginePath(c.engine, r.version, `/containers/${c.id}${rest}`, r.query);
  try {
    await c.engine.api.proxy(r.req, r.res, path);
  } catch (e) {
    c.engine.checkConnection(e);
    engineFailure(e);
  }
  return r.res.statusCode;
}

function matchAny(patterns: string[] | undefined, value: string): boolean {
  if (!patterns?.length) return true;
  return patterns.some((p) => { try { return new RegExp(p).test(value); } catch { return false; } });
}

function labelsMatch(wanted: string[] | undefined, labels: Record<string, string>): boolean {
  if (!wanted?.length) return true;
  return wanted.every((w) => {
    const i = w.indexOf('=');
    return i < 0 ? w in labels : labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

const stateOf = (c: Container) => c.details?.state ?? {};

function stateName(c: Container): string {
  const s = stateOf(c);
  if (c.details) {
    if (s.Paused) return 'paused';
    if (s.Restarting) return 'restarting';
    if (s.Running) return 'running';
    if (s.Dead) return 'dead';
    if (s.RemovalInProgress) return 'removing';
    if (!s.StartedAt || s.StartedAt.startsWith('0001')) return 'created';
    return 'exited';
  }
  return String(c.summary.State ?? '');
}

/** The pool's containers newest first; sorted again only when a container came, went or changed its entry. */
interface Sorted { all: Container[]; summaries: object[]; sorted: Container[] }
const sortedCache = new WeakMap<object, Sorted>();

function newestFirst(f: Front): Container[] {
  const all = [...f.pool.containers()];
  const last = sortedCache.get(f.pool);
  if (last && last.all.length === all.length && all.every((c, i) => c === last.all[i] && c.summary === last.summaries[i])) return last.sorted;
  const sorted = [...all].sort((a, b) => Number(b.summary.Created ?? 0) - Number(a.summary.Created ?? 0));
  sortedCache.set(f.pool, { all, summaries: all.map((c) => c.summary), sorted });
  return sorted;
}

/**
 * The last answer per query: sent again while nothing listed changed (the pool's list version) and no status
 * text would read differently yet; made anew otherwise, reusing every entry's text that did not change.
 */
const answers = new WeakMap<object, Map<string, { version: string; until: number; list: ChunkedList }>>();

/** GET /containers/json: every engine's containers from the pool, names prefixed with the engine's (`node1/web`). */
export const listContainers: Handler = async (f, r) => {
  const filters = parseFilters(r.query);
  let all = r.query.get('all') === '1' || r.query.get('all') === 'true';
  const limit = Number(r.query.get('limit') ?? 0) || 0;
  if (filters.status?.includes('exited')) all = true;
  const exited = (filters.exited ?? []).map(Number);
  const filtered = Object.values(filters).some((v) => v?.length);
  const now = Date.now();
  let byQuery = answers.get(f.pool);
  if (!byQuery) answers.set(f.pool, byQuery = new Map());
  const key = r.query.toString();
  const version = f.pool.listVersion();
  let answer = byQuery.get(key);
  if (!answer || answer.version !== version || now >= answer.until) {
    const parts: string[] = [];
    let until = Infinity;
    for (const c of newestFirst(f)) {
      if (limit > 0 && parts.length >= limit) break;
      const running = c.details ? !!stateOf(c).Running : c.summary.State === 'running';
      if ((!running || !c.engine.isHealthy()) && !all && limit <= 0) continue;
      if (filtered) {
        const names = (c.summary.Names ?? []) as string[];
        if (filters.name?.length && !(names.length && matchAny(filters.name, names[0].replace(/^\//, '')))) continue;
        if (!matchAny(filters.id, c.id)) continue;
        if (!labelsMatch(filters.label, c.details?.labels ?? c.summary.Labels ?? {})) continue;
        if (filters.status?.length && !filters.status.includes(stateName(c))) continue;
        if (!matchAny(filters.node, c.engine.name)) continue;
        if (filters.ancestor?.length && !filters.ancestor.some((a) => c.summary.Image === a || c.summary.ImageID === a || String(c.summary.Image).split(':')[0] === a)) continue;
        if (exited.length && (running || !exited.includes(Number(stateOf(c).ExitCode)))) continue;
      }
      const t = listText(c, now);
      parts.push(t.full);
      until = Math.min(until, t.until);
    }
    answer = { version, until, list: ChunkedList.of(parts, answer?.list) };
    byQuery.delete(key);
    if (byQuery.size >= 8) byQuery.delete(byQuery.keys().next().value!);
    byQuery.set(key, answer);
  }
  // The docker CLI over TCP (Go's HTTP client) asks for gzip and unpacks it: 30,000 containers are 24 MB of JSON, a few in gzip.
  if (acceptsGzip(r.req)) {
    const gz = await answer.list.gzipped();
    r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gz.length, Vary: 'Accept-Encoding' });
    r.res.end(gz);
    return;
  }
  r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': answer.list.body.length, Vary: 'Accept-Encoding' });
  r.res.end(answer.list.body);
};

/**
 * A container's list entry as JSON text: its engine's entry with the names
 * prefixed by the engine's (`/node1/web`), unspecified port IPs replaced by
 * the engine's, the labels as inspected, the status ("Up 5 minutes") as of
 * now; kept until the container changes or its status text would read
 * differently, so a list of 30,000 containers is mostly a join of ready texts.
 */
interface ListText { details?: object; node: string; ip: string; healthy: boolean; text: string; status: string; until: number; full: string }
const listTexts = new WeakMap<object, ListText>();

function listText(c: Container, now: number): ListText {
  let t = listTexts.get(c.summary);
  const healthy = c.engine.isHealthy();
  if (!t || t.details !== c.details || t.node !== c.engine.name || t.ip !== c.engine.ip) {
    const ip = c.engine.ip;
    const rest: Record<string, unknown> = {
      ...c.summary,
      Names: ((c.summary.Names ?? []) as string[]).map((n) => `/${c.engine.name}${n}`),
      Labels: c.details?.labels ?? c.summary.Labels,
      Ports: ((c.summary.Ports ?? []) as Record<string, unknown>[]).map((p) => (p.IP === '0.0.0.0' || p.IP === '::' ? { ...p, IP: ip } : p)),
    };
    delete rest.Status;
    t = { details: c.details, node: c.engine.name, ip, healthy, text: JSON.stringify(rest), status: '', until: -Infinity, full: '' };
    listTexts.set(c.summary, t);
  }
  // The engine's own status text (no inspect yet) changes only with the summary's Status.
  const engineStatus = !c.details ? String(c.summary.Status ?? '') : undefined;
  if (t.healthy !== healthy || now >= t.until || (engineStatus !== undefined && engineStatus !== t.status && healthy)) {
    const s = !healthy ? { text: 'Host Down', until: Infinity } : c.details ? statusTextUntil(stateOf(c), now) : { text: engineStatus!, until: Infinity };
    if (s.text !== t.status || !t.full) t.full = `{"Status":${JSON.stringify(s.text)},${t.text.slice(1)}`;
    t.status = s.text; t.until = s.until; t.healthy = healthy;
  }
  return t;
}

/** GET /containers/{name}/json: the engine's inspect with the engine as `Node`, as classic Swarm added it. */
export const inspectContainer: Handler = async (f, r) => {
  const c = containerOf(f, r.params[0]);
  let info: Record<string, any>;
  try {
    info = await c.engine.call('GET', enginePath(c.engine, r.version, `/containers/${c.id}/json`, r.query));
  } catch (e) { engineFailure(e); }
  const e = c.engine;
  const node = { ID: e.id, IP: e.ip, Addr: e.addr, Name: e.name, Cpus: e.cpus, Memory: e.memory, Labels: e.labels };
  sendJson(r.res, 200, { Id: info.Id, Created: info.Created, Node: node, ...info });
};

/** POST /containers/create: scheduled onto an engine. */
export const createContainer: Handler = async (f, r) => {
  const raw = await readBody(r.req);
  let body: CreateBody;
  try { body = JSON.parse(raw.toString('utf8') || '{}') as CreateBody; } catch (e) { throw new ApiError(400, (e as Error).message); }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'json: cannot unmarshal into Go value of type container.Config');
  const name = r.query.get('name') ?? '';
  try {
    const { container } = await f.cluster.createFromRequest(body, name, r.req.headers['x-registry-auth'] as string | undefined);
    sendJson(r.res, 201, { Id: container.Id, Warnings: container.Warnings ?? [] });
  } catch (e) { engineFailure(e); }
};

/** Any other container call: proxied to the container's engine; the pool's copy is refreshed after a change. */
export const proxyContainer: Handler = async (f, r) => {
  const c = containerOf(f, r.params[0]);
  const status = await proxyToContainer(f, r, c, r.params[1] ?? '');
  if (r.method !== 'GET' && r.method !== 'HEAD' && status < 400) {
    if (r.method === 'DELETE') c.engine.containers.delete(c.id);
    else await c.engine.refreshContainer(c.id).catch(() => undefined);
  }
};

/** POST /containers/{name}/exec: proxied; the exec's ID is remembered for /exec/{id}/… calls. */
export const createExec: Handler = async (f, r) => {
  const c = containerOf(f, r.params[0]);
  const body = await readBody(r.req);
  let made: { Id: string };
  try {
    made = await c.engine.call('POST', enginePath(c.engine, r.version, `/containers/${c.id}/exec`, r.query), JSON.parse(body.toString('utf8') || '{}'));
  } catch (e) { engineFailure(e); }
  f.execs.set(made.Id, c.engine);
  sendJson(r.res, 201, made);
};

/** The engine that made an exec (asked around when this manager did not see it made). */
export async function execEngine(f: Front, id: string) {
  const known = f.execs.get(id);
  if (known) return known;
  const answers = await Promise.all(f.pool.healthy().map(async (e) => {
    try { await e.api.call('GET', `/exec/${id}/json`, undefined, { timeoutMs: 5000 }); return e; } catch { return undefined; }
  }));
  const found = answers.find((e) => e);
  if (!found) throw new ApiError(404, `No such exec instance: ${id}`);
  f.execs.set(id, found);
  return found;
}

/** /exec/{id}/json, /exec/{id}/resize, /exec/{id}/start without upgrade: proxied to the exec's engine. */
export const proxyExec: Handler = async (f, r) => {
  const e = await execEngine(f, r.params[0]);
  try { await e.api.proxy(r.req, r.res, enginePath(e, r.version, `/exec/${r.params[0]}${r.params[1]}`, r.query)); } catch (err) { engineFailure(err); }
};

/** POST /containers/{name}/attach with Upgrade: the raw stream to the engine. */
export const attachUpgrade: UpgradeHandler = (f, r, socket, head) => {
  const c = containerOf(f, r.params[0]);
  c.engine.api.upgrade(r.req, socket, head, enginePath(c.engine, r.version, `/containers/${c.id}${r.params[1]}`, r.query));
};

export const execUpgrade: UpgradeHandler = async (f, r, socket, head) => {
  const e = await execEngine(f, r.params[0]);
  e.api.upgrade(r.req, socket, head, enginePath(e, r.version, `/exec/${r.params[0]}${r.params[1]}`, r.query));
};
