import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonBackend } from '../api/backend.js';
import { readBody } from '../api/http.js';
import { createApiServer } from '../api/server.js';
import { logger } from '../log.js';
import type { MemoryStore } from '../store/store.js';
import { ApiError, badRequest, isApiError } from '../types/errors.js';
import { scaleService, setAvailability } from './actions.js';
import { LiveHub } from './live-hub.js';
import type { DashboardInfo } from './live-types.js';
import { PAGE_CSS, PAGE_HTML } from './page.js';
import { bulkWritesDone } from '../api/bulk-writer.js';

const log = logger('dashboard');

/** The page's bundle (src/dashboard/web, bundled by esbuild at `npm run build` into dist/web/app.js). */
const WEB_JS = join(dirname(fileURLToPath(import.meta.url)), '../../web');

export interface DashboardOptions {
  /** --web-actions: the page may scale services and drain nodes. */
  actions: boolean;
}

/**
 * Engine API reads the page makes, answered in process by the daemon's own
 * API server (same routes, same read barrier). Nothing else of the API is
 * reachable from the web address: no writes, no swarm object (join tokens),
 * no engine passthrough.
 */
const ENGINE_READS = [
  /^\/(nodes|services|tasks)$/,
  /^\/(nodes|services|tasks)\/[A-Za-z0-9_.-]+$/,
  /^\/(services|tasks)\/[A-Za-z0-9_.-]+\/logs$/,
  /^\/events$/,
];

export interface DashboardServer {
  /** The daemon, once it exists, and its manager's store (undefined on a worker or outside a swarm). */
  attach(b: DaemonBackend, store: () => MemoryStore | undefined): void;
  close(): Promise<void>;
}

export const ACTIONS_DISABLED = 'dashboard actions are disabled: start the daemon with --web-actions to scale services and drain nodes from the dashboard';

/** Security headers: the page loads only its own files; nobody may frame it. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * Serves the dashboard on host:port (--web-addr). Rejects, with the kind of
 * message --metrics-addr gives, when the address cannot be listened on, so
 * the daemon refuses to start. The backend is attached once the daemon
 * exists (the address is taken before anything else starts).
 */
export async function startDashboardServer(addr: string, opts: DashboardOptions): Promise<DashboardServer> {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid --web-addr "${addr}": want host:port`);
  const host = m[1].replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  // On loopback, a page of another site that rebinds its name to 127.0.0.1 must not read or act: names other than ours are refused.
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  let backend: DaemonBackend | undefined;
  let hub: LiveHub | undefined;
  let api: Server | undefined;
  const streams = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = isApiError(err) ? err : new ApiError(500, String((err as Error)?.message ?? err));
      if (!isApiError(err)) log.error({ err: String((err as Error)?.stack ?? err), url: req.url }, 'dashboard request failed');
      if (res.headersSent) { res.destroy(); return; }
      sendJson(res, e.status, { message: e.message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (loopback && !isLoopbackHost(req.headers.host, host)) throw new ApiError(403, `host not allowed: ${req.headers.host ?? ''} (the dashboard on ${addr} answers to its loopback address or localhost)`);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '/' || path === '/index.html')) return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (method === 'GET' && path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
    if (method === 'GET' && path === '/favicon.ico') { res.writeHead(204).end(); return; }
    const js = /^\/js\/([a-z][a-z0-9-]*\.js)$/.exec(path);
    if (method === 'GET' && js) {
      const text = await readFile(join(WEB_JS, js[1]), 'utf8').catch(() => undefined);
      if (text === undefined) throw new ApiError(404, `no such file: ${path}`);
      return send(res, 200, 'text/javascript; charset=utf-8', text);
    }
    if (!backend || !hub || !api) throw new ApiError(503, 'the daemon is starting');
    if (method === 'GET' && path === '/api/live') return live(hub, res);
    if (path.startsWith('/api/actions/')) {
      if (method !== 'POST') throw new ApiError(405, `${method} not allowed`);
      if (!opts.actions) throw new ApiError(403, ACTIONS_DISABLED);
      refuseCrossSite(req);
      const body = parseBody(await readBody(req, 64 * 1024));
      const run = path === '/api/actions/scale' ? scaleService : path === '/api/actions/availability' ? setAvailability : undefined;
      if (!run) throw new ApiError(404, `no such action: ${path.slice('/api/actions/'.length)}`);
      const r = await run(backend, body as never);
      return send(res, r.status, 'application/json', r.body || '{}');
    }
    if (path.startsWith('/api/engine/')) {
      const apiPath = path.slice('/api/engine'.length);
      if (method !== 'GET') throw new ApiError(403, opts.actions ? `the dashboard does not write through ${apiPath}` : ACTIONS_DISABLED);
      if (!ENGINE_READS.some((r) => r.test(apiPath))) throw new ApiError(403, `the dashboard does not serve ${apiPath}`);
      if (apiPath === '/events') {
        streams.add(res);
        res.once('close', () => streams.delete(res));
      }
      req.url = apiPath + url.search;
      api.emit('request', req, res);
      return;
    }
    throw new ApiError(404, 'page not found');
  }

  function live(h: LiveHub, res: ServerResponse) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    streams.add(res);
    const client = {
      send(json: string) {
        // A page that stopped reading is let go; its EventSource reconnects and gets a fresh snapshot.
        if (res.writableLength > 64 << 20) { res.destroy(); return; }
        res.write(`data: ${json}\n\n`);
      },
    };
    const bye = h.add(client);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), 15_000);
    res.once('close', () => { clearInterval(keepalive); bye(); streams.delete(res); });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(`failed to listen on --web-addr ${addr}: listen tcp ${addr}: bind: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`));
    });
    server.listen(Number(m[2]), host, () => resolve());
  });

  return {
    attach(b: DaemonBackend, store: () => MemoryStore | undefined) {
      backend = b;
      api = createApiServer(b);
      hub = new LiveHub({ store, control: () => b.control(), info: () => infoOf(b) }, opts.actions);
    },
    close: async () => {
      hub?.close();
      for (const s of streams) s.destroy();
      await bulkWritesDone(); // a reply in the bulk writer holds its socket's descriptor
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The Host header names this loopback server: localhost, a loopback IP, or the address it was given. */
function isLoopbackHost(header: string | undefined, bound: string): boolean {
  const name = (header ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return name === 'localhost' || name === '::1' || name.startsWith('127.') || name === bound.toLowerCase();
}

function infoOf(b: DaemonBackend): Omit<DashboardInfo, 'actions'> {
  const s = b.swarmInfo();
  const info = { nodeId: s.NodeID, hostname: b.hostname() };
  try {
    b.control();
    return { ...info, manager: true };
  } catch (err) {
    return { ...info, manager: false, message: (err as Error).message };
  }
}

/**
 * Actions change the swarm: only the page itself may ask. A JSON body makes
 * a cross-site browser request preflight (which this server never allows),
 * and a browser's Origin must be this server's.
 */
function refuseCrossSite(req: IncomingMessage) {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw badRequest('an action takes a JSON body (Content-Type: application/json)');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) throw new ApiError(403, `cross-site action refused (Origin ${origin})`);
  if (req.headers['sec-fetch-site'] && !['same-origin', 'none'].includes(req.headers['sec-fetch-site'] as string)) {
    throw new ApiError(403, 'cross-site action refused');
  }
}

function parseBody(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch (err) {
    throw badRequest(`invalid JSON: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...PAGE_HEADERS });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  send(res, status, 'application/json', JSON.stringify(body));
}
