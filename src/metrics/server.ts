import { createServer, type Server } from 'node:http';
import { registry } from './registry.js';

/**
 * Serves GET /metrics in Prometheus' text format on host:port (dockerd's
 * --metrics-addr). Rejects with dockerd's kind of message when the address
 * cannot be listened on, so the daemon can refuse to start.
 */
export async function startMetricsServer(addr: string): Promise<{ close(): Promise<void> }> {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid --metrics-addr "${addr}": want host:port`);
  const host = m[1].replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    registry.metrics().then((text) => {
      res.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
    }, (err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(`failed to listen on --metrics-addr ${addr}: listen tcp ${addr}: bind: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`));
    });
    server.listen(Number(m[2]), host, () => resolve());
  });
  return { close: () => new Promise((r) => server.close(() => r())) };
}
