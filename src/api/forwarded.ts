import { ApiError, isApiError } from '../types/errors.js';
import type { DaemonBackend } from './backend.js';
import { MAX_BODY_BYTES, bodyTooLarge, json, empty, type ApiRequest, type Reply } from './http.js';
import { findRoute } from './routes.js';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';

/** The headers a swarm write's handler reads: the body's type and the registry credentials. */
export const FORWARDED_HEADERS = ['content-type', 'x-registry-auth'] as const;

export async function toForwarded(req: ApiRequest): Promise<ForwardedWrite> {
  const headers: Record<string, string> = {};
  for (const h of FORWARDED_HEADERS) if (req.headers[h] !== undefined) headers[h] = req.headers[h]!;
  return { method: req.method, path: req.path, query: req.query.toString(), headers, body: (await req.body()).toString('base64') };
}

export function replyOf(r: ForwardedReply): Reply {
  return r.body === '' ? empty(r.status) : json(JSON.parse(r.body), r.status);
}

/** On the leader: runs a forwarded cluster write as if its client had called here. */
export async function runForwarded(w: ForwardedWrite, backend: DaemonBackend): Promise<ForwardedReply> {
  const found = typeof w.method === 'string' && typeof w.path === 'string' ? findRoute(w.method, w.path) : undefined;
  const denied = () => new ApiError(403, `permission denied: ${String(w.method)} ${String(w.path)} is not a cluster write`);
  if (!found || found.route.kind !== 'cluster-write') throw denied();
  const body = Buffer.from(typeof w.body === 'string' ? w.body : '', 'base64');
  const headers: Record<string, string> = {};
  for (const h of FORWARDED_HEADERS) if (typeof w.headers?.[h] === 'string') headers[h] = w.headers[h];
  const req: ApiRequest = {
    method: w.method, path: w.path, params: found.params, query: new URLSearchParams(typeof w.query === 'string' ? w.query : ''),
    headers,
    body: async () => { if (body.length > MAX_BODY_BYTES) throw bodyTooLarge(body.length); return body; },
  };
  try {
    // A route whose request decides its kind runs here only as a cluster write.
    if (found.route.kindOf && await found.route.kindOf(req, backend) !== 'cluster-write') throw denied();
    const r = await found.route.run(req, backend);
    if ('stream' in r) throw new ApiError(500, 'a cluster write cannot stream');
    return 'empty' in r ? { status: r.status, body: '' } : { status: r.status, body: JSON.stringify(r.json) };
  } catch (e) {
    if (!isApiError(e)) throw e;
    return { status: e.status, body: JSON.stringify({ message: e.message }) };
  }
}
