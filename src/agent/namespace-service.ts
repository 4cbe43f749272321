import type { JoinedNetwork } from '../network/overlay/overlay-host.js';
import type { NetworkView } from '../types/network-view.js';
import type { Task } from '../types/objects.js';

/**
 * What runs in a task's namespace besides its overlay links: the embedded DNS
 * resolver and the VIP load balancer (network/dns, network/vip), told the
 * task's namespace, its networks and their views, and told again when a view
 * changes.
 */
export interface NamespaceService {
  start(task: Task, netns: string, joined: JoinedNetwork[], views: NetworkView[]): Promise<void>;
  update?(views: NetworkView[]): Promise<void>;
  stop(taskId: string): Promise<void>;
  close?(): void;
  /** A task this service joins even when it is on no overlay network (the routing mesh: a task publishing ingress ports). */
  wants?(task: Task): boolean;
  /** Leaving the swarm: what the service made on the host goes. */
  removeAll?(): Promise<void>;
}
