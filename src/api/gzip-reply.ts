import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip, constants } from 'node:zlib';

/**
 * Large JSON replies in gzip for clients that ask for it. The docker CLI
 * (Go's HTTP client) sends `Accept-Encoding: gzip` and unpacks the reply
 * itself; `GET /nodes` of 5,000 nodes is 2.3 MB of JSON, a dozen turns of the
 * event loop to push through a unix socket's buffer while the manager works,
 * and ~10× smaller in gzip. Packing runs in zlib's thread pool, not on the
 * event loop, and an unchanged list (the same reply bytes, see json-text.ts)
 * is packed once.
 */
export const GZIP_MIN_BYTES = 128 * 1024;

const packed = new WeakMap<Buffer, Promise<Buffer>>();

export function acceptsGzip(req: IncomingMessage | undefined): boolean {
  return /\bgzip\b/.test(String(req?.headers['accept-encoding'] ?? ''));
}

function gzipOf(bytes: Buffer): Promise<Buffer> {
  let p = packed.get(bytes);
  if (!p) {
    p = new Promise((resolve, reject) => gzip(bytes, { level: constants.Z_BEST_SPEED }, (err, out) => (err ? reject(err) : resolve(out))));
    packed.set(bytes, p);
  }
  return p;
}

/** Writes `bytes` (JSON) gzipped; the plain bytes if packing fails. */
export function sendGzippedJson(res: ServerResponse, status: number, bytes: Buffer): void {
  const send = (body: Buffer, gz: boolean) => {
    if (res.destroyed) return;
    res.writeHead(status, {
      'Content-Type': 'application/json', 'Content-Length': body.length, Vary: 'Accept-Encoding',
      ...(gz ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(body);
  };
  gzipOf(bytes).then((gz) => send(gz, true), () => send(bytes, false));
}
