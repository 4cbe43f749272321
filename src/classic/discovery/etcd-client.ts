import { causeOf, StoreError } from './http.js';
import { textLines } from '../engine/lines.js';

/**
 * A small client for etcd v3 through its HTTP/JSON gateway (`/v3/kv/...`,
 * `/v3/lease/...`, `/v3/watch`), which etcd 3.4 serves on its client port.
 * Keys and values travel base64-encoded; 64-bit numbers as strings. With
 * several endpoints a request that cannot connect moves on to the next.
 */
export interface EtcdKv {
  key: string;
  value: string;
  lease?: string;
  create_revision?: string;
  mod_revision?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The key just after every key starting with prefix: the range_end of a prefix query. */
export function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix, 'utf8');
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) return Buffer.concat([buf.subarray(0, i), Buffer.from([buf[i] + 1])]).toString('base64');
  }
  return Buffer.from([0]).toString('base64');
}

export class EtcdClient {
  private current = 0;

  constructor(readonly endpoints: string[]) {}

  /** The endpoint that last answered (or the first). */
  get endpoint(): string {
    return this.endpoints[this.current];
  }

  /** POST a gateway call, trying each endpoint once from the one that last worked. */
  async call<T>(path: string, body: unknown, timeoutMs = 5_000): Promise<T> {
    let lastErr: Error | undefined;
    for (let n = 0; n < this.endpoints.length; n++) {
      const ep = this.endpoints[(this.current + n) % this.endpoints.length];
      let res: Response;
      try {
        res = await fetch(`http://${ep}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
      } catch (e) {
        lastErr = new StoreError(`cannot reach etcd at ${ep}: ${causeOf(e)}`);
        continue;
      }
      this.current = (this.current + n) % this.endpoints.length;
      const text = await res.text();
      if (res.status !== 200) {
        let msg = text;
        try { msg = (JSON.parse(text) as { error?: string; message?: string }).message ?? msg; } catch { /* not JSON */ }
        throw new StoreError(`etcd at ${ep}: ${path}: ${res.status} ${msg.trim()}`, res.status);
      }
      return JSON.parse(text) as T;
    }
    throw lastErr ?? new StoreError('no etcd endpoint');
  }

  async range(key: string, prefix: boolean): Promise<{ kvs: { key: string; value: string; lease?: string }[]; revision: string }> {
    const r = await this.call<{ kvs?: EtcdKv[]; header: { revision: string } }>('/v3/kv/range', {
      key: b64(key), ...(prefix ? { range_end: prefixEnd(key) } : {}),
    });
    return { kvs: (r.kvs ?? []).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), lease: kv.lease })), revision: r.header.revision };
  }

  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call('/v3/kv/put', { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) });
  }

  async delete(key: string): Promise<void> {
    await this.call('/v3/kv/deleterange', { key: b64(key) });
  }

  /** Puts key only if it does not exist; false when another holds it. */
  async putIfAbsent(key: string, value: string, lease: string): Promise<boolean> {
    const r = await this.call<{ succeeded?: boolean }>('/v3/kv/txn', {
      compare: [{ key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key: b64(key), value: b64(value), lease } }],
    });
    return r.succeeded === true;
  }

  /** A lease of ttlMs rounded up to whole seconds (etcd's unit). */
  async grant(ttlMs: number): Promise<string> {
    const r = await this.call<{ ID: string; error?: string }>('/v3/lease/grant', { TTL: String(Math.max(1, Math.ceil(ttlMs / 1000))) });
    if (r.error) throw new StoreError(`etcd: lease grant: ${r.error}`);
    return r.ID;
  }

  /** Renews a lease; false when it has already expired. */
  async keepAlive(id: string): Promise<boolean> {
    const r = await this.call<{ result?: { TTL?: string } }>('/v3/lease/keepalive', { ID: id });
    return Number(r.result?.TTL ?? 0) > 0;
  }

  async revoke(id: string): Promise<void> {
    try {
      await this.call('/v3/lease/revoke', { ID: id });
    } catch (e) {
      if ((e as StoreError).status !== 404) throw e; // already gone
    }
  }

  /**
   * Watches keys under prefix: `onReady` once the watch is in place (read the
   * state then: nothing after it is missed), `onChange` after each batch of
   * events; `onClosed` when the stream ends or fails (the caller retries).
   */
  watchPrefix(prefix: string, h: { onReady(): void; onChange(): void; onClosed(err: Error): void }): { stop(): void } {
    const abort = new AbortController();
    const ep = this.endpoints[this.current];
    const run = async () => {
      const res = await fetch(`http://${ep}/v3/watch`, {
        method: 'POST', signal: abort.signal,
        body: JSON.stringify({ create_request: { key: b64(prefix), range_end: prefixEnd(prefix) } }),
      });
      if (res.status !== 200 || !res.body) throw new StoreError(`etcd at ${ep}: watch: ${res.status} ${(await res.text()).trim()}`, res.status);
      for await (const line of textLines(res.body as AsyncIterable<Uint8Array>)) {
        const msg = JSON.parse(line) as { result?: { created?: boolean; canceled?: boolean; events?: unknown[] }; error?: { message?: string } };
        if (msg.error) throw new StoreError(`etcd at ${ep}: watch: ${msg.error.message}`);
        if (msg.result?.created) h.onReady();
        if (msg.result?.canceled) throw new StoreError(`etcd at ${ep}: watch canceled`);
        if (msg.result?.events?.length) h.onChange();
      }
      throw new StoreError(`etcd at ${ep}: watch stream ended`);
    };
    run().catch((e: Error) => {
      if (abort.signal.aborted) return;
      // the next attempt starts from the next endpoint
      this.current = (this.current + 1) % this.endpoints.length;
      // a refused connection, or a stream cut short ("terminated"): say which store
      h.onClosed(e instanceof StoreError ? e : new StoreError(`etcd at ${ep}: watch: ${causeOf(e)}`));
    });
    return { stop: () => abort.abort() };
  }
}
