import { request } from 'node:http';

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
