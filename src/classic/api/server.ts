import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { sendError } from '../../api/http.js';
import { logger } from '../../log.js';
import { ApiError, isApiError } from '../../types/errors.js';
import {
  attachUpgrade, createContainer, createExec, execUpgrade, inspectContainer, listContainers, proxyContainer, proxyExec,
} from './containers.js';
import type { Front, FrontRequest, Handler, UpgradeHandler } from './front.js';
import { commit, listImages, proxyImage, proxyRandom, pullImage, removeImage } from './images.js';
import {
  connectNetwork, createNetwork, createVolume, inspectNetwork, inspectVolume, listNetworks, listVolumes, removeNetwork, removeVolume,
} from './resources.js';
import { events, info, version } from './system.js';
import { API_VERSION_CLASSIC, SWARM_VERSION } from './version.js';

const log = logger('classic-api');

/** One route: method, path pattern (names may hold '/', as classic's `{name:.*}`), handler. */
type Route = [string, RegExp, Handler];

const C = '/containers/(.+)';
const ROUTES: Route[] = [
  ['GET', /^\/info$/, info],
  ['GET', /^\/version$/, version],
  ['GET', /^\/events$/, events],
  ['GET', /^\/containers\/(?:json|ps)$/, listContainers],
  ['POST', /^\/containers\/create$/, createContainer],
  ['GET', new RegExp(`^${C}/json$`), inspectContainer],
  ['POST', new RegExp(`^${C}/exec$`), createExec],
  ['GET', new RegExp(`^${C}(/(?:archive|export|changes|top|logs|stats|attach/ws))$`), proxyContainer],
  ['HEAD', new RegExp(`^${C}(/archive)$`), proxyContainer],
  ['PUT', new RegExp(`^${C}(/archive)$`), proxyContainer],
  ['POST', new RegExp(`^${C}(/(?:kill|pause|unpause|rename|restart|start|stop|update|wait|resize|attach|copy))$`), proxyContainer],
  ['DELETE', new RegExp(`^${C}()$`), proxyContainer],
  ['GET', /^\/exec\/([^/]+)(\/json)$/, proxyExec],
  ['POST', /^\/exec\/([^/]+)(\/(?:start|resize))$/, proxyExec],
  ['GET', /^\/images\/json$/, listImages],
  ['POST', /^\/images\/create$/, pullImage],
  ['POST', /^\/images\/load$/, proxyRandom],
  ['GET', /^\/images\/search$/, proxyRandom],
  ['GET', /^\/images\/(.+)(\/(?:json|history|get))$/, proxyImage],
  ['POST', /^\/images\/(.+)(\/(?:tag|push))$/, proxyImage],
  ['DELETE', /^\/images\/(.+)$/, removeImage],
  ['POST', /^\/(?:build|auth)$/, proxyRandom],
  ['POST', /^\/commit$/, commit],
  ['GET', /^\/networks$/, listNetworks],
  ['POST', /^\/networks\/create$/, createNetwork],
  ['POST', /^\/networks\/(.+)\/(connect|disconnect)$/, connectNetwork],
  ['GET', /^\/networks\/(.+)$/, inspectNetwork],
  ['DELETE', /^\/networks\/(.+)$/, removeNetwork],
  ['GET', /^\/volumes$/, listVolumes],
  ['POST', /^\/volumes\/create$/, createVolume],
  ['GET', /^\/volumes\/(.+)$/, inspectVolume],
  ['DELETE', /^\/volumes\/(.+)$/, removeVolume],
];

const UPGRADES: [string, RegExp, UpgradeHandler][] = [
  ['POST', new RegExp(`^${C}(/attach)$`), attachUpgrade],
  ['GET', new RegExp(`^${C}(/attach/ws)$`), attachUpgrade],
  ['POST', /^\/exec\/([^/]+)(\/start)$/, execUpgrade],
];

const VERSIONED = /^(\/v\d+\.\d+)(\/.*)$/;

/** Where a request goes when this manager is not the primary (replication): the primary's address, or why none. */
export interface Forwarding {
  /** undefined: serve here (primary, or no replication). */
  primary(): { addr: string } | { error: string } | undefined;
  /** Proxies the whole request (or hijacked connection) to the primary. */
  forward(req: IncomingMessage, res: ServerResponse, addr: string): void;
  forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, addr: string): void;
}

/** Paths a replica answers itself (classic's localRoutes): its own info and ping. */
const LOCAL = /^\/(?:_ping|info|version)$/;

function split(url: string | undefined): { version: string; path: string; query: URLSearchParams } {
  const u = url ?? '/';
  const q = u.indexOf('?');
  const raw = q < 0 ? u : u.slice(0, q);
  const m = VERSIONED.exec(raw);
  return { version: m ? m[1] : '', path: m ? m[2] : raw, query: new URLSearchParams(q < 0 ? '' : u.slice(q + 1)) };
}

/** The Docker API `manage` serves in front of the pool. */
export function createFrontServer(front: Front, o: { tls?: TlsOptions; forwarding?: Forwarding } = {}): Server {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(front, req, res, o.forwarding).catch((err: unknown) => {
      if (isApiError(err)) { sendError(res, err); return; }
      log.error({ err: String((err as Error)?.stack ?? err), url: req.url }, 'request failed');
      if (!res.headersSent) sendError(res, new ApiError(500, String((err as Error)?.message ?? err))); else res.destroy();
    });
  };
  // Half-open as plain HTTP servers are: a hijacked client (attach, exec) closes its write side and still reads the output.
  const server = o.tls ? createTlsServer({ allowHalfOpen: true, ...o.tls }, onRequest) : createServer(onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const s = split(req.url);
    const to = LOCAL.test(s.path) ? undefined : o.forwarding?.primary();
    if (to && 'addr' in to) { o.forwarding!.forwardUpgrade(req, socket, head, to.addr); return; }
    const refuse = (status: number, msg: string) => socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Error'}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: msg })}\n`);
    if (to && 'error' in to) { refuse(500, to.error); return; }
    const method = req.method ?? 'GET';
    for (const [m, re, h] of UPGRADES) {
      const match = m === method ? re.exec(s.path) : null;
      if (!match) continue;
      Promise.resolve(h(front, { req, method, path: s.path, version: s.version, query: s.query, params: match.slice(1) }, socket, head))
        .catch((e: unknown) => refuse(isApiError(e) ? e.status : 500, (e as Error).message));
      return;
    }
    refuse(404, 'page not found');
  });
  return server;
}

async function handle(front: Front, req: IncomingMessage, res: ServerResponse, forwarding?: Forwarding) {
  res.setHeader('Api-Version', API_VERSION_CLASSIC);
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `${SWARM_VERSION} (linux)`);
  const s = split(req.url);
  const method = req.method ?? 'GET';
  if (!LOCAL.test(s.path)) {
    const to = forwarding?.primary();
    if (to && 'addr' in to) { forwarding!.forward(req, res, to.addr); return; }
    if (to && 'error' in to) throw new ApiError(500, to.error);
  }
  if (s.path === '/_ping' && (method === 'GET' || method === 'HEAD')) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' });
    res.end(method === 'GET' ? 'OK' : undefined);
    return;
  }
  for (const [m, re, h] of ROUTES) {
    const match = m === method ? re.exec(s.path) : null;
    if (!match) continue;
    await h(front, { req, res, method, path: s.path, version: s.version, query: s.query, params: match.slice(1) });
    return;
  }
  if (/^\/(swarm|services|nodes|tasks|secrets|configs|plugins|session|distribution|system|containers\/prune|images\/prune|networks\/prune|volumes\/prune)(\/|$)/.test(s.path)) {
    throw new ApiError(501, `${s.path} is not supported by tswarm manage (classic standalone Swarm)`);
  }
  throw new ApiError(404, 'page not found');
}
