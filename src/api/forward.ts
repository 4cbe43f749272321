import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/** Forwards a request the swarm API does not own to the local engine, streaming both ways (`body`: already read). */
export function forwardToEngine(socketPath: string, req: IncomingMessage, res: ServerResponse, body?: Buffer) {
  const up = request({ socketPath, method: req.method, path: enginePath(req.url), headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
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
  const engine = connect(socketPath);
  engine.on('connect', () => {
    const lines = [`${req.method} ${enginePath(req.url)} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    engine.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) engine.write(head);
    engine.pipe(client);
    client.pipe(engine);
  });
  engine.on('error', () => client.destroy());
  client.on('error', () => engine.destroy());
}

/** The engine may serve an older API than ours: unversioned paths get its own newest version. */
function enginePath(url: string | undefined): string {
  return (url ?? '/').replace(/^\/v\d+\.\d+\//, '/');
}
