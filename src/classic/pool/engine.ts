import { logger } from '../../log.js';
import { EngineApi, EngineError, EngineUnreachable, type EngineTls } from '../engine/engine-api.js';
import { textLines } from '../engine/lines.js';
import { detailsOf, type ContainerDetails } from './container.js';

const log = logger('classic-engine');

/** Classic Swarm's engine states: Pending until validated, Healthy, or Unhealthy after too many failed connections. */
export type EngineState = 'Pending' | 'Healthy' | 'Unhealthy';

export interface EngineOptions {
  /** Refresh every [min, max) ms (random within, as classic Swarm's delayer). */
  refreshMinMs: number;
  refreshMaxMs: number;
  /** Connection failures before a healthy engine is Unhealthy (--engine-failure-retry). */
  failureRetry: number;
  /** Overcommit ratio in percent of CPUs and memory (classic's cluster-opt swarm.overcommit, default 5 %). */
  overcommitPercent: number;
  tls?: EngineTls;
}

/** One container of an engine as the pool keeps it. */
export interface Container {
  id: string;
  engine: Engine;
  /** The engine's /containers/json entry. */
  summary: Record<string, any>;
  /** From inspect (absent until the first inspect answered). */
  details?: ContainerDetails;
  /** The summary's JSON without its status text, to tell a changed entry from a re-listed one. */
  sig?: string;
}

/** A Map that reports every set, delete and clear (whoever makes them: the engine, the watchdog, the front). */
class CountingMap<K, V> extends Map<K, V> {
  constructor(private readonly onChange: () => void) { super(); }
  override set(k: K, v: V): this { super.set(k, v); this.onChange?.(); return this; }
  override delete(k: K): boolean { const had = super.delete(k); if (had) this.onChange(); return had; }
  override clear(): void { super.clear(); this.onChange(); }
}

function signature(summary: Record<string, any>): string {
  return JSON.stringify({ ...summary, Status: undefined });
}

export interface EngineListener {
  /** engine_connect, engine_disconnect, engine_reconnect (classic Swarm's own events). */
  engineEvent(e: Engine, status: 'engine_connect' | 'engine_disconnect' | 'engine_reconnect'): void;
  /** An event of the engine's /events stream. */
  dockerEvent(e: Engine, msg: Record<string, any>): void;
}

/**
 * One Docker engine of the pool: its /info (name, CPUs, memory, labels), its
 * containers and images, refreshed on its events and on a timer; health as
 * classic Swarm's cluster/engine.go (failure count, Healthy/Unhealthy/Pending).
 */
export class Engine {
  readonly api: EngineApi;
  id = '';
  name = '';
  ip: string;
  cpus = 0;
  memory = 0;
  labels: Record<string, string> = {};
  version = '';
  /** The newest Engine API version the engine serves. */
  apiVersion = '';
  state: EngineState = 'Pending';
  failureCount = 0;
  errMsg = '';
  updatedAt = new Date(0);
  info: Record<string, any> = {};
  /**
   * Counts changes to what the front lists of this engine (its containers, their entries and details, the engine's
   * name and health), so a list of 30,000 containers is made again only when something in it changed.
   */
  listVersion = 0;
  readonly containers: Map<string, Container> = new CountingMap<string, Container>(() => { this.listVersion++; });
  images: Record<string, any>[] = [];
  private timer?: NodeJS.Timeout;
  private events?: AbortController;
  private stopped = false;
  private refreshing?: Promise<void>;
  private pendingRefresh = new Map<string, Promise<void>>();

  constructor(readonly addr: string, private readonly opts: EngineOptions, private readonly listener: EngineListener) {
    this.api = new EngineApi(addr, opts.tls);
    this.ip = addr.slice(0, addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  }

  /** 0 when not healthy, 100 after a clean last contact, less after recent failures (classic's HealthIndicator). */
  healthIndicator(): number {
    if (this.state !== 'Healthy' || this.failureCount >= this.opts.failureRetry) return 0;
    return 100 - Math.trunc((this.failureCount * 100) / this.opts.failureRetry);
  }

  isHealthy(): boolean { return this.state === 'Healthy'; }
  totalCpus(): number { return this.cpus + Math.trunc((this.cpus * this.opts.overcommitPercent) / 100); }
  totalMemory(): number { return this.memory + Math.trunc((this.memory * this.opts.overcommitPercent) / 100); }

  /** Starts: validates the engine (specs, containers), follows its events, refreshes on the timer. */
  start(): void {
    this.refreshAll().finally(() => this.schedule()).catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.events?.abort();
    this.api.close();
  }

  /** Counts an answer or a connection failure, as classic's CheckConnectionErr. */
  checkConnection(err?: unknown): void {
    if (err === undefined) {
      this.errMsg = '';
      if (this.state === 'Unhealthy') {
        this.state = 'Healthy';
        this.listVersion++;
        log.info({ engine: this.name, retries: this.failureCount }, 'engine came back');
        this.failureCount = 0;
        this.listener.engineEvent(this, 'engine_reconnect');
        this.followEvents();
      }
      this.failureCount = 0;
      return;
    }
    if (err instanceof EngineUnreachable) {
      this.failureCount++;
      this.errMsg = err.message;
      if (this.state === 'Healthy' && this.failureCount >= this.opts.failureRetry) {
        this.state = 'Unhealthy';
        this.listVersion++;
        log.error({ engine: this.name, failures: this.failureCount }, 'flagging engine as unhealthy');
        this.listener.engineEvent(this, 'engine_disconnect');
      }
    }
  }

  /** A call to the engine that counts towards its health. */
  async call<T>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    try {
      const r = await this.api.call<T>(method, path, body, { timeoutMs });
      this.checkConnection();
      return r;
    } catch (e) {
      this.checkConnection(e instanceof EngineError ? undefined : e);
      throw e;
    }
  }

  /**
   * How long a refresh waits for an answer: classic's 10s, shorter with short
   * refresh intervals so a vanished engine is found out within a few of them.
   */
  private refreshTimeoutMs(): number {
    return Math.min(10_000, Math.max(2000, this.opts.refreshMinMs * 2));
  }

  private schedule(): void {
    if (this.stopped) return;
    const backoff = Math.min(Math.max(this.failureCount - this.opts.failureRetry, 0), 1000);
    const { refreshMinMs: min, refreshMaxMs: max } = this.opts;
    const wait = min * (1 + backoff) + (max > min ? Math.random() * (max - min) : 0);
    this.timer = setTimeout(() => { this.refreshAll().finally(() => this.schedule()).catch(() => undefined); }, Math.min(wait, 2 ** 31 - 1));
  }

  /** Specs when not healthy (validation, recovery), then containers and images. */
  refreshAll(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        if (!this.isHealthy()) await this.updateSpecs();
        await this.refreshContainers();
        await this.refreshImages();
      } catch (e) {
        log.debug({ engine: this.addr, err: String((e as Error).message) }, 'engine refresh failed');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async updateSpecs(): Promise<void> {
    const info = await this.call<Record<string, any>>('GET', '/info', undefined, this.refreshTimeoutMs());
    if (!info.NCPU || !info.MemTotal) {
      throw new Error(`cannot get resources for this engine, make sure ${this.addr} is a Docker Engine, not a Swarm manager`);
    }
    const v = await this.call<Record<string, any>>('GET', '/version', undefined, this.refreshTimeoutMs());
    const id = `${info.ID}|${this.addr}`;
    if (this.id && this.id !== id) {
      this.state = 'Pending';
      this.errMsg = `Engine (ID: ${this.id}, Addr: ${this.addr}) shows up with another ID:${id}. Please remove it from cluster, it can be added back.`;
      throw new Error(this.errMsg);
    }
    this.id = id;
    this.info = info;
    if (this.name !== String(info.Name ?? '')) this.listVersion++;
    this.name = String(info.Name ?? '');
    this.cpus = Number(info.NCPU);
    this.memory = Number(info.MemTotal);
    this.version = String(v.Version ?? '');
    this.apiVersion = String(v.ApiVersion ?? '');
    const labels: Record<string, string> = {};
    if (info.Driver) labels.storagedriver = info.Driver;
    if (info.KernelVersion) labels.kernelversion = info.KernelVersion;
    if (info.OperatingSystem) labels.operatingsystem = info.OperatingSystem;
    if (info.OSType) labels.ostype = info.OSType;
    if (info.ExecutionDriver) labels.executiondriver = info.ExecutionDriver;
    for (const l of (info.Labels ?? []) as string[]) {
      const i = l.indexOf('=');
      if (i > 0) labels[l.slice(0, i)] = l.slice(i + 1);
    }
    this.labels = labels;
    this.updatedAt = new Date();
    if (this.state === 'Pending') {
      this.state = 'Healthy';
      this.listVersion++;
      this.failureCount = 0;
      this.listener.engineEvent(this, 'engine_connect');
      this.followEvents();
    } else if (this.state === 'Unhealthy') {
      this.checkConnection();
    }
  }

  /** The whole container list; new or changed containers are inspected. */
  async refreshContainers(): Promise<void> {
    const list = await this.call<Record<string, any>[]>('GET', '/containers/json?all=1', undefined, this.refreshTimeoutMs());
    const seen = new Set<string>();
    const inspect: string[] = [];
    for (const s of list) {
      seen.add(s.Id);
      const c = this.containers.get(s.Id);
      if (!c) { this.containers.set(s.Id, { id: s.Id, engine: this, summary: s }); inspect.push(s.Id); continue; }
      if (c.summary.State !== s.State || c.summary.Status !== s.Status || !c.details) inspect.push(s.Id);
      // An entry unchanged but for its status text stays the same object: the front keeps its list text.
      const sig = signature(s);
      if (sig !== c.sig) { c.summary = s; c.sig = sig; this.listVersion++; } else if (c.summary.Status !== s.Status) { c.summary.Status = s.Status; this.listVersion++; }
    }
    for (const id of this.containers.keys()) if (!seen.has(id)) this.containers.delete(id);
    // A bounded number of inspects at once: a busy engine is not flooded.
    for (let i = 0; i < inspect.length; i += 16) {
      await Promise.all(inspect.slice(i, i + 16).map((id) => this.inspect(id).catch(() => undefined)));
    }
    this.updatedAt = new Date();
  }

  async refreshImages(): Promise<void> {
    this.images = await this.call<Record<string, any>[]>('GET', '/images/json?all=0', undefined, this.refreshTimeoutMs());
  }

  private async inspect(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    const info = await this.call<Record<string, any>>('GET', `/containers/${id}/json`);
    c.details = detailsOf(info, this.cpus);
    this.listVersion++;
  }

  /** Refreshes one container (after an event or an operation through the front); gone ones are dropped. */
  refreshContainer(id: string): Promise<void> {
    const running = this.pendingRefresh.get(id);
    if (running) return running;
    const p = (async () => {
      try {
        const filters = encodeURIComponent(JSON.stringify({ id: [id] }));
        const [list, info] = await Promise.all([
          this.call<Record<string, any>[]>('GET', `/containers/json?all=1&filters=${filters}`),
          this.call<Record<string, any>>('GET', `/containers/${id}/json`).catch((e: unknown) => {
            if (e instanceof EngineError && e.status === 404) return undefined;
            throw e;
          }),
        ]);
        const s = list.find((x) => x.Id === id);
        if (!s || !info) { this.containers.delete(id); return; }
        const c = this.containers.get(id) ?? { id, engine: this, summary: s };
        c.summary = s;
        c.details = detailsOf(info, this.cpus);
        this.containers.set(id, c);
        this.listVersion++;
      } finally {
        this.pendingRefresh.delete(id);
      }
    })();
    this.pendingRefresh.set(id, p);
    return p;
  }

  /** Follows the engine's /events: container changes refresh that container; every event goes to the pool. */
  private followEvents(): void {
    if (this.stopped || this.events) return;
    const ac = new AbortController();
    this.events = ac;
    (async () => {
      try {
        const res = await this.api.request('GET', '/events', { signal: ac.signal });
        if ((res.statusCode ?? 500) >= 400) { res.resume(); return; }
        for await (const line of textLines(res)) this.onEvent(line);
      } catch { /* the stream broke: the engine's health decides what next */ }
      finally {
        if (this.events === ac) this.events = undefined;
        // A broken stream on a live engine: refresh now (which counts the failure) and follow again if healthy.
        if (!this.stopped && !ac.signal.aborted) {
          setTimeout(() => { this.refreshAll().then(() => { if (this.isHealthy()) this.followEvents(); }).catch(() => undefined); }, 200).unref();
        }
      }
    })().catch(() => undefined);
  }

  private onEvent(line: string): void {
    let msg: Record<string, any>;
    try { msg = JSON.parse(line) as Record<string, any>; } catch { return; }
    const type = msg.Type ?? (msg.id ? 'container' : '');
    if (type === 'container') {
      const id = String(msg.Actor?.ID ?? msg.id ?? '');
      const action = String(msg.Action ?? msg.status ?? '');
      if (action === 'destroy') this.containers.delete(id);
      else if (id && !action.startsWith('exec_') && action !== 'top' && action !== 'attach' && action !== 'resize') void this.refreshContainer(id).catch(() => undefined);
    } else if (type === 'image') {
      void this.refreshImages().catch(() => undefined);
    }
    this.listener.dockerEvent(this, msg);
  }
}
