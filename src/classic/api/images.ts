import { parseFilters, readBody, sendJson } from '../../api/http.js';
import { ApiError } from '../../types/errors.js';
import type { Engine } from '../pool/engine.js';
import { enginePath } from './engine-path.js';
import { engineFailure } from './containers.js';
import type { Front, FrontRequest, Handler } from './front.js';
import { textLines } from '../engine/lines.js';

/** GET /images/json: every engine's images, one entry per image ID with the tags of all engines. */
export const listImages: Handler = async (f, r) => {
  const nodes = parseFilters(r.query).node;
  const engines = f.pool.healthy().filter((e) => !nodes?.length || nodes.includes(e.name) || nodes.includes(e.id));
  const q = new URLSearchParams(r.query);
  q.delete('filters');
  const filters = parseFilters(r.query);
  delete filters.node;
  if (Object.keys(filters).length) q.set('filters', JSON.stringify(filters));
  const lists = await Promise.all(engines.map((e) => e.call<Record<string, any>[]>('GET', enginePath(e, r.version, '/images/json', q)).catch(() => [])));
  const byId = new Map<string, Record<string, any>>();
  for (const list of lists) {
    for (const img of list) {
      const seen = byId.get(img.Id);
      if (!seen) { byId.set(img.Id, { ...img, RepoTags: [...(img.RepoTags ?? [])], RepoDigests: [...(img.RepoDigests ?? [])] }); continue; }
      for (const t of img.RepoTags ?? []) if (!seen.RepoTags.includes(t)) seen.RepoTags.push(t);
      for (const d of img.RepoDigests ?? []) if (!seen.RepoDigests.includes(d)) seen.RepoDigests.push(d);
    }
  }
  sendJson(r.res, 200, [...byId.values()].sort((a, b) => Number(b.Created ?? 0) - Number(a.Created ?? 0)));
};

/** Engines that have an image (by ID, tag or repository). */
export function enginesWithImage(f: Front, ref: string): Engine[] {
  const tagged = ref.includes(':') || ref.includes('@') ? ref : `${ref}:latest`;
  return f.pool.healthy().filter((e) => e.images.some((i) =>
    i.Id === ref || String(i.Id).replace(/^sha256:/, '').startsWith(ref.replace(/^sha256:/, '')) || ((i.RepoTags ?? []) as string[]).includes(tagged)));
}

/** Streams one JSON message line to the client (a pull's progress). */
const line = (r: FrontRequest, m: unknown) => r.res.write(`${JSON.stringify(m)}\r\n`);

/**
 * POST /images/create: a pull on every engine, each engine's progress
 * lines tagged with its name; an import (fromSrc) goes to one engine.
 */
export const pullImage: Handler = async (f, r) => {
  const from = r.query.get('fromImage');
  if (!from) {
    const e = f.pool.healthy()[0];
    if (!e) throw new ApiError(500, 'No healthy node available in the cluster');
    try { await e.api.proxy(r.req, r.res, enginePath(e, r.version, '/images/create', r.query)); } catch (err) { engineFailure(err); }
    return;
  }
  const tag = r.query.get('tag');
  const image = tag ? `${from}${tag.startsWith('sha256:') ? '@' : ':'}${tag}` : from;
  const engines = f.pool.healthy();
  r.res.writeHead(200, { 'Content-Type': 'application/json' });
  let error = '';
  let ok = false;
  await Promise.all(engines.map(async (e) => {
    try {
      const up = await e.api.request('POST', enginePath(e, r.version, '/images/create', r.query), {
        headers: r.req.headers['x-registry-auth'] ? { 'X-Registry-Auth': r.req.headers['x-registry-auth'] } : {}, body: '',
      });
      const refused = (up.statusCode ?? 500) >= 400;
      let failed = refused;
      for await (const text of textLines(up)) {
        let m: Record<string, any>;
        try {
          m = JSON.parse(text) as Record<string, any>;
        } catch {
          if (refused) { error = text; line(r, { status: `Pulling ${image}... : ${error}`, id: e.name }); }
          continue;
        }
        // A refused pull answers with the engine's {"message": …}; a pull that fails later says so in its progress.
        if (refused && m.message !== undefined) { error = String(m.message); line(r, { status: `Pulling ${image}... : ${error}`, id: e.name }); continue; }
        if (m.error || m.errorDetail) { failed = true; error = String(m.error ?? m.errorDetail?.message); line(r, { status: `Pulling ${image}... : ${error}`, id: e.name }); continue; }
        line(r, { status: m.status ? `Pulling ${image}... : ${m.status}` : `Pulling ${image}...`, id: e.name, ...(m.progressDetail ? { progressDetail: m.progressDetail } : {}) });
      }
      if (!failed) { ok = true; void e.refreshImages().catch(() => undefined); }
    } catch (err) {
      error = (err as Error).message;
      line(r, { status: `Pulling ${image}... : ${error}`, id: e.name });
    }
  }));
  if (error && !ok) line(r, { errorDetail: { code: 1, message: error }, error });
  r.res.end();
};

/** DELETE /images/{name}: removed on every engine that has it. */
export const removeImage: Handler = async (f, r) => {
  const ref = decodeURIComponent(r.params[0]);
  const engines = enginesWithImage(f, ref);
  if (!engines.length) throw new ApiError(404, `No such image: ${ref}`);
  const out: unknown[] = [];
  let firstErr: unknown;
  for (const e of engines) {
    try {
      out.push(...await e.call<unknown[]>('DELETE', enginePath(e, r.version, `/images/${r.params[0]}`, r.query)));
      void e.refreshImages().catch(() => undefined);
    } catch (err) { firstErr ??= err; }
  }
  if (!out.length && firstErr) engineFailure(firstErr);
  sendJson(r.res, 200, out);
};

/** GET /images/{name}/json|history, tag, push: an engine that has the image. */
export const proxyImage: Handler = async (f, r) => {
  const ref = decodeURIComponent(r.params[0]);
  const e = enginesWithImage(f, ref)[0];
  if (!e) throw new ApiError(404, `No such image: ${ref}`);
  try { await e.api.proxy(r.req, r.res, enginePath(e, r.version, `/images/${r.params[0]}${r.params[1]}`, r.query)); } catch (err) { engineFailure(err); }
  if (r.method === 'POST') void e.refreshImages().catch(() => undefined);
};

/** /build, /auth, /images/search, /images/load: any healthy engine (classic's proxyRandom). */
export const proxyRandom: Handler = async (f, r) => {
  const engines = f.pool.healthy();
  if (!engines.length) throw new ApiError(500, 'No healthy node available in the cluster');
  const e = engines[Math.floor(Math.random() * engines.length)];
  try { await e.api.proxy(r.req, r.res, enginePath(e, r.version, r.path, r.query)); } catch (err) { engineFailure(err); }
  if (r.path === '/build' || r.path === '/images/load') void e.refreshImages().catch(() => undefined);
};

/** POST /commit: on the container's engine. */
export const commit: Handler = async (f, r) => {
  const c = f.pool.container(r.query.get('container') ?? '');
  if (!c) throw new ApiError(404, `No such container: ${r.query.get('container') ?? ''}`);
  const q = new URLSearchParams(r.query);
  q.set('container', c.id);
  const body = await readBody(r.req);
  try { await c.engine.api.proxy(r.req, r.res, enginePath(c.engine, r.version, '/commit', q), body); } catch (err) { engineFailure(err); }
  void c.engine.refreshImages().catch(() => undefined);
};
