import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import type { StoreEvent } from '../../store/tables.js';
import type { WriteTx } from '../../store/store.js';
import type { Endpoint, PortConfig, Service, Task } from '../../types/objects.js';

const DYNAMIC_PORTS = { first: 30000, last: 32767 };
const FULL_PASS_MS = 30_000;

/**
 * Allocates each service's endpoint (published ports: ingress ports without a
 * number get one from 30000–32767, as Docker) and moves new tasks to pending
 * with the service's endpoint attached. Works from events: a service's
 * change re-allocates it, a new task is moved on.
 */
export class Allocator extends Reconciler {
  readonly name = 'allocator';
  private services = new Set<string>();
  private tasks = new Set<string>();

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services', 'tasks'], { clock: deps.clock, fullEveryMs: FULL_PASS_MS, windowMs: 10 });
  }

  protected override onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.action === 'remove') continue;
      if (e.table === 'services') this.services.add(e.object.ID);
      else if ((e.object as Task).Status.State === 'new') this.tasks.add(e.object.ID);
    }
    if (this.services.size + this.tasks.size > 0) this.kick();
  }

  protected async reconcile(full: boolean): Promise<void> {
    if (full) {
      this.store.view((tx) => {
        for (const s of tx.services.all()) this.services.add(s.ID);
        for (const t of tx.tasks.by('state', 'new')) this.tasks.add(t.ID);
      });
    }
    const services = this.services;
    const tasks = this.tasks;
    this.services = new Set();
    this.tasks = new Set();
    if (services.size > 0) {
      await this.store.update((tx) => {
        const used = usedPorts(tx.services.all());
        for (const id of services) {
          const s = tx.services.get(id);
          if (s && !endpointCurrent(s)) tx.update('services', { ...s, Endpoint: allocate(s, used) });
        }
      });
      // Tasks that waited for their service's endpoint.
      this.store.view((tx) => { for (const id of services) for (const t of tx.tasks.find({ serviceId: id })) if (t.Status.State === 'new') tasks.add(t.ID); });
    }
    if (tasks.size > 0) await this.store.batch((b) => { for (const id of tasks) b.update((tx) => toPending(tx, id)); });
  }
}

/** A new task goes to the scheduler with its service's endpoint, once that is allocated. */
function toPending(tx: WriteTx, taskId: string) {
  const t = tx.tasks.get(taskId);
  if (!t || t.Status.State !== 'new') return;
  const s = tx.services.get(t.ServiceID);
  if (!s) return;
  const ep = s.Endpoint && endpointCurrent(s) ? s.Endpoint : undefined;
  if (!ep && (s.Spec.EndpointSpec?.Ports?.length ?? 0) > 0) return; // once allocated, the service's event brings it back
  tx.update('tasks', { ...t, Endpoint: ep ?? t.Endpoint, Status: { ...t.Status, State: 'pending', Message: 'pending task scheduling' } });
}

function usedPorts(services: Service[]): Set<string> {
  const used = new Set<string>();
  for (const s of services) for (const p of s.Endpoint?.Ports ?? []) if (p.PublishMode !== 'host' && p.PublishedPort) used.add(`${p.PublishedPort}/${p.Protocol}`);
  return used;
}

/** The endpoint matches the spec: same ports, with numbers assigned. */
function endpointCurrent(s: Service): boolean {
  const want = s.Spec.EndpointSpec?.Ports ?? [];
  const have = s.Endpoint?.Ports ?? [];
  if (!s.Endpoint || JSON.stringify(s.Endpoint.Spec) !== JSON.stringify(s.Spec.EndpointSpec)) return false;
  return want.length === have.length;
}

function allocate(s: Service, used: Set<string>): Endpoint {
  const prev = s.Endpoint?.Ports ?? [];
  const ports: PortConfig[] = (s.Spec.EndpointSpec?.Ports ?? []).map((p) => {
    const q: PortConfig = { ...p, Protocol: p.Protocol ?? 'tcp', PublishMode: p.PublishMode ?? 'ingress' };
    if (q.PublishMode === 'ingress' && !q.PublishedPort) {
      const kept = prev.find((o) => o.TargetPort === q.TargetPort && o.Protocol === q.Protocol && o.PublishMode === 'ingress');
      q.PublishedPort = kept?.PublishedPort ?? freePort(used, q.Protocol!);
    }
    if (q.PublishMode === 'ingress') used.add(`${q.PublishedPort}/${q.Protocol}`);
    return q;
  });
  return { Spec: s.Spec.EndpointSpec ?? {}, ...(ports.length ? { Ports: ports } : {}) };
}

function freePort(used: Set<string>, proto: string): number {
  for (let p = DYNAMIC_PORTS.first; p <= DYNAMIC_PORTS.last; p++) if (!used.has(`${p}/${proto}`)) return p;
  throw new Error('no published port left in 30000-32767');
}
