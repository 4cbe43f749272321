import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientTls } from './client-tls.js';

export class ClientError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** An error as the docker CLI prints it: the daemon's with "Error response from daemon: " before it. */
export const daemonErrorText = (e: unknown) => {
  const err = e as Error & { status?: number };
  return err.status ? `Error response from daemon: ${err.message}` : err.message;
};

/** Where the daemon listens: --host, TSWARM_HOST, DOCKER_HOST, then the default socket. */
export function resolveHost(flag: string | undefined): string {
  if (flag) return flag;
  if (process.env.TSWARM_HOST) return process.env.TSWARM_HOST;
  if (process.env.DOCKER_HOST) return process.env.DOCKER_HOST;
  if (process.getuid?.() === 0) return 'unix:///run/tswarm/tswarm.sock';
  return `unix://${process.env.XDG_RUNTIME_DIR ?? '/tmp'}/tswarm/tswarm.sock`;
}

/** The API version every request of this client names in its path. */
export const CLIENT_API_VERSION = '1.47';

/** A small Engine API client over a unix socket or TCP. */
export class Client {
  constructor(private host: string, private tls?: ClientTls) {}

  /** One request, over TLS when the CLI was told to use it. */
  private request(o: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest {
    if (!this.tls) return httpRequest(o, onResponse);
    const { ca, cert, key, verify } = this.tls;
    return httpsRequest({ ...o, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: verify }, onResponse);
  }

  private target() {
    if (this.host.startsWith('unix://')) return { socketPath: this.host.slice('unix://'.length) };
    const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(this.host);
    if (!m) throw new Error(`unsupported host: ${this.host}`);
    return { host: m[1], port: Number(m[2]) };
  }

  raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const r = this.request({ ...this.target(), method, path: `/v${CLIENT_API_VERSION}${path}`, headers: data ? { 'Content-Type': 'application/json' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      });
      r.on('error', (e) => reject(new ClientError(0, `Cannot connect to the tswarm daemon at ${this.host}. Is the daemon running? (${e.message})`)));
      r.end(data);
    });
  }

  /**
   * A streamed GET (logs, events): onData gets each chunk as it comes; an
   * error status is thrown as call() would.
   */
  stream(path: string, onData: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      // an abort (the user's ^C) ends the stream as its end does
      signal?.addEventListener('abort', () => { r.destroy(); resolve(); }, { once: true });
      const r = this.request({ ...this.target(), method: 'GET', path: `/v${CLIENT_API_VERSION}${path}` }, (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let msg = text;
            try { msg = JSON.parse(text).message ?? text; } catch { /* plain text */ }
            reject(new ClientError(res.statusCode ?? 0, msg));
          });
          return;
        }
        res.on('data', onData);
        res.on('end', () => resolve());
        res.on('error', (e) => (signal?.aborted ? resolve() : reject(e)));
      });
      r.on('error', (e) => (signal?.aborted ? resolve() : reject(new ClientError(0, `Cannot connect to the tswarm daemon at ${this.host}. Is the daemon running? (${e.message})`))));
      r.end();
    });
  }

  /** The answer's text as the daemon sent it (some commands print those bytes); a failure as a ClientError with the daemon's message. */
  async text(method: string, path: string, body?: unknown): Promise<string> {
    const r = await this.raw(method, path, body);
    const text = r.body.toString('utf8');
    if (r.status >= 400) {
      let msg = text;
      try { msg = JSON.parse(text).message ?? text; } catch { /* plain text */ }
      throw new ClientError(r.status, msg);
    }
    return text;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.text(method, path, body);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string) { return this.call<T>('GET', path); }
  post<T>(path: string, body?: unknown) { return this.call<T>('POST', path, body); }
  del<T>(path: string) { return this.call<T>('DELETE', path); }
}

export const q = (filters: Record<string, string[]>) => encodeURIComponent(JSON.stringify(filters));
