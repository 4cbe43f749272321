import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import type { Endpoint, PortConfig, Service } from '../../types/objects.js';

const DYNAMIC_PORTS = { first: 30000, last: 32767 };

/**
 * Allocates each service's endpoint (published ports: ingress ports without a
 * number get one from 30000–32767, as Docker) and moves new tasks to pending
 * with the service's endpoint attached.
 */
export class Allocator extends Reconciler {
  readonly name = 'allocator';

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services', 'tasks']);
  }

  protected async reconcile(): Promise<void> {
    await this.store.update((tx) => {
      const services = tx.services.all();
      const used = new Set<string>();
      for (const s of services) for (const p of s.Endpoint?.Ports ?? []) if (p.PublishMode !== 'host' && p.PublishedPort) used.add(`${p.PublishedPort}/${p.Protocol}`);
      for (const s of services) {
        if (endpointCurrent(s)) continue;
        const ep = allocate(s, used);
        tx.update('services', { ...structuredClone(s), Endpoint: ep });
      }
      for (const t of tx.tasks.find({}).filter((t) => t.Status.State === 'new')) {
        const s = tx.services.get(t.ServiceID);
        if (!s) continue;
        const ep = s.Endpoint && endpointCurrent(s) ? s.Endpoint : undefined;
        if (!ep && (s.Spec.EndpointSpec?.Ports?.length ?? 0) > 0) continue; // next pass, once allocated
        tx.update('tasks', {
          ...structuredClone(t), Endpoint: ep ? structuredClone(ep) : t.Endpoint,
          Status: { ...t.Status, State: 'pending', Message: 'pending task scheduling' },
        });
      }
    });
  }
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
  return { Spec: structuredClone(s.Spec.EndpointSpec ?? {}), ...(ports.length ? { Ports: ports } : {}) };
}

function freePort(used: Set<string>, proto: string): number {
  for (let p = DYNAMIC_PORTS.first; p <= DYNAMIC_PORTS.last; p++) if (!used.has(`${p}/${proto}`)) return p;
  throw new Error('no published port left in 30000-32767');
}
