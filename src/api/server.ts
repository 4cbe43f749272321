import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { logger } from '../log.js';
import { ApiError, isApiError } from '../types/errors.js';
import type { DaemonBackend } from './backend.js';
import { forwardToEngine, forwardUpgrade } from './forward.js';
import { API_VERSION, MIN_API_VERSION, compareVersions, sendError, type Ctx } from './http.js';
import { VERSION, routes } from './routes.js';

const log = logger('api');
const VERSIONED = /^\/v(\d+\.\d+)(\/.*)$/;
const CLUSTER_WRITE = /^\/(services|nodes|tasks|secrets|configs)(\/|$)|^\/swarm\/(update|unlockkey)$/;

export interface ApiServerOptions { /* TLS options arrive with the membership issue */ }

function swarmHeader(b: DaemonBackend): string {
  const s = b.swarmInfo();
  if (s.LocalNodeState !== 'active') return s.LocalNodeState;
  return s.ControlAvailable ? 'active/manager' : 'active/worker';
}

/** Splits the version prefix off; Docker refuses versions it does not serve. */
function routePath(url: string): string {
  const path = url.split('?')[0];
  const m = VERSIONED.exec(path);
  if (!m) return path;
  if (compareVersions(m[1], API_VERSION) > 0) throw new ApiError(400, `client version ${m[1]} is too new. Maximum supported API version is ${API_VERSION}`);
  if (compareVersions(m[1], MIN_API_VERSION) < 0) throw new ApiError(400, `client version ${m[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  return m[2];
}

/** The Engine API server: swarm endpoints here, the rest forwarded to the local engine if any. */
export function createApiServer(backend: DaemonBackend, _opts: ApiServerOptions = {}): Server {
  const server = createServer((req, res) => void handle(backend, req, res));
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const engine = backend.engineSocket();
    if (engine) { forwardUpgrade(engine, req, socket, head); return; }
    socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\n\r\n{"message":"no container engine behind this tswarm node"}');
  });
  return server;
}

async function handle(backend: DaemonBackend, req: IncomingMessage, res: ServerResponse) {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `tswarm/${VERSION} (linux)`);
  try {
    const path = routePath(req.url ?? '/');
    const method = req.method ?? 'GET';
    if (path === '/_ping' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', Swarm: swarmHeader(backend), 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' });
      res.end(method === 'GET' ? 'OK' : undefined);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD' && CLUSTER_WRITE.test(path)) {
      // Writes go to the leader.
      const toLeader = backend.leaderProxy?.();
      if (toLeader) { await toLeader(req, res, req.url ?? path); return; }
    } else if (CLUSTER_WRITE.test(path) || path === '/swarm') {
      // Reads come from this manager's store once it has applied all a quorum committed (ReadIndex): linearizable.
      await backend.readBarrier?.();
    }
    for (const [m, re, handler] of routes) {
      const match = re.exec(path);
      if (!match || m !== method) continue;
      const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      const ctx: Ctx = { req, res, method, path, params, query: new URL(req.url ?? '/', 'http://x').searchParams };
      await handler(ctx, backend);
      return;
    }
    const engine = backend.engineSocket();
    if (engine) { forwardToEngine(engine, req, res); return; }
    if (/^\/(containers|images|volumes|exec|build|networks|plugins|system|events|secrets|configs|session|commit|auth|grpc)(\/|$)/.test(path)) {
      throw new ApiError(501, `tswarm runs tasks with the ${backend.executorName()} executor and has no container engine: ${path} is not available`);
    }
    throw new ApiError(404, 'page not found');
  } catch (e) {
    if (isApiError(e)) { sendError(res, e); return; }
    log.error({ err: String((e as Error)?.stack ?? e), url: req.url }, 'request failed');
    sendError(res, new ApiError(500, String((e as Error)?.message ?? e)));
  }
}
