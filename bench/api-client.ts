import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** One Engine API call on a daemon's unix socket: the parsed JSON answer (raw: the text), an error for a 4xx/5xx. */
export function api<T>(socket: string, method: string, path: string, body?: unknown, raw = false): Promise<T> {
  return new Promise((res, rej) => {
    const r = request({ socketPath: socket, method, path: `/v1.47${path}`, headers: { 'Content-Type': 'application/json' } }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => {
        const b = Buffer.concat(chunks).toString();
        if (resp.statusCode! >= 400) rej(new Error(b)); else res(raw ? (b as T) : b ? JSON.parse(b) : undefined);
      });
    });
    r.on('error', rej);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * GET path and read the whole reply, as curl's time_total; with `gzip`, as the
 * docker CLI does (Go's client asks for gzip and unpacks it): the unpacking is
 * part of the time. The client's JSON parse is not (it is not the server's).
 */
export function getWhole(socket: string, path: string, gzip = false): Promise<Buffer> {
  return new Promise((res, rej) => {
    const headers = gzip ? { 'Accept-Encoding': 'gzip' } : {};
    const r = request({ socketPath: socket, method: 'GET', path: `/v1.47${path}`, headers }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => {
        const b = Buffer.concat(chunks);
        if (resp.statusCode! >= 400) { rej(new Error(b.toString())); return; }
        res(resp.headers['content-encoding'] === 'gzip' ? gunzipSync(b) : b);
      });
    });
    r.on('error', rej);
    r.end();
  });
}
