import { causeOf, StoreError } from './http.js';

/** One KV pair as consul's HTTP API returns it. */
export interface ConsulPair {
  Key: string;
  Value: string | null;
  Session?: string;
  ModifyIndex: number;
}

/**
 * A small client for consul's HTTP API: KV (`/v1/kv/`), sessions
 * (`/v1/session/`), blocking queries (`?index=N&wait=`). With several agents
 * a request that cannot connect moves on to the next.
 */
export class ConsulClient {
  private current = 0;

  constructor(readonly agents: string[]) {}

  async call(method: string, path: string, body?: string, timeoutMs = 10_000, signal?: AbortSignal): Promise<{ status: number; text: string; index?: number }> {
    let lastErr: Error | undefined;
    for (let n = 0; n < this.agents.length; n++) {
      const agent = this.agents[(this.current + n) % this.agents.length];
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        res = await fetch(`http://${agent}${path}`, { method, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (e) {
        if (signal?.aborted) throw e;
        lastErr = new StoreError(`cannot reach consul at ${agent}: ${causeOf(e)}`);
        continue;
      }
      this.current = (this.current + n) % this.agents.length;
      const text = await res.text();
      const idx = res.headers.get('X-Consul-Index');
      if (res.status !== 200 && res.status !== 404) throw new StoreError(`consul at ${agent}: ${method} ${path.split('?')[0]}: ${res.status} ${text.trim()}`, res.status);
      return { status: res.status, text, index: idx ? Number(idx) : undefined };
    }
    throw lastErr ?? new StoreError('no consul agent');
  }

  /** Pairs under prefix (recurse) or the one key; waits up to waitMs for a change past `index` when given. */
  async get(key: string, o: { recurse?: boolean; index?: number; waitMs?: number; signal?: AbortSignal } = {}): Promise<{ pairs: ConsulPair[]; index: number }> {
    const q = new URLSearchParams();
    if (o.recurse) q.set('recurse', '');
    if (o.index !== undefined) {
      q.set('index', String(o.index));
      q.set('wait', `${Math.ceil((o.waitMs ?? 30_000) / 1000)}s`);
    }
    const r = await this.call('GET', `/v1/kv/${encodeKey(key)}?${q}`, undefined, (o.waitMs ?? 0) + 10_000, o.signal);
    const pairs = r.status === 404 ? [] : JSON.parse(r.text) as ConsulPair[];
    return { pairs, index: r.index ?? 0 };
  }

  /** PUT a key; with acquire, only when no other session holds it (the answer says). */
  async put(key: string, value: string, o: { acquire?: string; release?: string } = {}): Promise<boolean> {
    const q = o.acquire ? `?acquire=${o.acquire}` : o.release ? `?release=${o.release}` : '';
    const r = await this.call('PUT', `/v1/kv/${encodeKey(key)}${q}`, value);
    return r.text.trim() === 'true';
  }

  async delete(key: string): Promise<void> {
    await this.call('DELETE', `/v1/kv/${encodeKey(key)}`);
  }

  /** A session that deletes the keys it holds when it is destroyed or its TTL runs out. */
  async createSession(ttlMs: number, name: string): Promise<string> {
    const r = await this.call('PUT', '/v1/session/create', JSON.stringify({
      Name: name, TTL: `${Math.max(1, Math.ceil(ttlMs / 1000))}s`, Behavior: 'delete', LockDelay: '0s',
    }));
    return (JSON.parse(r.text) as { ID: string }).ID;
  }

  /** Renews a session; false when it is gone (expired or destroyed). */
  async renewSession(id: string): Promise<boolean> {
    return (await this.call('PUT', `/v1/session/renew/${id}`)).status === 200;
  }

  async destroySession(id: string): Promise<void> {
    await this.call('PUT', `/v1/session/destroy/${id}`);
  }
}

const encodeKey = (k: string) => k.split('/').map(encodeURIComponent).join('/');
const unb64 = (v: string | null) => (v ? Buffer.from(v, 'base64').toString('utf8') : '');
export { unb64 as consulValue };
