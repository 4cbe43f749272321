import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAddress } from './entries.js';

/**
 * The token discovery service that Docker Hub once hosted
 * (discovery.hub.docker.com), served by tswarm itself, with its HTTP API:
 *   POST   /v1/clusters                 → a new token (text)
 *   POST   /v1/clusters/TOKEN?ttl=SECS  body `host:port` → registers (or refreshes) an engine for SECS
 *   GET    /v1/clusters/TOKEN           → JSON array of the engines whose TTL has not run out
 *   DELETE /v1/clusters/TOKEN           → forgets the cluster
 * State lives in memory: engines re-register every heartbeat, so a restarted
 * service is whole again after one heartbeat.
 */
export interface TokenServer {
  /** The base URL clients use (`http://host:port/v1`). */
  readonly url: string;
  close(): Promise<void>;
}

const DEFAULT_TTL_S = 180;
const TOKEN_RE = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_BODY = 1024;

/** cluster token → engine address → expiry (ms since epoch) */
type Clusters = Map<string, Map<string, number>>;

export async function startTokenServer(o: { host: string; port: number; now?: () => number }): Promise<TokenServer> {
  const now = o.now ?? Date.now;
  const clusters: Clusters = new Map();
  const live = (token: string): string[] => {
    const engines = clusters.get(token);
    if (!engines) return [];
    const t = now();
    for (const [addr, exp] of engines) if (exp <= t) engines.delete(addr);
    return [...engines.keys()];
  };
  const server = createServer((req, res) => {
    handle(req, res, clusters, live, now).catch((e: Error) => reply(res, 500, `${e.message}\n`));
  });
  // expired entries of clusters nobody reads would otherwise pile up
  const sweep = setInterval(() => { for (const token of clusters.keys()) live(token); }, 60_000);
  sweep.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}/v1`,
    close: () => new Promise<void>((resolve) => {
      clearInterval(sweep);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, clusters: Clusters, live: (t: string) => string[], now: () => number) {
  const u = new URL(req.url ?? '/', 'http://x');
  const parts = u.pathname.split('/').filter(Boolean);
  if (parts[0] !== 'v1' || parts[1] !== 'clusters' || parts.length > 3) return reply(res, 404, 'page not found\n');
  const token = parts[2];
  if (token === undefined) {
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed\n');
    const t = randomBytes(16).toString('hex');
    clusters.set(t, new Map());
    return reply(res, 200, t);
  }
  if (!TOKEN_RE.test(token)) return reply(res, 400, `invalid token "${token}"\n`);
  switch (req.method) {
    case 'GET':
      res.setHeader('Content-Type', 'application/json');
      return reply(res, 200, JSON.stringify(live(token)));
    case 'POST': {
      const body = (await readBody(req)).trim();
      try {
        checkAddress(body);
      } catch (e) {
        return reply(res, 400, `${(e as Error).message}\n`);
      }
      const ttlParam = u.searchParams.get('ttl');
      const ttl = ttlParam === null ? DEFAULT_TTL_S : Number(ttlParam);
      if (!Number.isFinite(ttl) || ttl <= 0) return reply(res, 400, `invalid ttl "${ttlParam}": want a positive number of seconds\n`);
      let engines = clusters.get(token);
      if (!engines) clusters.set(token, engines = new Map());
      engines.set(body, now() + ttl * 1000); // a refresh keeps the entry its place in the list
      return reply(res, 200, '');
    }
    case 'DELETE':
      clusters.delete(token);
      return reply(res, 204, '');
    default:
      return reply(res, 405, 'method not allowed\n');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      s += c;
      if (s.length > MAX_BODY) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: string) {
  if (!res.headersSent && !res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.writeHead(status);
  res.end(body);
}
