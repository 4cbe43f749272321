import { goMapOrder } from '../../types/go-map.js';
import { isIngressSbox } from '../../types/network.js';
import { newId } from '../../ids.js';
import type { ReadTx } from '../../store/store.js';
import { ApiError, notFound, notImplemented } from '../../types/errors.js';
import type { Network, NetworkCreateRequest, NetworkResource } from '../../types/network.js';
import { isTerminal, taskStateRank, type Service, type ServiceSpec, type Task } from '../../types/objects.js';
import { NetworkAllocationError, allocateNetwork } from '../allocator/network-state.js';
import { hostOf } from '../allocator/ipv4.js';
import type { Filters } from './api.js';
import type { ControlDeps } from './deps.js';
import { validateFilters } from './filters.js';
import { lookup } from './lookup.js';
import { nameTaken, networkSpecOf } from './network-spec.js';
import { rpcError } from './rpc-errors.js';
import { matchNetwork, NETWORK_FILTERS, validateNetworkFilterValues } from './network-filters.js';

const networkName = (n: Network) => n.Spec.Name;

/** The engine's own networks a service cannot join through the swarm (Docker's node-local networks). */
const LOCAL_NETWORKS = new Set(['bridge', 'host', 'none', 'docker_gwbridge']);

/** Swarm-scoped networks: create (with their subnet and VXLAN ID), inspect, list, remove. */
export class NetworkControl {
  constructor(private d: ControlDeps) {}

  /** `localNames`: the engine's networks of this node, whose names a swarm network may not take. */
  async create(req: NetworkCreateRequest, localNames: string[] = []): Promise<{ Id: string; Warning: string }> {
    const spec = networkSpecOf(req);
    const id = newId();
    await this.d.store.update((tx) => {
      if (tx.table('networks').getByName(spec.Name) || localNames.includes(spec.Name)) throw nameTaken(spec.Name);
      if (spec.Ingress) {
        const ingress = tx.table('networks').all().find((n) => n.Spec.Ingress);
        if (ingress) throw rpcError('AlreadyExists', `ingress network (${ingress.ID}) is already present`);
      }
      let state: ReturnType<typeof allocateNetwork>;
      try {
        state = allocateNetwork(tx, spec);
      } catch (e) {
        if (!(e instanceof NetworkAllocationError)) throw e;
        // Docker stores the network and its allocation fails later, in the log only; tswarm refuses at once.
        throw rpcError(e.kind === 'overlap' ? 'InvalidArgument' : 'ResourceExhausted', `failed allocating pools and gateway IP for network ${spec.Name}: ${e.message}`);
      }
      tx.create('networks', { ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: spec, ...state });
    });
    return { Id: id, Warning: '' };
  }

  get(ref: string): Network {
    return this.d.store.view((tx) => this.find(tx, ref));
  }

  /** The network by full ID, name or unique ID prefix; undefined when none (the engine's may still match). */
  tryGet(ref: string): Network | undefined {
    try { return this.get(ref); } catch (e) { if (e instanceof ApiError && e.status === 404 && !/ambiguous/.test(e.message)) return undefined; throw e; }
  }

  private find(tx: ReadTx, ref: string): Network {
    return lookup(tx.table('networks').all(), ref, 'network', networkName);
  }

  /** The swarm's networks as GET /networks shows them, filtered (Docker's network filters). */
  list(filters: Filters): NetworkResource[] {
    validateFilters(filters, NETWORK_FILTERS);
    validateNetworkFilterValues(filters);
    return this.d.store.view((tx) => tx.table('networks').all()
      .map((n) => ({ r: toResource(n), dangling: !inUse(tx, n) }))
      .filter(({ r, dangling }) => matchNetwork(filters, r, dangling))
      .map(({ r }) => r));
  }

  /** GET /networks/{id}: with `verbose`, the services and peers of the whole swarm on it. */
  inspect(ref: string, verbose: boolean): NetworkResource {
    return this.d.store.view((tx) => {
      const n = this.find(tx, ref);
      return verbose ? { ...toResource(n), ...verboseView(tx, n) } : toResource(n);
    });
  }

  async remove(ref: string): Promise<void> {
    const n = this.get(ref);
    await this.d.store.update((tx) => {
      const cur = tx.table('networks').get(n.ID);
      if (!cur) throw notFound(`network ${ref} not found`);
      if (cur.Spec.Ingress) {
        const s = tx.services.all().find(publishesIngress);
        if (s) throw rpcError('FailedPrecondition', `ingress network cannot be removed because service ${s.ID} depends on it`);
      }
      const user = usedBy(tx, cur);
      if (user) throw rpcError('FailedPrecondition', `network ${cur.ID} is in use by ${user}`);
      tx.remove('networks', cur.ID);
    });
  }

  /** Networks no service, task or container uses (`network prune`), ingress excluded; `until`/`label` as Docker's prune filters. */
  unused(filters: Filters): Network[] {
    validateFilters(filters, ['until', 'label', 'label!']);
    return this.d.store.view((tx) => tx.table('networks').all().filter((n) => !n.Spec.Ingress && !inUse(tx, n) && pruneMatch(filters, n, this.d.clock.now())));
  }
}

/** Docker's NetworkResource of a swarm network (moby's BasicNetworkFromGRPC). */
export function toResource(n: Network): NetworkResource {
  const configs = (n.IPAMOptions?.Configs ?? n.Spec.IPAMOptions?.Configs ?? []).map((c) => ({
    ...(c.Subnet ? { Subnet: c.Subnet } : {}), ...(c.Range ? { IPRange: c.Range } : {}), ...(c.Gateway ? { Gateway: c.Gateway } : {}),
  }));
  const labels = goMapOrder(n.Spec.Labels ?? {});
  const options = goMapOrder({ ...n.Spec.DriverConfiguration?.Options, ...n.DriverState?.Options });
  return {
    Name: n.Spec.Name, Id: n.ID, Created: n.CreatedAt, Scope: 'swarm', Driver: n.DriverState?.Name ?? n.Spec.DriverConfiguration?.Name ?? 'overlay',
    EnableIPv6: !!n.Spec.IPv6Enabled,
    IPAM: { Driver: n.IPAMOptions?.Driver?.Name ?? 'default', Options: n.IPAMOptions?.Driver?.Options ?? null, Config: configs },
    Internal: !!n.Spec.Internal, Attachable: !!n.Spec.Attachable, Ingress: !!n.Spec.Ingress,
    ConfigFrom: { Network: n.Spec.ConfigFrom?.Network ?? '' }, ConfigOnly: false, Containers: null,
    Options: Object.keys(options).length ? options : null,
    // Docker shows the ingress network's empty labels as {} and a user network's as null.
    Labels: Object.keys(labels).length || n.Spec.Ingress ? labels : null,
  };
}

/** A task still holds its network addresses (swarmkit frees them once it is dead, or never started and never will). */
export function holdsAddresses(t: Task): boolean {
  // A job's task is desired 'complete': it runs to completion, then lets go.
  if (t.DesiredState === 'complete') return !isTerminal(t.Status.State);
  if (taskStateRank(t.DesiredState) <= taskStateRank('running')) return true;
  return !isTerminal(t.Status.State) && taskStateRank(t.Status.State) >= taskStateRank('assigned');
}

/** The networks a service's tasks join: its template's, else the service-level ones (the old API), by their targets as given. */
export function serviceNetworkTargets(spec: ServiceSpec | undefined): { Target: string; Aliases?: string[] }[] {
  const tt = spec?.TaskTemplate?.Networks;
  return tt?.length ? tt : spec?.Networks ?? [];
}

export function publishesIngress(s: Service): boolean {
  return (s.Spec.EndpointSpec?.Ports ?? []).some((p) => (p.PublishMode ?? 'ingress') === 'ingress');
}

/** What uses a network: a service naming it, a task holding an address on it, a container attached (the first found). */
function usedBy(tx: ReadTx, n: Network): string | undefined {
  for (const s of tx.services.all()) {
    if (serviceNetworkTargets(s.Spec).some((a) => a.Target === n.ID || a.Target === n.Spec.Name)) return `service ${s.ID}`;
  }
  // As swarmkit: only a task still meant to run, and not past running, keeps its network (a removed service's
  // tasks that are shutting down do not: `stack rm` removes the services, then at once the networks).
  const running = taskStateRank('running');
  for (const t of tx.tasks.all()) {
    if (taskStateRank(t.DesiredState) <= running && taskStateRank(t.Status.State) <= running && addressOn(t, n.ID)) return `task ${t.ID}`;
  }
  // Each host's own ingress address (the routing mesh's) is not a user of the network: it goes with it.
  const att = tx.table('netattachments').by('network', n.ID).filter((a) => !isIngressSbox(a))[0];
  if (att) return `task ${att.ID}`;
  return undefined;
}

function inUse(tx: ReadTx, n: Network): boolean {
  return usedBy(tx, n) !== undefined;
}

function pruneMatch(filters: Filters, n: Network, now: number): boolean {
  const labels = n.Spec.Labels ?? {};
  const has = (v: string) => { const i = v.indexOf('='); return i < 0 ? labels[v] !== undefined : labels[v.slice(0, i)] === v.slice(i + 1); };
  if ((filters.label ?? []).some((v) => !has(v))) return false;
  if ((filters['label!'] ?? []).some((v) => has(v))) return false;
  for (const u of filters.until ?? []) {
    const t = /^\d+(\.\d+)?$/.test(u) ? Number(u) * 1000 : Date.parse(u);
    if (Number.isNaN(t)) throw new ApiError(400, `failed to parse value as time or duration: "${u}"`);
    if (Date.parse(n.CreatedAt) >= t) return false;
  }
  return now >= 0;
}

/** `network inspect --verbose`: the services on the network with their VIP and tasks, and the nodes carrying it. */
function verboseView(tx: ReadTx, n: Network): Pick<NetworkResource, 'Peers' | 'Services'> {
  const services: Record<string, unknown> = {};
  const peers = new Map<string, { Name: string; IP: string }>();
  const nodeAddr = (id: string | undefined) => (id ? tx.nodes.get(id)?.Status.Addr ?? '' : '');
  for (const s of tx.services.all()) {
    const vip = s.Endpoint?.VirtualIPs?.find((v) => v.NetworkID === n.ID);
    const tasks: unknown[] = [];
    for (const t of tx.tasks.find({ serviceId: s.ID })) {
      const addr = addressOn(t, n.ID);
      if (!addr || !holdsAddresses(t)) continue;
      if (t.NodeID) peers.set(t.NodeID, { Name: tx.nodes.get(t.NodeID)?.Description.Hostname ?? t.NodeID, IP: nodeAddr(t.NodeID) });
      if (t.Status.State !== 'running') continue;
      tasks.push({ Name: `${s.Spec.Name}.${t.Slot ?? t.NodeID}.${t.ID}`, EndpointID: '', EndpointIP: hostOf(addr), Info: { 'Host IP': nodeAddr(t.NodeID) } });
    }
    if (!vip && tasks.length === 0) continue;
    services[s.Spec.Name ?? s.ID] = { VIP: vip?.Addr ? hostOf(vip.Addr) : '', Ports: [], LocalLBIndex: 0, Tasks: tasks };
  }
  for (const a of tx.table('netattachments').by('network', n.ID)) {
    peers.set(a.NodeID, { Name: tx.nodes.get(a.NodeID)?.Description.Hostname ?? a.NodeID, IP: nodeAddr(a.NodeID) });
  }
  return { Peers: [...peers.values()], Services: services };
}

/** A task's address on a network (CIDR), from its NetworksAttachments. */
export function addressOn(t: Task, networkId: string): string | undefined {
  for (const a of (t.NetworksAttachments ?? []) as { Network?: { ID?: string }; Addresses?: string[] }[]) {
    if (a.Network?.ID === networkId) return a.Addresses?.[0];
  }
  return undefined;
}

/**
 * A service's network targets resolved as Docker's daemon does before
 * swarmkit sees them: TaskTemplate.Networks by name or ID become IDs (a
 * missing one is "network X not found"); the old service-level Networks stay
 * as given. The ingress network cannot be named; the engine's local networks
 * are not supported for services.
 */
export function resolveServiceNetworks(tx: ReadTx, spec: ServiceSpec): ServiceSpec {
  const all = tx.table('networks').all();
  const resolve = (target: string): Network => {
    if (LOCAL_NETWORKS.has(target) && !all.some((n) => n.Spec.Name === target)) {
      throw notImplemented(`attaching a service to the node-local network ${target}: not supported by tswarm yet`);
    }
    const n = all.find((x) => x.ID === target) ?? all.find((x) => x.Spec.Name === target) ?? uniquePrefix(all, target);
    if (!n) throw new ApiError(500, `network ${target} not found`);
    if (n.Spec.Ingress) throw rpcError('InvalidArgument', `Service cannot be explicitly attached to the ingress network "${n.Spec.Name}"`);
    return n;
  };
  const tt = spec.TaskTemplate?.Networks;
  for (const a of spec.Networks ?? []) resolve(a.Target);
  if (!tt?.length) return spec;
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, Networks: tt.map((a) => ({ ...a, Target: resolve(a.Target).ID })) } };
}

function uniquePrefix(all: Network[], ref: string): Network | undefined {
  const m = all.filter((n) => n.ID.startsWith(ref));
  return m.length === 1 ? m[0] : undefined;
}
