import { join } from 'node:path';
import type { Executor } from '../executor/executor.js';
import { logger } from '../log.js';
import type { IpRunner } from '../network/overlay/ip-runner.js';
import { overlayAttachments } from '../network/overlay/attachments.js';
import { OverlayHost, type JoinedNetwork } from '../network/overlay/overlay-host.js';
import type { NetworkView, NetworkViewDelta } from '../types/network-view.js';
import { applyViewDelta } from '../network/overlay/view-delta.js';
import type { EncryptionKey } from '../types/network-keys.js';
import type { Task } from '../types/objects.js';
import { DiscoveryService } from './discovery-service.js';
import type { NamespaceService } from './namespace-service.js';

const log = logger('task-networks');

/**
 * The agent's side of overlay networks: the views the dispatcher sends go to
 * the host's data plane; a task on overlay networks is joined to them (in its
 * executor's namespace) before it is reported running, and leaves them when
 * it ends or leaves this node.
 */
export class TaskNetworks {
  readonly overlay: OverlayHost;
  private services: NamespaceService[] = [];
  /** Tasks joined to their networks (by this process): namespace path and networks. */
  private joined = new Map<string, { netns: string; networks: JoinedNetwork[] }>();
  private rejoining = new Set<string>();

  /** runner: where `ip` runs as "the host" (tests: a simulated host's namespace). */
  constructor(private executor: Executor, stateDir: string, localAddr: string, nodeId: () => string | undefined, runner?: IpRunner) {
    this.overlay = new OverlayHost({ root: join(stateDir, 'netns'), localAddr, nodeId, runner });
    this.use(new DiscoveryService(this.overlay.runner, executor.name === 'docker'));
  }

  /** The daemon stops: what runs in the tasks' namespaces stops with it (the links stay for the next daemon). */
  close() { for (const s of this.services) s.close?.(); }

  /** Adds the DNS resolver / VIP balancer run in each task's namespace. */
  use(s: NamespaceService) { this.services.push(s); }

  setView(view: NetworkView) {
    this.overlay.setView(view).catch((err) => log.warn({ err: String(err), network: view.NetworkID }, 'programming a network failed'));
    this.notify();
  }

  /**
   * What changed in a view since the version this node holds; false when it
   * holds another version or none (a missed message: the caller asks for
   * whole views again).
   */
  applyDelta(delta: NetworkViewDelta): boolean {
    const view = applyViewDelta(this.overlay.view(delta.NetworkID), delta);
    if (!view) return false;
    this.setView(view);
    return true;
  }

  removeView(networkId: string) {
    this.overlay.removeView(networkId).catch((err) => log.warn({ err: String(err), network: networkId }, 'removing a network failed'));
    this.notify();
  }

  /** The encrypted overlays' keys (all of the ring; none: this node needs no encrypted network). */
  setKeys(keys: EncryptionKey[]) {
    this.overlay.setKeys(keys).catch((err) => log.warn({ err: String(err) }, 'installing the network keys failed'));
  }

  /** A complete assignment set: views not in it are no longer needed here. */
  keepOnly(ids: Set<string>) {
    for (const id of this.overlay.viewIds()) if (!ids.has(id)) this.removeView(id);
  }

  private notify() {
    const views = this.overlay.viewIds().map((id) => this.overlay.view(id)!);
    for (const s of this.services) s.update?.(views).catch((err) => log.warn({ err: String(err) }, 'updating a task namespace service failed'));
  }

  /**
   * Joins the task to its overlay networks if its namespace exists yet
   * (process executor: after prepare; docker: once the container runs).
   * Resolves true when the task is on its networks (or has none).
   */
  async attach(task: Task): Promise<boolean> {
    const extra = this.services.filter((s) => s.wants?.(task));
    if (overlayAttachments(task).length === 0 && extra.length === 0) return true;
    if (this.joined.has(task.ID)) return true;
    // Refused networks reject the task at prepare, before its container starts (docker: no namespace yet).
    this.overlay.check(task);
    const netns = await this.executor.networkNamespace?.(task);
    if (!netns) return false;
    await this.join(task, netns);
    return true;
  }

  /** Joins a namespace (a task's, or a plain container's: agent/container-attachments.ts) to the overlays of `task`. */
  async join(task: Task, netns: string): Promise<JoinedNetwork[]> {
    const networks = await this.overlay.attach(task, netns);
    const views = networks.map((n) => this.overlay.view(n.networkId)!).filter(Boolean);
    // Without overlay networks, only the services that want the task anyway (the ingress mesh) start in it.
    for (const s of networks.length ? this.services : this.services.filter((x) => x.wants?.(task))) await s.start(task, netns, networks, views);
    this.joined.set(task.ID, { netns, networks });
    return networks;
  }

  /**
   * A task found running after a restart: its links are there, its resolver
   * and balancer must start again, once its networks' views have come with
   * the assignments (however long the managers take). Tried until it works
   * or the task leaves.
   */
  rejoin(task: Task): void {
    if (overlayAttachments(task).length === 0 && !this.services.some((s) => s.wants?.(task))) return;
    this.rejoining.add(task.ID);
    const attempt = (delayMs: number) => {
      if (!this.rejoining.has(task.ID)) return;
      this.attach(task).then((ok) => { if (ok) this.rejoining.delete(task.ID); }, (err) => {
        log.warn({ err: String(err), task: task.ID }, 'rejoining networks failed; trying again');
        setTimeout(() => attempt(Math.min(delayMs * 2, 30_000)), delayMs).unref();
      });
    };
    attempt(1000);
  }

  /** The task ended or left this node: detach when it is on overlay networks (no work for the others). */
  leave(task: Task): Promise<void> {
    return overlayAttachments(task).length || this.joined.has(task.ID) ? this.detach(task.ID) : Promise.resolve();
  }

  /** The task ended or left: its links and namespace services go, and networks left without tasks. */
  async detach(taskId: string): Promise<void> {
    this.joined.delete(taskId);
    this.rejoining.delete(taskId);
    for (const s of this.services) await s.stop(taskId).catch((err) => log.warn({ err: String(err), task: taskId }, 'stopping a task namespace service failed'));
    await this.overlay.detach(taskId);
  }

  /** After a restart: what belongs to tasks no longer here goes. */
  reconcile(taskIds: Iterable<string>): Promise<void> { return this.overlay.reconcile(taskIds); }

  async removeAll(): Promise<void> {
    for (const s of this.services) await s.removeAll?.();
    await this.overlay.removeAll();
  }
}
