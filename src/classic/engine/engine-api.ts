import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { spliceUpgrade } from '../../api/forward.js';
import { EngineError } from '../../executor/docker/engine-client.js';

export { EngineError };

/** TLS towards the engines (`manage --tlsverify …` applies to both sides, as classic Swarm did). */
export interface EngineTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Verify the engine's certificate against `ca` (else any certificate is taken: --tls without verify). */
  verify: boolean;
}

/** A connection failure (not an answer): these count towards an engine's failures, as classic Swarm's IsConnectionError. */
export class EngineUnreachable extends Error {
  constructor(readonly addr: string, cause: Error) {
    super(`Cannot connect to the Docker daemon at tcp://${addr}. Is the docker daemon running? (${cause.message})`);
  }
}

export interface CallOptions {
  body?: Buffer | string;
  headers?: OutgoingHttpHeaders;
  signal?: AbortSignal;
  /** Gives up (as unreachable) after this long without an answer. */
  timeoutMs?: number;
}

/**
 * The Engine API of one engine reached over TCP (plain or TLS): JSON calls,
 * raw streams, and whole-request proxying for `manage`'s front. One
 * keep-alive agent per engine: the pool's refreshes reuse connections.
 */
export class EngineApi {
  private readonly agent: HttpAgent;
  private readonly host: string;
  private readonly port: number;

  constructor(readonly addr: string, readonly tls?: EngineTls) {
    const i = addr.lastIndexOf(':');
    this.host = addr.slice(0, i).replace(/^\[|\]$/g, '');
    this.port = Number(addr.slice(i + 1));
    this.agent = tls
      ? new HttpsAgent({ keepAlive: true, maxSockets: 32, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify })
      : new HttpAgent({ keepAlive: true, maxSockets: 32 });
  }

  /** Sends a request; resolves with the response head (any status). Connection failures reject with EngineUnreachable. */
  request(method: string, path: string, o: CallOptions = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { ...o.headers };
      if (o.body !== undefined && headers['content-type'] === undefined) headers['Content-Type'] = 'application/json';
      const req = (this.tls ? httpsRequest : httpRequest)({
        host: this.host, port: this.port, method, path, headers, agent: this.agent, signal: o.signal,
      }, resolve);
      if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`no answer in ${o.timeoutMs} ms`)));
      req.on('error', (e) => reject(o.signal?.aborted ? e : new EngineUnreachable(this.addr, e)));
      req.end(o.body);
    });
  }

  /** A JSON call: the parsed answer, or EngineError with the engine's message. */
  async call<T>(method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<T> {
    const res = await this.request(method, path, { ...o, body: body === undefined ? o.body : JSON.stringify(body) });
    const text = await readAll(res);
    const status = res.statusCode ?? 500;
    if (status >= 400) throw new EngineError(status, errorMessage(text));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Forwards a client's request (path already rewritten) and streams the answer back. */
  async proxy(req: IncomingMessage, res: ServerResponse, path: string, body?: Buffer): Promise<void> {
    const headers: OutgoingHttpHeaders = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const up = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = (this.tls ? httpsRequest : httpRequest)({ host: this.host, port: this.port, method: req.method, path, headers, agent: this.agent }, resolve);
      r.on('error', (e) => reject(new EngineUnreachable(this.addr, e)));
      if (body) r.end(body); else req.pipe(r);
    });
    const h = { ...up.headers };
    delete h.connection;
    delete h['keep-alive'];
    res.writeHead(up.statusCode ?? 502, h);
    // Streams (logs -f, events, stats) stay open as long as the client does.
    res.flushHeaders();
    up.pipe(res);
    res.on('close', () => up.destroy());
    await new Promise<void>((resolve) => { up.on('end', resolve); up.on('close', resolve); up.on('error', () => resolve()); });
  }

  /** A hijacked connection (attach, exec start, upgrades): the request head replayed, then raw bytes both ways. */
  upgrade(req: IncomingMessage, client: Duplex, head: Buffer, path: string): void {
    const engine = this.tls
      ? tlsConnect({ host: this.host, port: this.port, ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, rejectUnauthorized: this.tls.verify, servername: undefined })
      : netConnect({ host: this.host, port: this.port });
    spliceUpgrade(engine, this.tls ? 'secureConnect' : 'connect', req, path, client, head, this.addr);
  }

  close(): void {
    this.agent.destroy();
  }
}

export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorMessage(text: string): string {
  try { return (JSON.parse(text) as { message?: string }).message ?? text; } catch { return text.trim(); }
}
