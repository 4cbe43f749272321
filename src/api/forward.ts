import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Forwards a request the swarm API does not own to the local engine, streaming both ways (`body`: already read). */
export function forwardToEngine(socketPath: string, req: IncomingMessage, res: ServerResponse, body?: Buffer) {
  const up = request({ socketPath, method: req.method, path: enginePath(req.url), headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    // The engine's headers go at once: a waiting call (POST /containers/{id}/wait) sends them long before its body, and the CLI waits for them.
    res.flushHeaders();
    r.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: `cannot reach the Docker engine: ${err.message}` }));
  });
  if (body) up.end(body); else req.pipe(up);
}

/** Connection upgrades (attach, exec) are piped as raw sockets after replaying the request head. */
export function forwardUpgrade(socketPath: string, req: IncomingMessage, client: Duplex, head: Buffer) {
  spliceUpgrade(connect(socketPath), 'connect', req, enginePath(req.url), client, head);
}

/**
 * A hijacked connection (attach, exec start, upgrades) carried to another
 * server: once `upstream` is connected the request head is replayed (its Host
 * header replaced when `host` is given), then bytes flow both ways until
 * either side closes.
 */
export function spliceUpgrade(upstream: Socket, ready: 'connect' | 'secureConnect', req: IncomingMessage, path: string, client: Duplex, head: Buffer, host?: string) {
  upstream.once(ready, () => {
    const lines = [`${req.method} ${path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      lines.push(host !== undefined && name.toLowerCase() === 'host' ? `Host: ${host}` : `${name}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

/** The engine may serve an older API than ours: unversioned paths get its own newest version. */
function enginePath(url: string | undefined): string {
  return (url ?? '/').replace(/^\/v\d+\.\d+\//, '/');
}
