/**
 * Service discovery and load balancing inside each task's network namespace:
 * the embedded resolver at 127.0.0.11:53 (UDP and TCP) and the VIPs (nftables
 * DNAT), both from the NetworkViews the dispatcher sends.
 *
 * The netplane (agent side) calls, for a task with its own namespace:
 *   attach(taskId, netnsPath, views, opts?)  when the task's namespace is joined to its networks
 *                                            (views: those networks', in the task's order; again after
 *                                            a daemon restart: it replaces what a previous daemon left;
 *                                            again when the task's networks change: the resolver stays)
 *   update(views)                            whenever views arrive (all of them, or just the changed ones:
 *                                            an unchanged view costs one string compare, a changed one
 *                                            touches only the tasks on that network, and nft runs only
 *                                            in namespaces whose VIP backends really changed)
 *   detach(taskId)                           when the task stops (its namespace may be gone already)
 *   close()                                  at daemon shutdown (DNS stops; the VIP rules stay until the
 *                                            next daemon's attach replaces them)
 * The task's resolv.conf must point at 127.0.0.11: see resolv-conf.ts.
 */
import { logger } from '../../log.js';
import type { NetworkView } from '../../types/network-view.js';
import { sameList, type VipState } from '../vip/ruleset.js';
import { VipBalancer, type NftRunner } from '../vip/vip-balancer.js';
import { HostResolvers, type Upstream } from './forward.js';
import { openNamespaceSockets, RESOLVER_ADDRESS, RESOLVER_PORT } from './ns-sockets.js';
import { networkRecords, type NetworkRecords } from './records.js';
import { TaskResolver } from './task-resolver.js';

const log = logger('discovery');

export interface AttachOptions {
  /** The task's own nameservers (`--dns`, Spec.ContainerSpec.DNSConfig.Nameservers): names not ours go there instead of the host's resolvers. */
  nameservers?: string[];
}

export interface ServiceDiscoveryOptions {
  /** The host's resolv.conf (default /etc/resolv.conf of the daemon's, the root, namespace). */
  hostResolvConf?: string;
  /** Fixed upstreams instead of the host's resolv.conf (tests: a resolver on another port). */
  upstreams?: Upstream[];
  /** Where the resolver answers in each namespace (default 127.0.0.11:53). */
  address?: string;
  port?: number;
  nft?: NftRunner;
}

interface NetworkEntry {
  key: string;
  records: NetworkRecords;
  /** The VIP services of the network: VIP → backends, sorted. */
  vips: Map<string, string[]>;
  tasks: Set<string>;
}

interface TaskEntry {
  netnsPath: string;
  networkIds: string[];
  upstreams?: Upstream[];
  resolver?: TaskResolver;
  detached: boolean;
}

export class ServiceDiscovery {
  private networks = new Map<string, NetworkEntry>();
  private tasks = new Map<string, TaskEntry>();
  private host: HostResolvers;
  readonly vip: VipBalancer;

  constructor(private opts: ServiceDiscoveryOptions = {}) {
    this.host = new HostResolvers(opts.hostResolvConf);
    this.vip = new VipBalancer(opts.nft);
  }

  async attach(taskId: string, netnsPath: string, views: readonly NetworkView[], opts: AttachOptions = {}): Promise<void> {
    const had = this.tasks.get(taskId);
    if (had && had.netnsPath === netnsPath && had.resolver) return this.reattach(taskId, had, views, opts);
    if (had) await this.detach(taskId, false);
    const task: TaskEntry = {
      netnsPath,
      networkIds: views.map((v) => v.NetworkID),
      upstreams: upstreamsOf(opts),
      detached: false,
    };
    this.tasks.set(taskId, task);
    for (const v of views) this.addView(taskId, v);
    const dns = openNamespaceSockets(netnsPath, this.opts.address ?? RESOLVER_ADDRESS, this.opts.port ?? RESOLVER_PORT).then((sockets) => {
      const resolver = new TaskResolver(sockets, {
        networks: () => this.recordsOf(task),
        upstreams: () => task.upstreams ?? this.opts.upstreams ?? this.host.get(),
      });
      if (task.detached) resolver.close();
      else task.resolver = resolver;
    });
    const [d, v] = await Promise.allSettled([dns, this.vip.set(taskId, netnsPath, this.vipState(task))]);
    if (d.status === 'rejected') throw d.reason;
    if (v.status === 'rejected') throw v.reason;
  }

  /** The task's networks changed (service update --network-add/--network-rm): its resolver stays, its VIP rules follow. */
  private async reattach(taskId: string, task: TaskEntry, views: readonly NetworkView[], opts: AttachOptions): Promise<void> {
    const ids = views.map((v) => v.NetworkID);
    for (const id of task.networkIds) {
      if (ids.includes(id)) continue;
      const entry = this.networks.get(id);
      entry?.tasks.delete(taskId);
      if (entry && entry.tasks.size === 0) this.networks.delete(id);
    }
    for (const v of views) this.addView(taskId, v);
    task.networkIds = ids;
    task.upstreams = upstreamsOf(opts);
    await this.vip.set(taskId, task.netnsPath, this.vipState(task));
  }

  async update(views: readonly NetworkView[]): Promise<void> {
    const touched = new Set<string>();
    for (const v of views) {
      const entry = this.networks.get(v.NetworkID);
      if (!entry || !this.setView(entry, v)) continue;
      for (const t of entry.tasks) touched.add(t);
    }
    await Promise.all([...touched].map((id) => {
      const task = this.tasks.get(id)!;
      return this.vip.set(id, task.netnsPath, this.vipState(task));
    }));
  }

  /** Stops the task's resolver and removes its VIP rules (removeRules false: leave them, the namespace is being reused). */
  async detach(taskId: string, removeRules = true): Promise<void> {
    const task = this.tasks.get(taskId);
    if (!task) return;
    this.tasks.delete(taskId);
    task.detached = true;
    task.resolver?.close();
    for (const id of task.networkIds) {
      const entry = this.networks.get(id);
      entry?.tasks.delete(taskId);
      if (entry && entry.tasks.size === 0) this.networks.delete(id);
    }
    await this.vip.remove(taskId, removeRules);
  }

  close(): void {
    for (const task of this.tasks.values()) { task.detached = true; task.resolver?.close(); }
    this.tasks.clear();
    this.networks.clear();
    this.vip.close();
  }

  /** Tasks attached now (diagnostics, tests). */
  attached(): string[] { return [...this.tasks.keys()]; }

  private addView(taskId: string, v: NetworkView): void {
    const entry = this.networks.get(v.NetworkID);
    if (entry) this.setView(entry, v);
    else this.networks.set(v.NetworkID, { ...compile(v), tasks: new Set() });
    this.networks.get(v.NetworkID)!.tasks.add(taskId);
  }

  /** Replaces a network's view; false when nothing in it changed. */
  private setView(entry: NetworkEntry, v: NetworkView): boolean {
    const next = compile(v);
    if (next.key === entry.key) return false;
    entry.key = next.key;
    entry.records = next.records;
    entry.vips = next.vips;
    log.debug({ network: v.Name }, 'network view changed');
    return true;
  }

  private recordsOf(task: TaskEntry): NetworkRecords[] {
    const out: NetworkRecords[] = [];
    for (const id of task.networkIds) {
      const e = this.networks.get(id);
      if (e) out.push(e.records);
    }
    return out;
  }

  private vipState(task: TaskEntry): VipState {
    const state = new Map<string, string[]>();
    for (const id of task.networkIds) {
      for (const [vip, backends] of this.networks.get(id)?.vips ?? []) {
        const had = state.get(vip);
        state.set(vip, had && !sameList(had, backends) ? [...new Set([...had, ...backends])].sort() : backends);
      }
    }
    return state;
  }
}

function upstreamsOf(opts: AttachOptions): Upstream[] | undefined {
  return opts.nameservers?.length ? opts.nameservers.map((host) => ({ host, port: 53 })) : undefined;
}

/** What the resolver and the balancer need of a view, and a key that changes when any of it does. */
function compile(v: NetworkView): Omit<NetworkEntry, 'tasks'> {
  const vips = new Map<string, string[]>();
  if (!v.Ingress) {
    for (const s of v.Services) {
      if (s.EndpointMode !== 'vip' || !s.VIP) continue;
      vips.set(s.VIP, [...new Set(s.Tasks.map((t) => t.Addr))].sort());
    }
  }
  const key = JSON.stringify([v.Name, v.Ingress, v.Services, v.Containers ?? []]);
  return { key, records: networkRecords(v), vips };
}
