import { logger } from '../../log.js';
import { Engine, type Container, type EngineListener, type EngineOptions } from './engine.js';

const log = logger('classic-pool');

/** A container being created: counted by the scheduler and the name check before the engine reports it. */
export interface PendingContainer {
  name: string;
  engine: Engine;
  memory: number;
  cpus: number;
  labels: Record<string, string>;
  portBindings: Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  networkMode: string;
  exposedPorts: string[];
}

export type PoolEvent =
  | { kind: 'engine'; engine: Engine; status: 'engine_connect' | 'engine_disconnect' | 'engine_reconnect' }
  | { kind: 'docker'; engine: Engine; msg: Record<string, any> };

/**
 * The engines `manage` fronts, as its discovery lists them: added when they
 * appear, dropped when they go; container lookups across all of them.
 */
export class Pool implements EngineListener {
  readonly engines = new Map<string, Engine>();
  readonly pending = new Map<string, PendingContainer>();
  private readonly listeners = new Set<(e: PoolEvent) => void>();
  /** Engines added or removed. */
  private membership = 0;

  constructor(readonly opts: EngineOptions) {}

  /** The discovery's current list: engines not yet known start, engines no longer listed stop. */
  setEntries(entries: string[]): void {
    const want = new Set(entries);
    for (const addr of want) {
      if (this.engines.has(addr)) continue;
      const e = new Engine(addr, this.opts, this);
      this.engines.set(addr, e);
      this.membership++;
      log.info({ addr }, 'engine added');
      e.start();
    }
    for (const [addr, e] of this.engines) {
      if (want.has(addr)) continue;
      this.engines.delete(addr);
      this.membership++;
      e.stop();
      log.info({ addr, name: e.name }, 'engine removed');
      if (e.isHealthy()) this.emit({ kind: 'engine', engine: e, status: 'engine_disconnect' });
    }
  }

  stop(): void {
    for (const e of this.engines.values()) e.stop();
    this.engines.clear();
  }

  on(fn: (e: PoolEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(ev: PoolEvent): void {
    for (const fn of this.listeners) {
      try { fn(ev); } catch (e) { log.error({ err: String(e) }, 'pool listener failed'); }
    }
  }

  engineEvent(engine: Engine, status: 'engine_connect' | 'engine_disconnect' | 'engine_reconnect'): void {
    this.emit({ kind: 'engine', engine, status });
  }

  dockerEvent(engine: Engine, msg: Record<string, any>): void {
    this.emit({ kind: 'docker', engine, msg });
  }

  /** Engines that answered at least once (validated), sorted by name as classic's info lists them. */
  list(): Engine[] {
    return [...this.engines.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.addr < b.addr ? -1 : 1));
  }

  /** Engines fit for work: validated and healthy. */
  healthy(): Engine[] {
    return this.list().filter((e) => e.isHealthy());
  }

  /** Changes when anything the container list shows may have changed (engines' counters only grow; membership covers removals). */
  listVersion(): string {
    let n = 0;
    for (const e of this.engines.values()) n += e.listVersion;
    return `${this.membership}:${n}`;
  }

  *containers(): Iterable<Container> {
    for (const e of this.engines.values()) yield* e.containers.values();
  }

  engineByName(nameOrId: string): Engine | undefined {
    for (const e of this.engines.values()) if (e.name === nameOrId || e.id === nameOrId || e.addr === nameOrId) return e;
    return undefined;
  }

  /**
   * A container by full or short ID, Swarm ID, name (`web`, `/web`,
   * `node1/web`) or unique ID prefix, as classic Swarm's Containers.Get.
   */
  container(idOrName: string): Container | undefined {
    if (!idOrName) return undefined;
    const all = [...this.containers()];
    for (const c of all) if (c.id === idOrName || c.id.slice(0, 12) === idOrName) return c;
    for (const c of all) {
      const sid = c.details?.labels['com.docker.swarm.id'] ?? c.summary.Labels?.['com.docker.swarm.id'];
      if (sid && (sid === idOrName || String(sid).slice(0, 12) === idOrName)) return c;
    }
    const named = all.filter((c) => ((c.summary.Names ?? []) as string[]).some((n) =>
      n === idOrName || n === `/${idOrName}` || c.engine.name + n === idOrName || c.engine.id + n === idOrName || `/${c.engine.name}${n}` === idOrName));
    if (named.length === 1) return named[0];
    if (named.length > 1) return undefined;
    const prefixed = all.filter((c) => c.id.startsWith(idOrName));
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  /** Whether no container of the pool (nor one being created) has this name. */
  nameIsFree(name: string): boolean {
    if (!name) return true;
    for (const c of this.containers()) {
      for (const n of (c.summary.Names ?? []) as string[]) if (n === `/${name}` || n === name) return false;
    }
    for (const p of this.pending.values()) if (p.name === name) return false;
    return true;
  }
}
