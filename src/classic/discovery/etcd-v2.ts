import { causeOf, StoreError } from './http.js';

/**
 * etcd's v2 keys API (`/v2/keys/...`), which classic Swarm's own join and
 * manage used (through libkv). etcd 3.4 serves it only with --enable-v2; a
 * server without it answers 404 with a plain page, and v2 is then left alone.
 */
interface V2Node { key: string; value?: string; dir?: boolean; nodes?: V2Node[] }

export class EtcdV2 {
  private enabledP?: Promise<boolean>;

  constructor(private readonly endpoints: () => string) {}

  private async req(method: string, path: string, body?: URLSearchParams, signal?: AbortSignal, timeoutMs = 5_000) {
    const ep = this.endpoints();
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`http://${ep}/v2/keys${path}`, { method, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new StoreError(`cannot reach etcd at ${ep}: ${causeOf(e)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      // The store went away mid-answer (a long poll's connection cut): undici says only "terminated".
      if (signal?.aborted) throw e;
      throw new StoreError(`etcd at ${ep}: ${causeOf(e)}`);
    }
    let json: { node?: V2Node; errorCode?: number; message?: string } | undefined;
    try { json = JSON.parse(text) as typeof json; } catch { /* a plain page: v2 disabled */ }
    return { status: res.status, json, index: Number(res.headers.get('X-Etcd-Index') ?? 0), ep };
  }

  /** Whether the server serves v2 keys (asked once; a failure to ask is asked again next time). */
  enabled(): Promise<boolean> {
    this.enabledP ??= this.req('GET', '/').then((r) => r.json !== undefined);
    this.enabledP.catch(() => { this.enabledP = undefined; });
    return this.enabledP;
  }

  /** The values under dir, and the index to wait from. */
  async list(dir: string): Promise<{ values: string[]; index: number }> {
    const r = await this.req('GET', `${dir}?recursive=true`);
    if (r.status === 404 && r.json?.errorCode === 100) return { values: [], index: r.index };
    if (r.status !== 200 || !r.json?.node) throw new StoreError(`etcd at ${r.ep}: v2 get ${dir}: ${r.status} ${r.json?.message ?? ''}`.trim(), r.status);
    return { values: (r.json.node.nodes ?? []).filter((n) => !n.dir && n.value).map((n) => n.value!), index: r.index };
  }

  async put(key: string, value: string, ttlS: number): Promise<void> {
    const r = await this.req('PUT', key, new URLSearchParams({ value, ttl: String(ttlS) }));
    if (r.status !== 200 && r.status !== 201) throw new StoreError(`etcd at ${r.ep}: v2 put ${key}: ${r.status} ${r.json?.message ?? ''}`.trim(), r.status);
  }

  async delete(key: string): Promise<void> {
    const r = await this.req('DELETE', key);
    if (r.status !== 200 && r.status !== 404) throw new StoreError(`etcd at ${r.ep}: v2 delete ${key}: ${r.status} ${r.json?.message ?? ''}`.trim(), r.status);
  }

  /** Waits for the next change under dir after index (a long poll); resolves at once when that history is gone. */
  async waitChange(dir: string, index: number, signal: AbortSignal): Promise<void> {
    await this.req('GET', `${dir}?wait=true&recursive=true&waitIndex=${index + 1}`, undefined, signal, 60_000);
  }
}
