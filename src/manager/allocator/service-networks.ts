import type { ReadTx } from '../../store/store.js';
import type { Network } from '../../types/network.js';
import type { Endpoint, Service, ServiceSpec, Task } from '../../types/objects.js';
import { publishesIngress, serviceNetworkTargets } from '../controlapi/networks.js';

export interface Attachment { network: Network; aliases?: string[] }

/** A network by ID or name (the old service-level Networks keep targets as given). */
function networkOf(tx: ReadTx, target: string): Network | undefined {
  const t = tx.table('networks');
  return t.get(target) ?? t.getByName(target);
}

export function ingressNetwork(tx: ReadTx): Network | undefined {
  return tx.table('networks').all().find((n) => n.Spec.Ingress);
}

/**
 * The networks a service's tasks join, in Docker's order: the ingress
 * network first when the service publishes ports in ingress mode, then its
 * own. `missing` names targets that do not exist (the tasks wait).
 */
export function serviceAttachments(tx: ReadTx, s: Service, task?: Task): { attachments: Attachment[]; missing: string[] } {
  const attachments: Attachment[] = [];
  const missing: string[] = [];
  if (publishesIngress(s)) {
    const ing = ingressNetwork(tx);
    if (ing) attachments.push({ network: ing }); else missing.push('ingress');
  }
  const targets = task?.Spec.Networks?.length ? task.Spec.Networks : serviceNetworkTargets(s.Spec);
  for (const a of targets) {
    const n = networkOf(tx, a.Target);
    if (!n) { missing.push(a.Target); continue; }
    // The same network twice gives the service a VIP each time (Docker); a task joins it once.
    if (task && attachments.some((x) => x.network.ID === n.ID)) continue;
    attachments.push({ network: n, ...(a.Aliases?.length ? { aliases: a.Aliases } : {}) });
  }
  return { attachments, missing };
}

/**
 * The endpoint of a service with nothing to allocate (no published port,
 * no network), as the allocator would write it: stored with the service's
 * own write, so that no second write moves its version right after a
 * create or update (a client's inspect-then-update would find it stale).
 */
export function endpointNeedingNothing(spec: ServiceSpec): Endpoint | undefined {
  if ((spec.EndpointSpec?.Ports ?? []).length || serviceNetworkTargets(spec).length) return undefined;
  return { Spec: spec.EndpointSpec ?? {} };
}
