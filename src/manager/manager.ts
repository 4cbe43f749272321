import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { logger } from '../log.js';
import { RaftNode, type Member } from '../raft/node/raft-node.js';
import { FileRaftStorage } from '../raft/storage/file-storage.js';
import { PeerTransport } from '../raft/transport/peer-transport.js';
import type { ClusterCredentials } from '../raft/transport/rpc.js';
import type { RecordCodec } from '../raft/storage/records.js';
import type { CAKeyPair } from './ca/root-ca.js';
import { NodeCA } from './ca/node-ca.js';
import type { ManagerView } from './ca/cluster-auth.js';
import { isRemovedNode } from './ca/removed-nodes.js';
import { nodeTlsInfo } from './ca/tls-info.js';
import { RootRotationFinisher } from './ca/root-rotation.js';
import type { Message, RaftId } from '../raft/types.js';
import { MemoryStore } from '../store/store.js';
import type { StoreSnapshot } from '../store/tables.js';
import type { Cluster, Node, NodeDescription, SwarmSpec } from '../types/objects.js';
import { Allocator } from './allocator/allocator.js';
import { createIngressNetwork } from './allocator/ingress-network.js';
import { NetworkAttacher } from './allocator/attachments.js';
import { defaultSwarmSpec, newCluster } from './cluster.js';
import type { ComponentDeps, LeaderComponent } from './component.js';
import { Control } from './controlapi/control.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { SwarmEvents } from './events/swarm-events.js';
import { LogBroker } from './logbroker/broker.js';
import { leaderComponents } from './leader-components.js';
import { RaftChangeLog, StoreStateMachine } from './raft-store.js';
import { RoleManager, canRemoveMember, memberOf } from './role-manager.js';
import { newManagerNode } from './nodes.js';
export { newManagerNode, newWorkerNode } from './nodes.js';

const log = logger('manager');

/** Raft timing: a 100 ms tick, so the cluster spec's ticks (10 and 1) give a 1–2 s election timeout. */
export const RAFT_TICK_MS = 100;

export interface BootstrapOptions {
  nodeId: string;
  description: NodeDescription;
  /** Address other nodes reach this manager at ("ip:port"). */
  addr: string;
  spec?: SwarmSpec;
  defaultAddrPool?: string[];
  subnetSize?: number;
  dataPathPort?: number;
  availability?: 'active' | 'pause' | 'drain';
  rootCA: CAKeyPair;
  clusterId: string;
}

export interface RaftSetup {
  /** Mutual TLS for the Raft transport. */
  credentials: ClusterCredentials;
  /** Encrypts the Raft log and snapshots at rest. */
  codec: RecordCodec;
  raftId: RaftId;
  nodeId: string;
  addr: string;
  /** A new cluster whose only member is this manager. */
  found: boolean;
  /** Members a joining manager was told about, to answer the leader before its log says who they are. */
  members?: [RaftId, Member][];
}

/**
 * One manager: its store (kept by Raft in dataDir), the control API, and
 * the leader-only components, which run exactly while this manager leads.
 */
export class Manager {
  readonly store: MemoryStore;
  readonly control: Control;
  readonly dispatcher: Dispatcher;
  readonly ca: NodeCA;
  /** The swarm's events as this manager applies them (GET /events). */
  readonly events: SwarmEvents;
  /** Service and task logs from every node (leader-only). */
  readonly logBroker: LogBroker;
  raft?: RaftNode;
  private transport?: PeerTransport;
  private components: LeaderComponent[];
  private leading = false;
  private transitions: Promise<unknown> = Promise.resolve();
  /** When each peer's last Raft message arrived: what "reachable" means. */
  private lastHeard = new Map<RaftId, number>();
  private unwatchSettings?: () => void;
  private changeLog: RaftChangeLog;

  constructor(private dataDir: string, private clock: Clock, random?: () => number) {
    this.store = new MemoryStore(clock);
    this.changeLog = new RaftChangeLog(() => this.raft);
    this.store.log = this.changeLog;
    this.control = new Control(this.store, {
      clock, managerStatus: (n) => this.managerStatus(n),
      canRemoveManager: (nodeId) => !this.raft || canRemoveMember(this.raft, this.reachableMembers(), nodeId),
    });
    const deps: ComponentDeps = { store: this.store, clock, random };
    const allocator = new Allocator(deps);
    this.dispatcher = new Dispatcher(this.store, clock, new NetworkAttacher(this.store, allocator));
    this.ca = new NodeCA(this.store, clock);
    this.events = new SwarmEvents(this.store, clock);
    this.components = [this.dispatcher, new RoleManager(this.store, () => this.raft, () => this.reachableMembers()), new RootRotationFinisher(this.store), allocator, ...leaderComponents(deps)];
    this.logBroker = new LogBroker(this.store);
    this.components.push(this.logBroker);
  }

  /** Starts this manager's Raft member from what its data directory holds. */
  async open(s: RaftSetup): Promise<void> {
    this.transport = new PeerTransport(s.credentials, (id) => this.raft?.reportUnreachable(id));
    // The store fills from Raft only after this start: the swarm defaults first, the cluster's own settings once applied.
    const raft = defaultSwarmSpec().Raft!;
    this.raft = await RaftNode.start({
      id: s.raftId,
      storage: new FileRaftStorage(join(this.dataDir, 'raft'), { codec: s.codec }),
      sm: new StoreStateMachine(this.store, this.changeLog),
      send: (msgs) => this.transport?.send(msgs),
      tickMs: RAFT_TICK_MS,
      electionTick: raft.ElectionTick!,
      heartbeatTick: raft.HeartbeatTick!,
      snapshotEvery: raft.SnapshotInterval!,
      keepEntries: raft.LogEntriesForSlowFollowers!,
      onMembers: (members) => this.setPeers(s.raftId, members),
      onLeadership: (leading) => this.setLeading(leading),
    }, s.found ? [{ id: s.raftId, addr: s.addr, nodeId: s.nodeId }] : undefined, s.members);
    // The cluster spec's Raft settings (swarm update --snapshot-interval, ticks, --max-snapshots) follow it.
    this.applyRaftSettings();
    this.events.start();
    this.unwatchSettings = this.store.watch(() => this.applyRaftSettings(), { tables: ['cluster'], onResync: () => this.applyRaftSettings() });
  }

  private applyRaftSettings() {
    const r = this.store.view((tx) => tx.cluster()?.Spec.Raft);
    if (!r || !this.raft) return;
    try {
      this.raft.updateSettings({
        electionTick: r.ElectionTick || undefined, heartbeatTick: r.HeartbeatTick || undefined,
        snapshotEvery: r.SnapshotInterval || undefined, keepEntries: r.LogEntriesForSlowFollowers || undefined,
        keepOldSnapshots: r.KeepOldSnapshots,
      });
    } catch (err) {
      log.warn({ err: String(err) }, 'raft settings from the cluster spec refused');
    }
  }

  /** The autolock key, '' while autolock is off. */
  unlockKey(): string {
    return this.store.view((tx) => tx.cluster()?.UnlockKey) ?? '';
  }

  /** Calls fn after each change to the cluster object (and on a resync); returns the way to stop. */
  onClusterChange(fn: () => void): () => void {
    return this.store.watch(fn, { tables: ['cluster'], onResync: fn });
  }

  /** Cluster addresses of the manager nodes the store knows. */
  managerAddrs(): string[] {
    return this.store.view((tx) => tx.nodes.all())
      .filter((n) => n.Spec.Role === 'manager' && n.ManagerStatus?.Addr).map((n) => n.ManagerStatus!.Addr);
  }

  /** Whether the store knows the node (a removed node is deleted from it). */
  hasNode(nodeId: string): boolean {
    return !!this.store.view((tx) => tx.nodes.get(nodeId));
  }

  /** What `docker info` shows of the swarm: the cluster object, the managers and the node count. */
  swarmSummary(): { cluster?: Cluster; managers: { NodeID: string; Addr: string }[]; nodes: number } {
    const { cluster, nodes } = this.store.view((tx) => ({ cluster: tx.cluster(), nodes: tx.nodes.all() }));
    const managers = nodes.filter((n) => n.Spec.Role === 'manager').map((n) => ({ NodeID: n.ID, Addr: n.ManagerStatus?.Addr ?? '' }));
    return { cluster, managers, nodes: nodes.length };
  }

  /** What the cluster port's authorization reads from this manager; undefined before its Raft runs. */
  authView(): ManagerView | undefined {
    const raft = this.raft;
    if (!raft) return undefined;
    return {
      removed: (nodeId) => this.store.view((tx) => isRemovedNode(tx.cluster(), nodeId)),
      role: (nodeId) => this.store.view((tx) => tx.nodes.get(nodeId)?.Spec.Role),
      raftMember: (nodeId) => [...raft.members.values()].some((x) => x.nodeId === nodeId),
      nodeOfRaftMember: (raftId) => raft.members.get(raftId)?.nodeId,
    };
  }

  isLeader(): boolean { return !!this.raft?.isLeader; }

  /** Raft runs here and another member leads (or none does yet). */
  isFollower(): boolean { return !!this.raft && !this.raft.isLeader; }

  /** No other voting member: a read needs no round to the others. True before Raft runs. */
  soleVoter(): boolean {
    const r = this.raft;
    return !r || r.core.voters.size <= 1;
  }

  /** Waits until this manager has applied what the leader had committed when asked. */
  async readBarrier(timeoutMs: number): Promise<void> {
    await this.raft?.readBarrier(timeoutMs);
  }

  /** On restart, gives a sole manager a moment to lead again before the API answers writes. */
  async settleAlone(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end && this.raft && !this.raft.isLeaderReady && this.soleVoter()) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The store's content, as `swarm init --force-new-cluster` carries it into a new Raft. */
  snapshot(): StoreSnapshot {
    return this.store.snapshot();
  }

  /** A Raft message from a peer's stream. */
  step(m: Message): void {
    this.lastHeard.set(m.from, this.clock.now());
    this.raft?.step(m);
  }

  /** Members this manager heard from within an election timeout (itself included), as the cluster spec sets it. */
  reachableMembers(): Set<RaftId> {
    const out = new Set<RaftId>();
    const r = this.raft;
    if (!r) return out;
    const window = r.settings.electionTick * RAFT_TICK_MS;
    const now = this.clock.now();
    for (const id of r.members.keys()) {
      const heard = this.lastHeard.get(id);
      if (id === r.core.id || (heard !== undefined && now - heard <= window)) out.add(id);
    }
    return out;
  }

  private setPeers(self: RaftId, members: Map<RaftId, Member>) {
    if (!this.transport) return;
    for (const [id, m] of members) if (id !== self) this.transport.setPeer(id, m.addr);
    // Removed members stop receiving; the transport forgets them.
    for (const id of this.transport.peerIds()) {
      if (!members.has(id)) this.transport.removePeer(id);
    }
  }

  /** The leader's member, for forwarding writes and joins. */
  leaderMember(): Member | undefined {
    const r = this.raft;
    return r && r.leader ? r.members.get(r.leader) : undefined;
  }

  private managerStatus(n: Node): Node['ManagerStatus'] {
    const r = this.raft;
    if (!r) return n.ManagerStatus;
    const leaderNode = this.leaderMember()?.nodeId;
    let reach = n.ManagerStatus?.Reachability ?? 'reachable';
    if (r.isLeader) {
      const id = memberOf(r, n.ID);
      // Not a member at all (an old manager after --force-new-cluster): unreachable.
      reach = id && this.reachableMembers().has(id) ? 'reachable' : 'unreachable';
    } else if (n.ID === leaderNode) {
      reach = 'reachable';
    }
    return { ...n.ManagerStatus, Addr: n.ManagerStatus?.Addr ?? '', Leader: n.ID === leaderNode, Reachability: reach };
  }

  /** Leader components start once this leader has applied all earlier terms, and stop the moment it loses them. */
  private setLeading(leading: boolean) {
    this.transitions = this.transitions.then(() => (leading ? this.startLeading() : this.stopLeading()));
  }

  /** `swarm init`: the cluster object and this node, as the first manager. */
  async bootstrap(o: BootstrapOptions): Promise<Cluster> {
    await this.raft!.waitLeaderReady(15_000);
    const cluster = newCluster({
      clock: this.clock, rootCA: o.rootCA, clusterId: o.clusterId, spec: o.spec, defaultAddrPool: o.defaultAddrPool,
      subnetSize: o.subnetSize, dataPathPort: o.dataPathPort,
    });
    await this.store.update((tx) => {
      tx.create('cluster', cluster);
      const tls = nodeTlsInfo(o.rootCA.certPem, [o.rootCA.certPem]);
      tx.create('nodes', newManagerNode(o.nodeId, o.addr, { ...o.description, TLSInfo: tls }, o.availability));
      createIngressNetwork(tx);
    });
    return this.store.view((tx) => tx.cluster()!);
  }

  /**
   * `swarm init --force-new-cluster`: this manager, now the only member of a
   * new Raft, takes back what the old one had applied (same object IDs).
   */
  async adopt(snap: StoreSnapshot, self: { nodeId: string; addr: string }): Promise<void> {
    await this.raft!.waitLeaderReady(15_000);
    await this.store.update((tx) => {
      for (const table of ['cluster', 'nodes', 'services', 'tasks', 'networks', 'netattachments'] as const) {
        for (const o of snap.tables[table] ?? []) tx.create(table, structuredClone(o) as never);
      }
    });
    // This node leads the new Raft alone.
    await this.store.update((tx) => {
      const node = tx.nodes.get(self.nodeId);
      if (node) tx.update('nodes', { ...structuredClone(node), ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: self.addr } });
    });
  }

  startLeading(): void {
    if (this.leading) return;
    this.leading = true;
    for (const c of this.components) c.start();
    log.info('this manager leads: leader components started');
  }

  async stopLeading(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    for (const c of [...this.components].reverse()) {
      await c.stop().catch((err) => log.warn({ component: c.name, err: String(err) }, 'stop failed'));
    }
    log.info('leadership lost: leader components stopped');
  }

  async close(): Promise<void> {
    this.unwatchSettings?.();
    this.events.stop();
    await this.stopLeading();
    this.transport?.close();
    await this.raft?.stop();
    this.raft = undefined;
  }
}
