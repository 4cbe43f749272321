import type { NetworkAttachment } from '../../types/network-view.js';
import type { Task } from '../../types/objects.js';

/**
 * The attachments of a task this data plane joins: overlay networks other
 * than ingress. Ingress-published ports are answered by the node's port
 * proxy (network/ingress.ts) from the task's reachable endpoint, not through
 * an ingress sandbox; other swarm-scoped drivers are not this data plane's.
 */
export function overlayAttachments(task: Task): NetworkAttachment[] {
  const atts = (task.NetworksAttachments ?? []) as NetworkAttachment[];
  return atts.filter((a) => {
    const n = a.Network as NetworkAttachment['Network'] & { DriverState?: { Name?: string }; Spec: { Ingress?: boolean } };
    const driver = n.DriverState?.Name ?? n.Spec.DriverConfiguration?.Name ?? 'overlay';
    return driver === 'overlay' && !n.Spec.Ingress && a.Addresses?.length;
  });
}

export const onOverlay = (task: Task) => overlayAttachments(task).length > 0;
