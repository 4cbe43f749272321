import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsOptions } from 'node:https';
import { logger } from '../log.js';
import { ApiError, isApiError } from '../types/errors.js';
import type { DaemonBackend } from './backend.js';
import { forwardToEngine, forwardUpgrade } from './forward.js';
import { replyOf, toForwarded } from './forwarded.js';
import { API_VERSION, MIN_API_VERSION, compareVersions, readBody, sendError, sendReply, type ApiRequest } from './http.js';
import { findRoute } from './routes.js';
import { VERSION } from '../types/version.js';
import { refuseSwarmScoped } from './unsupported-resources.js';

const log = logger('api');
const VERSIONED = /^\/v(\d+\.\d+)(\/.*)$/;

export interface ApiServerOptions {
  /** HTTPS (dockerd's --tls/--tlsverify): key, cert, and with `requestCert` the CA clients must be signed by. */
  tls?: TlsOptions;
}

function swarmHeader(b: DaemonBackend): string {
  const s = b.swarmInfo();
  if (s.LocalNodeState !== 'active') return s.LocalNodeState;
  return s.ControlAvailable ? 'active/manager' : 'active/worker';
}

/** Splits the version prefix off; Docker refuses versions it does not serve. */
function routePath(path: string): string {
  const m = VERSIONED.exec(path);
  if (!m) return path;
  if (compareVersions(m[1], API_VERSION) > 0) throw new ApiError(400, `client version ${m[1]} is too new. Maximum supported API version is ${API_VERSION}`);
  if (compareVersions(m[1], MIN_API_VERSION) < 0) throw new ApiError(400, `client version ${m[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  return m[2];
}

/** Go's url parsing refuses a bad %-escape before any handler runs; so do we, with its words. */
function checkEscapes(path: string) {
  const bad = /%(?![0-9a-fA-F]{2})(.{0,2})/s.exec(path);
  if (bad) throw new ApiError(400, `invalid URL escape ${JSON.stringify(bad[0])}`);
}

/** The Engine API server: swarm endpoints here, the rest forwarded to the local engine if any. */
export function createApiServer(backend: DaemonBackend, opts: ApiServerOptions = {}): Server {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // handle answers every error itself; anything escaping it is a bug: log it and end the request.
    handle(backend, req, res).catch((err: unknown) => {
      log.error({ err: String((err as Error)?.stack ?? err), url: req.url }, 'request handler failed');
      if (!res.headersSent) sendError(res, new ApiError(500, String((err as Error)?.message ?? err))); else res.destroy();
    });
  };
  const server: Server = opts.tls ? createTlsServer(opts.tls, onRequest) : createServer(onRequest);
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const engine = backend.engineSocket();
    if (engine) { forwardUpgrade(engine, req, socket, head); return; }
    socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\n\r\n{"message":"no container engine behind this tswarm node"}');
  });
  return server;
}

function apiRequest(req: IncomingMessage, method: string, path: string, params: Record<string, string>, query: URLSearchParams): ApiRequest {
  let body: Promise<Buffer> | undefined;
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { method, path, params, query, headers, body: () => (body ??= readBody(req)) };
}

async function handle(backend: DaemonBackend, req: IncomingMessage, res: ServerResponse) {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `tswarm/${VERSION} (linux)`);
  try {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    // Only the path: Go takes a query with a bad escape as it comes, and so does Docker.
    checkEscapes(rawPath);
    const path = routePath(rawPath);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const method = req.method ?? 'GET';
    if (path === '/_ping' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', Swarm: swarmHeader(backend), 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' });
      res.end(method === 'GET' ? 'OK' : undefined);
      return;
    }
    const found = findRoute(method, path);
    let read: Buffer | undefined;
    const request = found && apiRequest(req, method, path, found.params, query);
    const kind = found && request && (found.route.kindOf ? await found.route.kindOf(request, backend) : found.route.kind);
    if (kind === 'engine') read = await request!.body();
    if (found && request && kind && kind !== 'engine') {
      if (kind === 'cluster-write') {
        // On a follower, the leader runs it (a typed RPC carrying this route's request only).
        const toLeader = backend.leaderForwarder?.();
        if (toLeader) { await sendReply(res, replyOf(await toLeader(await toForwarded(request)))); return; }
      } else if (kind === 'cluster-read') {
        // Reads come from this manager's store once it has applied all a quorum committed (ReadIndex): linearizable.
        await backend.readBarrier?.();
      }
      await sendReply(res, await found.route.run(request, backend));
      return;
    }
    // Swarm-scoped objects tswarm does not have yet get a clear answer, not the engine's.
    const body = read ?? await refuseSwarmScoped(method, path, req);
    const engine = backend.engineSocket();
    if (engine) { forwardToEngine(engine, req, res, body); return; }
    if (/^\/(containers|images|volumes|exec|build|networks|plugins|system|events|session|commit|auth|grpc)(\/|$)/.test(path)) {
      throw new ApiError(501, `tswarm runs tasks with the ${backend.executorName()} executor and has no container engine: ${path} is not available`);
    }
    throw new ApiError(404, 'page not found');
  } catch (e) {
    if (isApiError(e)) { sendError(res, e); return; }
    log.error({ err: String((e as Error)?.stack ?? e), url: req.url }, 'request failed');
    sendError(res, new ApiError(500, String((e as Error)?.message ?? e)));
  }
}
