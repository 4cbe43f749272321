import { readBody, sendJson } from '../../api/http.js';
import { ApiError } from '../../types/errors.js';
import { EngineError } from '../engine/engine-api.js';
import type { Engine } from '../pool/engine.js';
import { enginePath } from './engine-path.js';
import { containerOf, engineFailure } from './containers.js';
import type { Front, FrontRequest, Handler } from './front.js';

/** `node1/name` → that engine and `name`; a plain name → no engine. */
function splitNode(f: Front, ref: string): { engine?: Engine; name: string } {
  const i = ref.indexOf('/');
  if (i > 0) {
    const engine = f.pool.engineByName(ref.slice(0, i));
    if (engine) return { engine, name: ref.slice(i + 1) };
  }
  return { name: ref };
}

function anyEngine(f: Front): Engine {
  const engines = f.pool.healthy();
  if (!engines.length) throw new ApiError(500, 'No healthy node available in the cluster');
  return engines[Math.floor(Math.random() * engines.length)];
}

async function readJson(r: FrontRequest): Promise<Record<string, any>> {
  const raw = await readBody(r.req);
  try {
    const v: unknown = JSON.parse(raw.toString('utf8') || '{}');
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('json: cannot unmarshal non-object');
    return v as Record<string, any>;
  } catch (e) { throw new ApiError(400, (e as Error).message); }
}

/** The engines holding a network or volume: the one named in `node/name`, else every engine that answers for it. */
async function holders(f: Front, r: FrontRequest, kind: 'networks' | 'volumes', ref: string): Promise<{ engine: Engine; name: string }[]> {
  const { engine, name } = splitNode(f, ref);
  const engines = engine ? [engine] : f.pool.healthy();
  const found = await Promise.all(engines.map(async (e) => {
    try { await e.call('GET', enginePath(e, r.version, `/${kind}/${encodeURIComponent(name)}`, new URLSearchParams())); return e; } catch { return undefined; }
  }));
  const out = found.filter((e): e is Engine => !!e).map((e) => ({ engine: e, name }));
  if (!out.length) throw new ApiError(404, kind === 'networks' ? `network ${ref} not found` : `get ${ref}: no such volume`);
  return out;
}

/** GET /networks: every engine's networks; local ones named `node/name`, swarm- and global-scope ones once. */
export const listNetworks: Handler = async (f, r) => {
  const engines = f.pool.healthy();
  const lists = await Promise.all(engines.map((e) => e.call<Record<string, any>[]>('GET', enginePath(e, r.version, '/networks', r.query)).then((l) => l.map((n) => ({ n, e }))).catch(() => [])));
  const seen = new Set<string>();
  const out: Record<string, any>[] = [];
  for (const { n, e } of lists.flat()) {
    if (n.Scope === 'local') { out.push({ ...n, Name: `${e.name}/${n.Name}` }); continue; }
    if (seen.has(n.Id)) continue;
    seen.add(n.Id);
    out.push(n);
  }
  sendJson(r.res, 200, out);
};

export const inspectNetwork: Handler = async (f, r) => {
  const [h] = await holders(f, r, 'networks', decodeURIComponent(r.params[0]));
  try {
    const n = await h.engine.call<Record<string, any>>('GET', enginePath(h.engine, r.version, `/networks/${encodeURIComponent(h.name)}`, r.query));
    sendJson(r.res, 200, n.Scope === 'local' ? { ...n, Name: `${h.engine.name}/${n.Name}` } : n);
  } catch (e) { engineFailure(e); }
};

/** POST /networks/create: on the engine named in `node/name`, else on one engine. */
export const createNetwork: Handler = async (f, r) => {
  const body = await readJson(r);
  const { engine, name } = splitNode(f, String(body.Name ?? ''));
  const e = engine ?? anyEngine(f);
  try { sendJson(r.res, 201, await e.call('POST', enginePath(e, r.version, '/networks/create', r.query), { ...body, Name: name })); } catch (err) { engineFailure(err); }
};

export const removeNetwork: Handler = async (f, r) => {
  for (const h of await holders(f, r, 'networks', decodeURIComponent(r.params[0]))) {
    try { await h.engine.call('DELETE', enginePath(h.engine, r.version, `/networks/${encodeURIComponent(h.name)}`, r.query)); } catch (e) { engineFailure(e); }
  }
  r.res.writeHead(204).end();
};

/** POST /networks/{id}/connect|disconnect: on the container's engine. */
export const connectNetwork: Handler = async (f, r) => {
  const body = await readJson(r);
  const c = containerOf(f, String(body.Container ?? ''));
  const { name } = splitNode(f, decodeURIComponent(r.params[0]));
  try {
    await c.engine.call('POST', enginePath(c.engine, r.version, `/networks/${encodeURIComponent(name)}/${r.params[1]}`, r.query), { ...body, Container: c.id });
  } catch (e) { engineFailure(e); }
  await c.engine.refreshContainer(c.id).catch(() => undefined);
  r.res.writeHead(200, { 'Content-Length': 0 }).end();
};

/** GET /volumes: every engine's volumes, named `node/name`. */
export const listVolumes: Handler = async (f, r) => {
  const engines = f.pool.healthy();
  const lists = await Promise.all(engines.map((e) => e.call<{ Volumes?: Record<string, any>[] | null }>('GET', enginePath(e, r.version, '/volumes', r.query))
    .then((l) => (l.Volumes ?? []).map((v) => ({ ...v, Name: `${e.name}/${v.Name}` }))).catch(() => [])));
  sendJson(r.res, 200, { Volumes: lists.flat(), Warnings: null });
};

/** POST /volumes/create: on the engine named in `node/name`, else on every engine (classic Swarm). */
export const createVolume: Handler = async (f, r) => {
  const body = await readJson(r);
  const { engine, name } = splitNode(f, String(body.Name ?? ''));
  const engines = engine ? [engine] : f.pool.healthy();
  if (!engines.length) throw new ApiError(500, 'No healthy node available in the cluster');
  const made = await Promise.allSettled(engines.map((e) => e.call<Record<string, any>>('POST', enginePath(e, r.version, '/volumes/create', r.query), { ...body, Name: name })));
  const first = made.find((m) => m.status === 'fulfilled');
  if (!first) engineFailure((made[0] as PromiseRejectedResult).reason);
  const v = (first as PromiseFulfilledResult<Record<string, any>>).value;
  sendJson(r.res, 201, engine ? { ...v, Name: `${engine.name}/${v.Name}` } : v);
};

export const inspectVolume: Handler = async (f, r) => {
  const [h] = await holders(f, r, 'volumes', decodeURIComponent(r.params[0]));
  try {
    const v = await h.engine.call<Record<string, any>>('GET', enginePath(h.engine, r.version, `/volumes/${encodeURIComponent(h.name)}`, r.query));
    sendJson(r.res, 200, { ...v, Name: `${h.engine.name}/${v.Name}` });
  } catch (e) { engineFailure(e); }
};

export const removeVolume: Handler = async (f, r) => {
  let removed = false;
  let failure: unknown;
  for (const h of await holders(f, r, 'volumes', decodeURIComponent(r.params[0]))) {
    try { await h.engine.call('DELETE', enginePath(h.engine, r.version, `/volumes/${encodeURIComponent(h.name)}`, r.query)); removed = true; } catch (e) { failure ??= e; }
  }
  if (!removed && failure) engineFailure(failure);
  if (!removed) throw new EngineError(404, 'no such volume');
  r.res.writeHead(204).end();
};
