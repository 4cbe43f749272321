import { request, type IncomingMessage } from 'node:http';

export class EngineError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** A thin Docker Engine API client over its unix socket (API 1.41: Debian's engine). */
export class EngineClient {
  constructor(readonly socketPath: string, private version = 'v1.41') {}

  stream(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const r = request({ socketPath: this.socketPath, method, path: `/${this.version}${path}`, signal,
        headers: data ? { 'Content-Type': 'application/json' } : {} }, resolve);
      r.on('error', reject);
      r.end(data);
    });
  }

  async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.stream(method, path, body, signal);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if ((res.statusCode ?? 500) >= 400) {
      let msg = text;
      try { msg = JSON.parse(text).message ?? text; } catch { /* plain */ }
      throw new EngineError(res.statusCode ?? 500, msg);
    }
    if (res.statusCode === 304) return undefined as T;
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
