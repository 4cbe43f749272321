import { ServiceDiscovery } from '../network/dns/service-discovery.js';
import type { IpRunner } from '../network/overlay/ip-runner.js';
import type { NetworkView } from '../types/network-view.js';
import type { Task } from '../types/objects.js';
import type { NamespaceService } from './namespace-service.js';

/**
 * The embedded resolver (127.0.0.11) and the VIP balancer (network/dns,
 * network/vip) in each task's namespace, as a service of the task's networks.
 */
export class DiscoveryService implements NamespaceService {
  readonly discovery = new ServiceDiscovery();

  /** dockerResolver: the task is a container on docker_gwbridge, whose engine redirects 127.0.0.11:53 to its own resolver. */
  constructor(private ip: IpRunner, private dockerResolver: boolean) {}

  async start(task: Task, netns: string, _joined: unknown, views: NetworkView[]): Promise<void> {
    // Docker's own gateway endpoint has name resolution disabled; through the Engine API it cannot be,
    // so the engine's redirect of 127.0.0.11:53 in the container goes and our resolver answers there.
    if (this.dockerResolver) {
      for (const chain of ['DOCKER_OUTPUT', 'DOCKER_POSTROUTING']) {
        await this.ip.run('nft', ['flush', 'chain', 'ip', 'nat', chain], netns).catch(() => undefined);
      }
    }
    await this.discovery.attach(task.ID, netns, views, { nameservers: task.Spec.ContainerSpec?.DNSConfig?.Nameservers });
  }

  update(views: NetworkView[]): Promise<void> { return this.discovery.update(views); }
  stop(taskId: string): Promise<void> { return this.discovery.detach(taskId); }
  close(): void { this.discovery.close(); }
}
