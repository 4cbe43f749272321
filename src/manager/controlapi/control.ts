import type { Clock } from '../../clock.js';
import type { MemoryStore } from '../../store/store.js';
import type { Cluster, Node, NodeSpec, Service, ServiceSpec, SwarmSpec, Task } from '../../types/objects.js';
import type { NetworkCreateRequest } from '../../types/network.js';
import type { ControlAPI, Filters, ServiceUpdateOptions } from './api.js';
import { ClusterControl, type ClusterUpdateFlags } from './cluster.js';
import type { ControlDeps } from './deps.js';
import { NetworkControl } from './networks.js';
import { NodeControl } from './nodes.js';
import { ServiceControl } from './services.js';
import { TaskControl } from './tasks.js';
import { PayloadObjectControl } from './payload-objects.js';
import type { ConfigSpec, SecretSpec } from '../../types/secrets.js';

/**
 * The control API over the store, one module per resource (cluster, nodes,
 * services, tasks; networks, secrets and configs get theirs when they exist).
 * Validation, defaults and Docker's errors live in each; bad input throws
 * before any write, so it never leaves a half-written object.
 */
export class Control implements ControlAPI {
  private readonly cluster: ClusterControl;
  private readonly nodes: NodeControl;
  private readonly services: ServiceControl;
  private readonly tasks: TaskControl;
  private readonly secrets: PayloadObjectControl<'secret'>;
  private readonly configs: PayloadObjectControl<'config'>;
  private readonly networks: NetworkControl;

  constructor(store: MemoryStore, opts: Omit<ControlDeps, 'store'> & { clock: Clock }) {
    const d: ControlDeps = { store, ...opts };
    this.cluster = new ClusterControl(d);
    this.nodes = new NodeControl(d);
    this.services = new ServiceControl(d);
    this.tasks = new TaskControl(d);
    this.secrets = new PayloadObjectControl(d, 'secret');
    this.configs = new PayloadObjectControl(d, 'config');
    this.networks = new NetworkControl(d);
  }

  createService(spec: ServiceSpec) { return this.services.create(spec); }
  getService(ref: string, opts?: { insertDefaults?: boolean }): Service { return this.services.get(ref, opts); }
  listServices(filters: Filters, opts?: { status?: boolean }) { return this.services.list(filters, opts); }
  updateService(ref: string, version: number, spec: ServiceSpec, opts?: ServiceUpdateOptions) { return this.services.update(ref, version, spec, opts); }
  removeService(ref: string) { return this.services.remove(ref); }

  getTask(ref: string): Task { return this.tasks.get(ref); }
  listTasks(filters: Filters): Task[] { return this.tasks.list(filters); }

  getNode(ref: string): Node { return this.nodes.get(ref); }
  listNodes(filters: Filters): Node[] { return this.nodes.list(filters); }
  updateNode(ref: string, version: number, spec: NodeSpec) { return this.nodes.update(ref, version, spec); }
  removeNode(ref: string, force: boolean) { return this.nodes.remove(ref, force); }

  getCluster(): Cluster { return this.cluster.get(); }
  getUnlockKey(): string { return this.cluster.unlockKey(); }
  updateCluster(version: number, spec: SwarmSpec, flags: ClusterUpdateFlags) { return this.cluster.update(version, spec, flags); }

  createSecret(spec: SecretSpec) { return this.secrets.create(spec); }
  getSecret(ref: string) { return this.secrets.get(ref); }
  listSecrets(filters: Filters) { return this.secrets.list(filters); }
  updateSecret(ref: string, version: number, spec: SecretSpec) { return this.secrets.update(ref, version, spec); }
  removeSecret(ref: string) { return this.secrets.remove(ref); }
  createConfig(spec: ConfigSpec) { return this.configs.create(spec); }
  getConfig(ref: string) { return this.configs.get(ref); }
  listConfigs(filters: Filters) { return this.configs.list(filters); }
  updateConfig(ref: string, version: number, spec: ConfigSpec) { return this.configs.update(ref, version, spec); }
  removeConfig(ref: string) { return this.configs.remove(ref); }
  createNetwork(req: NetworkCreateRequest, localNames?: string[]) { return this.networks.create(req, localNames); }
  findNetwork(ref: string) { return this.networks.tryGet(ref); }
  listNetworks(filters: Filters) { return this.networks.list(filters); }
  inspectNetwork(ref: string, verbose: boolean) { return this.networks.inspect(ref, verbose); }
  removeNetwork(ref: string) { return this.networks.remove(ref); }
  unusedNetworks(filters: Filters) { return this.networks.unused(filters); }
}
