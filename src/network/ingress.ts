import { logger } from '../log.js';
import type { MemoryStore } from '../store/store.js';
import type { Service, Task } from '../types/objects.js';
import type { PortProxy, Protocol } from './proxy.js';

const log = logger('ingress');

/**
 * Keeps the port proxy in line with cluster state: every ingress-published
 * port of every service answers here, balanced over the service's running
 * tasks (their reported endpoints for the target port).
 */
export class IngressController {
  private unwatch?: () => void;
  private syncing: Promise<void> = Promise.resolve();
  private again = false;

  constructor(private store: MemoryStore, private proxy: PortProxy) {}

  start() {
    this.unwatch = this.store.watch(() => this.resync(), { tables: ['services', 'tasks'], onResync: () => this.resync() });
    this.resync();
  }

  async stop() {
    this.unwatch?.();
    await this.syncing;
    await this.proxy.close();
  }

  /** Waits until the proxy reflects the store as of now (tests, shutdown). */
  settled(): Promise<void> { return this.syncing; }

  private resync() {
    if (this.again) return;
    this.again = true;
    this.syncing = this.syncing.then(async () => {
      this.again = false;
      await this.sync().catch((err) => log.warn({ err: String(err) }, 'ingress sync failed'));
    });
  }

  private async sync() {
    const wanted = this.store.view((tx) => desiredPorts(tx.services.all(), (id) => tx.tasks.find({ serviceId: id })));
    for (const key of this.proxy.ports()) {
      if (!wanted.has(key)) {
        const [port, proto] = key.split('/');
        await this.proxy.remove(Number(port), proto as Protocol);
      }
    }
    for (const [key, backends] of wanted) {
      const [port, proto] = key.split('/');
      try {
        await this.proxy.set(Number(port), proto as Protocol, backends);
      } catch (err) {
        log.warn({ port: key, err: String(err) }, 'cannot listen on published port');
      }
    }
  }
}

/** "port/proto" → backends, for every ingress port of every service. */
export function desiredPorts(services: Service[], tasksOf: (serviceId: string) => Task[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of services) {
    for (const p of s.Endpoint?.Ports ?? []) {
      if ((p.PublishMode ?? 'ingress') !== 'ingress' || !p.PublishedPort) continue;
      const proto = p.Protocol ?? 'tcp';
      const backends: string[] = [];
      for (const t of tasksOf(s.ID)) {
        if (t.Status.State !== 'running' || t.DesiredState !== 'running') continue;
        for (const e of t.Status.Endpoints ?? []) {
          if (e.TargetPort === p.TargetPort && e.Protocol === proto) backends.push(e.Addr);
        }
      }
      out.set(`${p.PublishedPort}/${proto}`, backends.sort());
    }
  }
  return out;
}
