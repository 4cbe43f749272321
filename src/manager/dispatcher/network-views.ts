import type { ReadTx } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import type { AssignmentChange } from '../../types/dispatcher.js';
import type { Network, NetworkAttachmentRecord } from '../../types/network.js';
import { DEFAULT_DATA_PATH_PORT, type NetworkContainerView, type NetworkServiceView, type NetworkTaskView, type NetworkView } from '../../types/network-view.js';
import { taskStateRank, type Cluster, type Node, type Service, type Task } from '../../types/objects.js';
import { serviceNetworkTargets } from '../controlapi/networks.js';
import { MTU_OPTION } from '../controlapi/network-spec.js';
import { hostOf } from '../allocator/ipv4.js';
import { subnetOf, vniOf } from '../allocator/network-state.js';
import { ingressAddr, isSboxMember, meshInfo, type MeshInfo } from './ingress-view.js';
import { isEncrypted } from '../network-keys/key-manager.js';
import { randomInt } from 'node:crypto';
import { diffViews, deltaEntries } from './view-delta.js';

/** One holder of an address on a network: a task or a plain container, on a node. */
interface Member { nodeId: string; addr: string; serviceId?: string; running: boolean; name: string; container?: { id: string; aliases: string[] } }

interface NetState {
  net: Network;
  members: Map<string, Member>;
  /** Members per node: the nodes that need the network. */
  byNode: Map<string, Set<string>>;
  view?: NetworkView;
}

interface ServiceInfo {
  name: string; mode: 'vip' | 'dnsrr'; vips: Map<string, string>; aliases: Map<string, string[]>; targets: string[]; mesh: MeshInfo;
  /** All of the above in one string: a service update that changes none of it (image, replicas, update status…) changes no view. */
  key: string;
}

/** What a view says of a network itself: an update of the network that changes none of it changes no view. */
const networkKey = (n: Network) => { const s = subnetOf(n); return JSON.stringify([n.Spec.Name, vniOf(n), s?.subnet, s?.gateway, !!n.Spec.Ingress, !!n.Spec.Attachable, isEncrypted(n), mtuOption(n)]); };
/** The network's MTU option as given (the node parses it: network-view.ts). */
const mtuOption = (n: Network): string | undefined => n.Spec.DriverConfiguration?.Options?.[MTU_OPTION];

const ASSIGNED = taskStateRank('assigned');
const RUNNING = taskStateRank('running');

/** A task on a node needs its networks from assignment until its container is gone. */
const onNode = (t: Task) => !!t.NodeID && taskStateRank(t.Status.State) >= ASSIGNED && taskStateRank(t.Status.State) <= RUNNING;

/** How long changes of a view are collected before the nodes that have it get the new one (well within a heartbeat). */
export const VIEW_WINDOW_MS = 100;

/**
 * The NetworkView of every network, kept from store events (no rescan of the
 * tasks per node): which nodes need which network (they hold a task or
 * container with an address on it), and the view of a network, rebuilt only
 * when sent. `apply` answers what each node must be told at once: the view of
 * a network it newly needs (before its task starts) and the removal of one it
 * no longer needs. Changes to a view the nodes already have are collected and
 * sent by `flush` (the dispatcher calls it VIEW_WINDOW_MS after the first):
 * under churn a node gets a view of a busy network a few times a second, not
 * once per store commit, which bounds what remote nodes receive; and it gets
 * what changed since the version it holds (view-delta.ts), not the whole
 * view again. Whole views go in complete sets (a new stream: reconnect, new
 * leader), to a node newly needing the network, and when smaller.
 */
export class NetworkViews {
  private nets = new Map<string, NetState>();
  private nodeNets = new Map<string, Set<string>>();
  /** For each tracked member (task or container), the networks it is on. */
  private memberNets = new Map<string, string[]>();
  private services = new Map<string, ServiceInfo>();
  private nodeAddr = new Map<string, string>();
  /** The cluster's data path port (VXLAN's UDP port), set at init. */
  private dataPathPort = DEFAULT_DATA_PATH_PORT;
  /** Networks whose view changed since the last flush. */
  private pending = new Set<string>();
  /**
   * The view object each node was last given of each network: a flush skips
   * nodes that have the current one and sends the others what changed since
   * theirs (a delta), or the whole view when that is smaller.
   */
  private sent = new Map<string, Map<string, NetworkView>>();
  /**
   * The version the next view built gets: one counter for every network,
   * starting anywhere, so a delta from this dispatcher never matches a view
   * an agent kept from another (a former leader's).
   */
  private nextVersion = randomInt(1, 2 ** 47);

  load(tx: ReadTx): void {
    this.nets.clear(); this.nodeNets.clear(); this.memberNets.clear(); this.services.clear(); this.nodeAddr.clear();
    this.dataPathPort = tx.cluster()?.DataPathPort || DEFAULT_DATA_PATH_PORT;
    for (const n of tx.table('networks').all()) this.nets.set(n.ID, { net: n, members: new Map(), byNode: new Map() });
    for (const n of tx.nodes.all()) this.setNode(n);
    for (const s of tx.services.all()) this.setService(s);
    const touched = { dirty: new Set<string>(), nodes: new Map<string, Set<string>>() };
    for (const t of tx.tasks.all()) if (t.NetworksAttachments?.length) this.setTask(t, touched);
    for (const a of tx.table('netattachments').all()) this.setContainer(a, touched);
  }

  /** The networks a node needs, as assignment changes (a complete set on (re)connect). */
  complete(nodeId: string): AssignmentChange[] {
    this.sent.delete(nodeId);
    return [...this.nodeNets.get(nodeId) ?? []].map((id) => ({ action: 'update', network: this.sentTo(nodeId, id) }));
  }

  private sentTo(nodeId: string, netId: string): NetworkView {
    const v = this.view(netId);
    let m = this.sent.get(nodeId);
    if (!m) this.sent.set(nodeId, (m = new Map()));
    m.set(netId, v);
    return v;
  }

  /** What each node must be told after these events: views first, removals last. */
  apply(events: StoreEvent[]): Map<string, { updates: AssignmentChange[]; removes: AssignmentChange[] }> {
    const touched = { dirty: new Set<string>(), nodes: new Map<string, Set<string>>() };
    for (const e of events) {
      switch (e.table) {
        case 'tasks': {
          const t = e.object as Task;
          if (e.action === 'remove') this.dropMember(t.ID, touched);
          else if (t.NetworksAttachments?.length || this.memberNets.has(t.ID)) this.setTask(t, touched);
          break;
        }
        case 'netattachments':
          if (e.action === 'remove') this.dropMember(e.object.ID, touched);
          else this.setContainer(e.object as NetworkAttachmentRecord, touched);
          break;
        case 'services': {
          const before = this.serviceNets(e.object.ID);
          const key = this.services.get(e.object.ID)?.key;
          if (e.action === 'remove') this.services.delete(e.object.ID); else this.setService(e.object as Service);
          if (key === this.services.get(e.object.ID)?.key) break;
          for (const id of [...before, ...this.serviceNets(e.object.ID)]) touched.dirty.add(id);
          break;
        }
        case 'networks': {
          const n = e.object as Network;
          const st = this.nets.get(n.ID);
          if (e.action === 'remove') {
            if (st) for (const nodeId of st.byNode.keys()) { this.snapshot(nodeId, touched); this.nodeNets.get(nodeId)?.delete(n.ID); }
            this.nets.delete(n.ID);
          } else if (st) {
            if (networkKey(st.net) !== networkKey(n)) touched.dirty.add(n.ID);
            st.net = n;
          } else this.nets.set(n.ID, { net: n, members: new Map(), byNode: new Map() });
          break;
        }
        case 'nodes': {
          const n = e.object as Node;
          const before = this.nodeAddr.get(n.ID);
          if (e.action === 'remove') this.nodeAddr.delete(n.ID); else this.setNode(n);
          if (before !== this.nodeAddr.get(n.ID)) for (const id of this.nodeNets.get(n.ID) ?? []) touched.dirty.add(id);
          break;
        }
        case 'cluster': {
          const port = (e.object as Cluster).DataPathPort || DEFAULT_DATA_PATH_PORT;
          if (e.action === 'remove' || port === this.dataPathPort) break;
          this.dataPathPort = port;
          for (const id of this.nets.keys()) touched.dirty.add(id);
          break;
        }
        default:
      }
    }
    const out = new Map<string, { updates: AssignmentChange[]; removes: AssignmentChange[] }>();
    const entry = (nodeId: string) => { let x = out.get(nodeId); if (!x) out.set(nodeId, (x = { updates: [], removes: [] })); return x; };
    for (const id of touched.dirty) {
      const st = this.nets.get(id);
      if (!st) continue;
      st.view = undefined;
      if (st.byNode.size > 0) this.pending.add(id);
    }
    for (const [nodeId, before] of touched.nodes) {
      const now = this.nodeNets.get(nodeId) ?? new Set<string>();
      for (const id of now) if (!before.has(id)) entry(nodeId).updates.push({ action: 'update', network: this.sentTo(nodeId, id) });
      for (const id of before) {
        if (now.has(id)) continue;
        entry(nodeId).removes.push({ action: 'remove', networkId: id });
        this.sent.get(nodeId)?.delete(id);
      }
    }
    return out;
  }

  /** Whether views changed that the nodes having them were not sent yet. */
  hasPending(): boolean { return this.pending.size > 0; }

  /**
   * The changed views, one message's worth per node that has the network:
   * what changed since the view the node holds (computed once per distinct
   * version held), or the whole view when that is the smaller message.
   */
  flush(): Map<string, AssignmentChange[]> {
    const out = new Map<string, AssignmentChange[]>();
    for (const id of this.pending) {
      const st = this.nets.get(id);
      if (!st || st.byNode.size === 0) continue;
      const view = this.view(id);
      const deltas = new Map<NetworkView, AssignmentChange | null>();
      for (const nodeId of st.byNode.keys()) {
        const held = this.sent.get(nodeId)?.get(id);
        if (!this.nodeNets.get(nodeId)?.has(id) || held === view) continue;
        let change: AssignmentChange | null = { action: 'update', network: view };
        if (held) {
          if (!deltas.has(held)) {
            const d = diffViews(held, view);
            deltas.set(held, d ? (deltaEntries(d) ? { action: 'update', networkDelta: d } : null) : change);
          }
          change = deltas.get(held)!;
        }
        // The same content again (changed and changed back within the window): nothing to send; the node keeps its version.
        if (!change) continue;
        this.sentTo(nodeId, id);
        const a = out.get(nodeId);
        if (a) a.push(change); else out.set(nodeId, [change]);
      }
    }
    this.pending.clear();
    return out;
  }

  /** Whether a node carries a task or container on an encrypted network (it needs the keys). */
  needsKeys(nodeId: string): boolean {
    for (const id of this.nodeNets.get(nodeId) ?? []) { const st = this.nets.get(id); if (st && isEncrypted(st.net)) return true; }
    return false;
  }

  /** The nodes on any encrypted network. */
  nodesNeedingKeys(): Set<string> {
    const out = new Set<string>();
    for (const st of this.nets.values()) if (isEncrypted(st.net)) for (const nodeId of st.byNode.keys()) if (this.nodeNets.get(nodeId)?.has(st.net.ID)) out.add(nodeId);
    return out;
  }

  /** The nodes that are sent a network's view (for tests and metrics). */
  nodesOf(networkId: string): string[] { return [...this.nets.get(networkId)?.byNode.keys() ?? []].filter((n) => this.nodeNets.get(n)?.has(networkId)); }

  private setNode(n: Node) {
    this.nodeAddr.set(n.ID, (n.Status.Addr ?? '').replace(/:\d+$/, ''));
  }

  private setService(s: Service) {
    const vips = new Map<string, string>();
    for (const v of s.Endpoint?.VirtualIPs ?? []) if (v.Addr) vips.set(v.NetworkID, hostOf(v.Addr));
    const aliases = new Map<string, string[]>();
    const targets: string[] = [];
    for (const a of serviceNetworkTargets(s.Spec)) {
      const id = this.nets.get(a.Target)?.net.ID ?? [...this.nets.values()].find((x) => x.net.Spec.Name === a.Target)?.net.ID;
      if (!id) continue;
      targets.push(id);
      if (a.Aliases?.length) aliases.set(id, a.Aliases);
    }
    for (const id of vips.keys()) if (!targets.includes(id)) targets.push(id);
    const info = { name: s.Spec.Name ?? s.ID, mode: s.Spec.EndpointSpec?.Mode === 'dnsrr' ? 'dnsrr' as const : 'vip' as const, vips, aliases, targets, mesh: meshInfo(s) };
    const key = JSON.stringify([info.name, info.mode, [...vips], [...aliases], targets, info.mesh]);
    this.services.set(s.ID, { ...info, key });
  }

  private serviceNets(serviceId: string): string[] { return this.services.get(serviceId)?.targets ?? []; }

  private setTask(t: Task, touched: Touched) {
    if (!onNode(t)) { this.dropMember(t.ID, touched); return; }
    const name = `${t.ServiceAnnotations?.Name ?? this.services.get(t.ServiceID)?.name ?? t.ServiceID}.${t.Slot ?? t.NodeID}.${t.ID}`;
    const entries: [string, Member][] = [];
    for (const a of (t.NetworksAttachments ?? []) as { Network?: { ID?: string }; Addresses?: string[] }[]) {
      const addr = a.Addresses?.[0];
      if (a.Network?.ID && addr) entries.push([a.Network.ID, { nodeId: t.NodeID!, addr: hostOf(addr), serviceId: t.ServiceID, running: t.Status.State === 'running', name }]);
    }
    this.setMember(t.ID, entries, touched);
  }

  private setContainer(a: NetworkAttachmentRecord, touched: Touched) {
    const addr = a.Addresses[0];
    const container = { id: a.ContainerID, aliases: a.Aliases ?? [] };
    this.setMember(a.ID, addr ? [[a.NetworkID, { nodeId: a.NodeID, addr: hostOf(addr), running: false, name: a.ContainerName ?? '', container }]] : [], touched);
  }

  private setMember(id: string, entries: [string, Member][], touched: Touched) {
    const prev = this.memberNets.get(id) ?? [];
    const next = new Set(entries.map(([n]) => n));
    for (const netId of prev) if (!next.has(netId)) this.leave(id, netId, touched);
    for (const [netId, m] of entries) {
      const st = this.nets.get(netId);
      if (!st) continue;
      const old = st.members.get(id);
      if (old && old.nodeId === m.nodeId && old.addr === m.addr && old.running === m.running) continue;
      if (old && old.nodeId !== m.nodeId) this.leave(id, netId, touched);
      st.members.set(id, m);
      let ids = st.byNode.get(m.nodeId);
      if (!ids) st.byNode.set(m.nodeId, (ids = new Set()));
      ids.add(id);
      this.syncNeed(st, m.nodeId, touched);
      touched.dirty.add(netId);
    }
    const kept = entries.map(([n]) => n).filter((n) => this.nets.has(n));
    if (kept.length) this.memberNets.set(id, kept); else this.memberNets.delete(id);
  }

  private dropMember(id: string, touched: Touched) {
    for (const netId of this.memberNets.get(id) ?? []) this.leave(id, netId, touched);
    this.memberNets.delete(id);
  }

  private leave(id: string, netId: string, touched: Touched) {
    const st = this.nets.get(netId);
    const m = st?.members.get(id);
    if (!st || !m) return;
    st.members.delete(id);
    touched.dirty.add(netId);
    const ids = st.byNode.get(m.nodeId);
    ids?.delete(id);
    if (ids && ids.size === 0) st.byNode.delete(m.nodeId);
    this.syncNeed(st, m.nodeId, touched);
  }

  /**
   * Whether a node is sent a network's view: it holds a task or container on
   * it. The ingress network's only where the node runs the kernel routing
   * mesh (it holds an ingress-sbox address): a task publishing ports on a
   * process or simulated host makes that host a peer (others reach its
   * address) but that host has no use for the view.
   */
  private needs(st: NetState, nodeId: string): boolean {
    const ids = st.byNode.get(nodeId);
    if (!ids?.size) return false;
    if (!st.net.Spec.Ingress) return true;
    for (const id of ids) if (isSboxMember(st.members.get(id)!)) return true;
    return false;
  }

  /** Adds or drops the network among the node's own after a change of its members there. */
  private syncNeed(st: NetState, nodeId: string, touched: Touched) {
    const want = this.needs(st, nodeId);
    let nets = this.nodeNets.get(nodeId);
    if (want === !!nets?.has(st.net.ID)) return;
    this.snapshot(nodeId, touched);
    if (!nets) this.nodeNets.set(nodeId, (nets = new Set()));
    if (want) nets.add(st.net.ID); else nets.delete(st.net.ID);
  }

  /** Remembers a node's networks before this batch changed them (the first time it is touched). */
  private snapshot(nodeId: string, touched: Touched) {
    if (!touched.nodes.has(nodeId)) touched.nodes.set(nodeId, new Set(this.nodeNets.get(nodeId) ?? []));
  }

  private view(netId: string): NetworkView {
    const st = this.nets.get(netId)!;
    if (st.view) return st.view;
    const n = st.net;
    const s = subnetOf(n);
    const peers = [...st.byNode].map(([nodeId, ids]) => ({
      NodeID: nodeId, Addr: this.nodeAddr.get(nodeId) ?? '', Addresses: [...ids].map((id) => st.members.get(id)!.addr),
      ...(n.Spec.Ingress ? ingressAddr([...ids].map((id) => st.members.get(id)!)) : {}),
    }));
    const tasksBySvc = new Map<string, NetworkTaskView[]>();
    const containers: NetworkContainerView[] = [];
    for (const [id, m] of st.members) {
      // A host's ingress endpoint is no container a name could resolve to.
      if (m.container && !isSboxMember(m)) containers.push({ ContainerID: m.container.id, Name: m.name, Aliases: m.container.aliases, NodeID: m.nodeId, Addr: m.addr });
      if (!m.serviceId || !m.running) continue;
      let a = tasksBySvc.get(m.serviceId);
      if (!a) tasksBySvc.set(m.serviceId, (a = []));
      // What the agent reads: the name for DNS (none resolves on ingress) and the address.
      a.push(n.Spec.Ingress ? { Addr: m.addr } : { Name: m.name, Addr: m.addr });
    }
    const services: NetworkServiceView[] = [];
    for (const [sid, info] of this.services) {
      if (!info.targets.includes(netId)) continue;
      const vip = info.mode === 'vip' ? info.vips.get(netId) : undefined;
      services.push({
        ServiceID: sid, Name: info.name, EndpointMode: info.mode, ...(vip ? { VIP: vip } : {}),
        Aliases: info.aliases.get(netId) ?? [], Tasks: tasksBySvc.get(sid) ?? [],
        ...(n.Spec.Ingress ? info.mesh : {}),
      });
    }
    st.view = {
      NetworkID: n.ID, Name: n.Spec.Name, VNI: vniOf(n) ?? 0, Subnet: s?.subnet ?? '', Gateway: s?.gateway ?? '',
      Ingress: !!n.Spec.Ingress, Attachable: !!n.Spec.Attachable, Encrypted: isEncrypted(n), ...(mtuOption(n) !== undefined ? { MTU: mtuOption(n) } : {}),
      ...(this.dataPathPort !== DEFAULT_DATA_PATH_PORT ? { DataPathPort: this.dataPathPort } : {}),
      Peers: peers, Services: services, ...(containers.length ? { Containers: containers } : {}), Version: this.nextVersion++,
    };
    return st.view;
  }
}

interface Touched { dirty: Set<string>; nodes: Map<string, Set<string>> }
