import type { Clock } from '../../clock.js';
import type { MemoryStore } from '../../store/store.js';
import type { Cluster, Node, NodeSpec, Service, ServiceSpec, SwarmSpec, Task } from '../../types/objects.js';
import type { ControlAPI, Filters, ServiceUpdateOptions } from './api.js';
import { ClusterControl, type ClusterUpdateFlags } from './cluster.js';
import type { ControlDeps } from './deps.js';
import { NodeControl } from './nodes.js';
import { ServiceControl } from './services.js';
import { TaskControl } from './tasks.js';

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

  constructor(store: MemoryStore, opts: Omit<ControlDeps, 'store'> & { clock: Clock }) {
    const d: ControlDeps = { store, ...opts };
    this.cluster = new ClusterControl(d);
    this.nodes = new NodeControl(d);
    this.services = new ServiceControl(d);
    this.tasks = new TaskControl(d);
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
}
