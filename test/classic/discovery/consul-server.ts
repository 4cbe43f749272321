import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small consul-compatible HTTP server, for the tests only (consul is not
 * packaged for these machines): the parts of the KV and session APIs that
 * consul:// uses — GET/PUT/DELETE /v1/kv/<key> with ?recurse, ?acquire=,
 * ?release= and blocking queries (?index=&wait=), and PUT
 * /v1/session/create|renew/<id>|destroy/<id> with TTL and Behavior. One index
 * for the whole store (consul's index is opaque to clients); a session ends
 * exactly at its TTL (real consul may wait up to twice the TTL).
 */
interface Pair { value: Buffer; session?: string; createIndex: number; modifyIndex: number; lockIndex: number }
interface Session { id: string; name: string; ttlMs: number; behavior: 'delete' | 'release'; expires: number }

export interface ConsulTestServer {
  addr: string;
  close(): Promise<void>;
}

export async function startConsulTestServer(port = 0): Promise<ConsulTestServer> {
  const kv = new Map<string, Pair>();
  const sessions = new Map<string, Session>();
  let index = 1;
  let waiters: (() => void)[] = [];
  const bump = () => {
    index++;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const invalidate = (s: Session) => {
    sessions.delete(s.id);
    for (const [k, p] of kv) {
      if (p.session !== s.id) continue;
      if (s.behavior === 'delete') kv.delete(k); else p.session = undefined;
    }
    bump();
  };
  const expiry = setInterval(() => {
    const now = Date.now();
    for (const s of [...sessions.values()]) if (s.expires <= now) invalidate(s);
  }, 20);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const body = await new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts)));
    });
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Consul-Index': String(index) });
      res.end(JSON.stringify(v));
    };
    const text = (status: number, s: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain', 'X-Consul-Index': String(index) });
      res.end(s);
    };
    const path = u.pathname;
    if (path.startsWith('/v1/kv/')) {
      const key = decodeURIComponent(path.slice('/v1/kv/'.length));
      const recurse = u.searchParams.has('recurse');
      const matches = () => [...kv.entries()].filter(([k]) => (recurse ? k.startsWith(key) : k === key)).sort(([a], [b]) => (a < b ? -1 : 1));
      if (req.method === 'GET') {
        const want = u.searchParams.get('index');
        if (want !== null && Number(want) >= index) {
          const waitMs = parseDuration(u.searchParams.get('wait') ?? '300s');
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, waitMs);
            waiters.push(() => { clearTimeout(t); resolve(); });
          });
        }
        const m = matches();
        if (m.length === 0) return text(404, '');
        return json(200, m.map(([k, p]) => ({
          Key: k, Value: p.value.length ? p.value.toString('base64') : null, Flags: 0,
          CreateIndex: p.createIndex, ModifyIndex: p.modifyIndex, LockIndex: p.lockIndex,
          ...(p.session ? { Session: p.session } : {}),
        })));
      }
      if (req.method === 'PUT') {
        const acquire = u.searchParams.get('acquire');
        const release = u.searchParams.get('release');
        const cur = kv.get(key);
        if (acquire !== null) {
          if (!sessions.has(acquire)) return text(500, `invalid session "${acquire}"`);
          if (cur?.session && cur.session !== acquire) return json(200, false);
        }
        if (release !== null && cur?.session !== release) return json(200, false);
        bump();
        const p: Pair = cur ?? { value: body, createIndex: index, modifyIndex: index, lockIndex: 0 };
        p.value = body;
        p.modifyIndex = index;
        if (acquire !== null && p.session !== acquire) { p.session = acquire; p.lockIndex++; }
        if (release !== null) p.session = undefined;
        kv.set(key, p);
        return json(200, true);
      }
      if (req.method === 'DELETE') {
        for (const [k] of matches()) kv.delete(k);
        bump();
        return json(200, true);
      }
    }
    if (req.method === 'PUT' && path === '/v1/session/create') {
      const spec = (body.length ? JSON.parse(body.toString()) : {}) as { Name?: string; TTL?: string; Behavior?: string };
      const ttlMs = parseDuration(spec.TTL ?? '0s');
      const s: Session = {
        id: randomUUID(), name: spec.Name ?? '', ttlMs, behavior: spec.Behavior === 'delete' ? 'delete' : 'release',
        expires: ttlMs > 0 ? Date.now() + ttlMs : Infinity,
      };
      sessions.set(s.id, s);
      bump();
      return json(200, { ID: s.id });
    }
    const renew = /^\/v1\/session\/renew\/(.+)$/.exec(path);
    if (req.method === 'PUT' && renew) {
      const s = sessions.get(renew[1]);
      if (!s) return text(404, `Session id '${renew[1]}' not found`);
      if (s.ttlMs > 0) s.expires = Date.now() + s.ttlMs;
      return json(200, [{ ID: s.id, Name: s.name, Behavior: s.behavior, TTL: `${s.ttlMs / 1000}s` }]);
    }
    const destroy = /^\/v1\/session\/destroy\/(.+)$/.exec(path);
    if (req.method === 'PUT' && destroy) {
      const s = sessions.get(destroy[1]);
      if (s) invalidate(s);
      return json(200, true);
    }
    return text(404, 'page not found');
  };

  const server = createServer((req, res) => { handle(req, res).catch((e: Error) => { res.writeHead(500); res.end(e.message); }); });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    addr: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      clearInterval(expiry);
      for (const w of waiters) w();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Go's durations as consul takes them: "10s", "500ms", "1m". */
function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m) return 0;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}
