import type * as grpc from '@grpc/grpc-js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { DaemonBackend, SwarmInfo, SwarmInitRequest, SwarmJoinRequest, TaskLogLine } from '../api/backend.js';
import { Agent } from '../agent/agent.js';
import { RemoteDispatcher } from '../agent/remote-dispatcher.js';
import type { Clock } from '../clock.js';
import type { Executor, LogOptions } from '../executor/executor.js';
import { newId } from '../ids.js';
import { logger } from '../log.js';
import type { ControlAPI } from '../manager/controlapi/api.js';
import { Manager, newManagerNode, newWorkerNode } from '../manager/manager.js';
import { dispatcherServiceDefinition, dispatcherServiceHandlers } from '../manager/dispatcher/dispatcher-service.js';
import { insecureCredentials } from '../raft/transport/rpc.js';
import { NO_LEADER, noLeader } from '../manager/controlapi/rpc-errors.js';
import { HTTP, JOIN, clusterCall, replayHttp, startClusterServer, type ExtraService, type HttpRequest, type HttpResponse, type JoinRequest, type JoinResponse } from './cluster-server.js';
import { IngressController } from '../network/ingress.js';
import type { Message } from '../raft/types.js';
import { PortProxy } from '../network/proxy.js';
import { ApiError, NOT_A_SWARM_MANAGER, WORKER_NOT_MANAGER, unavailable } from '../types/errors.js';
import type { NodeDescription, Task } from '../types/objects.js';
import { resolveAddr } from './addr.js';
import { mergeAsync } from './merge.js';
import type { DaemonOptions } from './options.js';
import { startSimNodes } from './sim-nodes.js';
import { SwarmStateFile, type SwarmState } from './swarm-state.js';

const log = logger('daemon');

export const ALREADY_IN_SWARM =
  'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.';
export const NOT_IN_SWARM = 'This node is not part of a swarm';
export const INVALID_JOIN_TOKEN = 'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster';
export const LEAVE_AS_MANAGER =
  'You are attempting to leave the swarm on a node that is participating as a manager. Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message.';

/**
 * One tswarm node: the swarm membership of this host, its manager (when it
 * is one), its agent, and the ingress proxy. The Engine API server calls it.
 */
export class Daemon implements DaemonBackend {
  private state?: SwarmState;
  private manager?: Manager;
  private agent?: Agent;
  private remote?: RemoteDispatcher;
  private roleChange?: Promise<unknown>;
  private simAgents: Agent[] = [];
  private ingress?: IngressController;
  private clusterServer?: grpc.Server;
  private stateFile: SwarmStateFile;
  /** Serializes init/leave/start/stop so they never interleave. */
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(
    private opts: DaemonOptions,
    private executor: Executor,
    private clock: Clock,
    private engine?: string,
  ) {
    this.stateFile = new SwarmStateFile(join(opts.dataRoot, 'swarm'));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(fn);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  /** Resumes the swarm this node was part of before it stopped. */
  start(): Promise<void> {
    return this.serial(async () => {
      const state = await this.stateFile.load();
      if (state) await this.activate(state, undefined);
    });
  }

  stop(): Promise<void> {
    return this.serial(() => this.deactivate({ shutdownTasks: false }));
  }

  hostname(): string {
    return this.opts.hostname ?? osHostname();
  }

  executorName(): string {
    return this.executor.name;
  }

  engineSocket(): string | undefined {
    return this.engine;
  }

  unlockKey(): string {
    return '';
  }

  swarmInfo(): SwarmInfo {
    const st = this.state;
    if (!st) {
      return { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null };
    }
    if (!this.manager) {
      return {
        NodeID: st.nodeId, NodeAddr: st.advertiseAddr.split(':')[0], LocalNodeState: 'active', ControlAvailable: false,
        Error: '', RemoteManagers: (st.managers ?? []).map((Addr) => ({ NodeID: '', Addr })),
      };
    }
    const { cluster, nodes } = this.manager.store.view((tx) => ({ cluster: tx.cluster(), nodes: tx.nodes.all() }));
    const managers = nodes.filter((n) => n.Spec.Role === 'manager');
    return {
      NodeID: st.nodeId,
      NodeAddr: st.advertiseAddr.split(':')[0],
      LocalNodeState: 'active',
      ControlAvailable: st.role === 'manager',
      Error: '',
      RemoteManagers: managers.map((n) => ({ NodeID: n.ID, Addr: n.ManagerStatus?.Addr ?? '' })),
      Nodes: nodes.length,
      Managers: managers.length,
      Cluster: cluster && {
        ID: cluster.ID, Version: cluster.Version, CreatedAt: cluster.CreatedAt, UpdatedAt: cluster.UpdatedAt,
        Spec: cluster.Spec, TLSInfo: cluster.TLSInfo ?? {}, RootRotationInProgress: cluster.RootRotationInProgress,
        DefaultAddrPool: cluster.DefaultAddrPool, SubnetSize: cluster.SubnetSize, DataPathPort: cluster.DataPathPort,
      },
    };
  }

  control(): ControlAPI {
    if (this.state && !this.manager) throw unavailable(WORKER_NOT_MANAGER);
    if (!this.manager || this.state?.role !== 'manager') throw unavailable(NOT_A_SWARM_MANAGER);
    return this.manager.control;
  }

  init(req: SwarmInitRequest): Promise<string> {
    return this.serial(async () => {
      if (this.state) throw unavailable(ALREADY_IN_SWARM);
      const { listenAddr, advertiseAddr } = this.addresses(req);
      const state: SwarmState = { nodeId: newId(), role: 'manager', advertiseAddr, listenAddr, raftId: newRaftId() };
      await this.activate(state, req);
      await this.stateFile.save(state);
      log.info({ nodeId: state.nodeId, advertiseAddr }, 'swarm initialized');
      return state.nodeId;
    });
  }

  /** `swarm join`: asks a manager to add this node, as a worker or (a Raft member) as a manager. */
  join(req: SwarmJoinRequest): Promise<void> {
    return this.serial(async () => {
      if (this.state) throw unavailable(ALREADY_IN_SWARM);
      const remote = req.RemoteAddrs?.[0];
      if (!remote) throw new ApiError(400, 'at least 1 RemoteAddr is required to join');
      const { listenAddr, advertiseAddr } = this.addresses(req);
      // Listen first: a manager's leader starts replicating as soon as the membership change commits.
      this.clusterServer = await startClusterServer(listenAddr, this.clusterHandlers(), this.clusterServices());
      let res: JoinResponse;
      try {
        res = await clusterCall<JoinRequest, JoinResponse>(withPort(remote), JOIN, {
          token: req.JoinToken, addr: advertiseAddr, description: await this.describe(),
        });
      } catch (err) {
        this.clusterServer.forceShutdown();
        this.clusterServer = undefined;
        throw new ApiError(400, grpcMessage(err));
      }
      const state: SwarmState = { nodeId: res.nodeId, role: res.role, advertiseAddr, listenAddr, raftId: res.raftId, managers: res.managers };
      await this.activate(state, undefined, res.members);
      await this.stateFile.save(state);
      log.info({ nodeId: res.nodeId, role: res.role, remote }, `joined the swarm as a ${res.role}`);
    });
  }

  /** The cluster addresses of an init or join: the request's, else the daemon's flags. */
  private addresses(req: { ListenAddr?: string; AdvertiseAddr?: string }) {
    const listenAddr = req.ListenAddr && req.ListenAddr !== '0.0.0.0:2377' ? req.ListenAddr : this.opts.listenAddr;
    return { listenAddr, advertiseAddr: resolveAddr(req.AdvertiseAddr || this.opts.advertiseAddr, listenAddr) };
  }

  /** The leader's side of a join: check the token, record the node, and for a manager add the Raft member. */
  private async acceptJoin(req: JoinRequest): Promise<JoinResponse> {
    const m = this.manager;
    if (!m?.raft) throw new Error('This node is not a swarm manager.');
    if (!m.raft.isLeader) {
      const leader = m.leaderMember();
      if (!leader) throw new Error(NO_LEADER);
      return clusterCall<JoinRequest, JoinResponse>(leader.addr, JOIN, req);
    }
    const cluster = m.store.view((tx) => tx.cluster());
    const promoted = req.nodeId ? m.store.view((tx) => tx.nodes.get(req.nodeId!)) : undefined;
    const role = cluster && sameSecret(req.token, cluster.JoinTokens.Manager) ? 'manager'
      : cluster && sameSecret(req.token, cluster.JoinTokens.Worker) ? 'worker'
        // A promoted worker joins Raft with the identity it has.
        : promoted?.Spec.Role === 'manager' && !promoted.ManagerStatus ? 'manager' : undefined;
    if (!role) throw new Error(INVALID_JOIN_TOKEN);
    const nodeId = promoted?.ID ?? newId();
    const description = req.description as NodeDescription | undefined;
    if (role === 'worker') {
      await m.store.update((tx) => tx.create('nodes', newWorkerNode(nodeId, req.addr, description)));
      return { nodeId, role, managers: this.managerAddrs() };
    }
    const raftId = newRaftId();
    // The node object first: once the member is added, commits need the joiner, which starts only after we answer.
    await m.store.update((tx) => {
      const cur = tx.nodes.get(nodeId);
      const node = newManagerNode(nodeId, req.addr, description ?? cur?.Description);
      if (cur) tx.update('nodes', { ...structuredClone(cur), ManagerStatus: node.ManagerStatus });
      else tx.create('nodes', node);
    });
    try {
      await m.raft.proposeConfChange({ type: 'add', id: raftId, context: JSON.stringify({ addr: req.addr, nodeId }) }, 20_000);
    } catch (err) {
      await m.store.update((tx) => {
        const cur = tx.nodes.get(nodeId);
        if (!promoted) tx.remove('nodes', nodeId);
        else if (cur) { const { ManagerStatus: _no, ...rest } = structuredClone(cur); tx.update('nodes', rest as typeof cur); }
      }).catch(() => undefined);
      throw err;
    }
    return { nodeId, role, raftId, members: [...m.raft.members], managers: this.managerAddrs() };
  }

  /** The heartbeat tells the role the managers want: a promoted worker joins Raft; a demoted manager, out of Raft, stops its manager. */
  private onRole(role: 'manager' | 'worker') {
    const st = this.state;
    if (!st || st.role === role || this.roleChange) return;
    this.roleChange = this.serial(() => (role === 'manager' ? this.promoteSelf() : this.demoteSelf()))
      .catch((err) => log.warn({ err: String(err), role }, 'role change failed; will retry'))
      .finally(() => { this.roleChange = undefined; });
  }

  private async promoteSelf() {
    const st = this.state;
    if (!st || st.role !== 'worker') return;
    let res: JoinResponse | undefined;
    let lastErr: unknown;
    for (const addr of st.managers ?? []) {
      try {
        res = await clusterCall<JoinRequest, JoinResponse>(addr, JOIN, { token: '', nodeId: st.nodeId, addr: st.advertiseAddr, description: await this.describe() });
        break;
      } catch (err) { lastErr = err; }
    }
    if (!res) throw lastErr ?? new Error('no manager answered');
    const next: SwarmState = { ...st, role: 'manager', raftId: res.raftId };
    await this.startManager(next, undefined, res.members);
    this.state = next;
    await this.stateFile.save(next);
    log.info({ raftId: res.raftId }, 'promoted: this node is now a manager');
  }

  private async demoteSelf() {
    const st = this.state;
    if (!st || st.role !== 'manager' || !this.manager) return;
    await this.stopManager();
    // A later promotion joins Raft afresh, under a new member ID.
    await rm(join(this.opts.dataRoot, 'swarm', 'raft'), { recursive: true, force: true });
    const next: SwarmState = { ...st, role: 'worker', raftId: undefined, managers: st.managers?.length ? st.managers : this.managerAddrsFromRaft() };
    this.state = next;
    await this.stateFile.save(next);
    log.info('demoted: this node is now a worker');
  }

  private async stopManager() {
    for (const a of this.simAgents) await a.stop();
    this.simAgents = [];
    await this.ingress?.stop();
    this.ingress = undefined;
    const m = this.manager;
    const addrs = this.managerAddrs();
    this.manager = undefined;
    this.lastManagers = addrs;
    await m?.close();
  }

  private lastManagers: string[] = [];
  private managerAddrsFromRaft(): string[] {
    return this.lastManagers.filter((a) => a !== this.state?.advertiseAddr);
  }

  /** Cluster addresses of the managers: from the store on a manager, else as last told. */
  private managerAddrs(): string[] {
    const m = this.manager;
    if (!m) return this.state?.managers ?? [];
    const own = this.state?.advertiseAddr;
    const addrs = m.store.view((tx) => tx.nodes.all())
      .filter((n) => n.Spec.Role === 'manager' && n.ManagerStatus?.Addr).map((n) => n.ManagerStatus!.Addr);
    return [...(own ? [own] : []), ...addrs.filter((a) => a !== own)];
  }

  /** The dispatcher on the cluster port, answered by the leader's dispatcher. */
  private clusterServices(): ExtraService[] {
    return [{
      definition: dispatcherServiceDefinition,
      implementation: dispatcherServiceHandlers({
        local: () => (this.manager?.raft?.isLeader ? this.manager.dispatcher : undefined),
        leaderAddr: () => this.manager?.leaderMember()?.addr,
        managers: () => this.managerAddrs(),
        identify: () => undefined,
        requireIdentity: false,
        admit: (nodeId) => {
          const known = this.manager?.store.view((tx) => tx.nodes.get(nodeId));
          if (!known) throw new ApiError(404, `node ${nodeId} not found`);
        },
      }),
    }];
  }

  private clusterHandlers() {
    return {
      raftMessage: (msg: Message) => this.manager?.step(msg),
      join: (r: JoinRequest) => this.acceptJoin(r),
      http: (r: HttpRequest) => this.replayOnLeader(r),
    };
  }

  private async replayOnLeader(r: HttpRequest): Promise<HttpResponse> {
    const sock = this.opts.hosts.find((h) => h.startsWith('unix://'));
    if (!sock) throw new Error('this manager has no unix API socket to replay forwarded requests on');
    return replayHttp(sock.slice('unix://'.length), r);
  }

  leaderProxy(): ((req: IncomingMessage, res: ServerResponse, url: string) => Promise<void>) | undefined {
    const m = this.manager;
    if (!m?.raft || m.raft.isLeader) return undefined;
    return async (req, res, url) => {
      const leader = m.leaderMember();
      if (!leader) throw noLeader();
      let body = '';
      for await (const c of req) body += c;
      const headers: Record<string, string> = {};
      if (req.headers['content-type']) headers['content-type'] = String(req.headers['content-type']);
      let out: HttpResponse;
      try {
        out = await clusterCall<HttpRequest, HttpResponse>(leader.addr, HTTP, { method: req.method ?? 'POST', url, headers, body });
      } catch (err) {
        throw noLeader(grpcMessage(err));
      }
      res.writeHead(out.status, out.headers);
      res.end(out.body);
    };
  }

  leave(force: boolean): Promise<void> {
    return this.serial(async () => {
      if (!this.state) throw unavailable(NOT_IN_SWARM);
      if (this.state.role === 'manager' && !force) throw unavailable(LEAVE_AS_MANAGER);
      await this.deactivate({ shutdownTasks: true });
      await this.stateFile.erase();
      log.info('left the swarm');
    });
  }

  async *taskLogs(tasks: Task[], opts: LogOptions): AsyncIterable<TaskLogLine> {
    const local = new Map((this.agent?.tasks() ?? []).map((t) => [t.ID, t]));
    const sources = tasks.filter((t) => local.has(t.ID) || t.NodeID === this.state?.nodeId).map((task) =>
      (async function* (executor: Executor) {
        try {
          for await (const line of executor.logs(task, opts)) yield { ...line, task };
        } catch (err) {
          if (!(err instanceof ApiError)) log.debug({ task: task.ID, err: String(err) }, 'no logs');
        }
      })(this.executor));
    if (opts.follow) {
      yield* mergeAsync(sources);
      return;
    }
    // Without --follow, lines of all tasks come in time order, as the engine's.
    const all: TaskLogLine[] = [];
    for (const s of sources) for await (const l of s) all.push(l);
    all.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    yield* all;
  }

  private async describe(): Promise<NodeDescription> {
    const d = await this.executor.describe();
    return { ...d, Hostname: this.hostname() };
  }

  private async activate(state: SwarmState, init: SwarmInitRequest | undefined, members?: JoinResponse['members']) {
    this.clusterServer ??= await startClusterServer(state.listenAddr, this.clusterHandlers(), this.clusterServices());
    if (state.role === 'manager') await this.startManager(state, init, members);
    this.state = state;
    const description = await this.describe();
    // Every agent, a manager's too, reaches the leader's dispatcher over the cluster port.
    this.remote = new RemoteDispatcher({
      managers: this.managerAddrs().length ? this.managerAddrs() : [state.advertiseAddr],
      credentials: () => insecureCredentials.client(),
      onManagers: (addrs) => void this.rememberManagers(addrs),
    });
    this.agent = new Agent({
      dispatcher: this.remote, executor: this.executor, clock: this.clock,
      stateDir: join(this.opts.dataRoot, 'agent'), nodeId: state.nodeId,
      addr: state.advertiseAddr.split(':')[0], description,
      onRole: (role) => this.onRole(role),
    });
    await this.agent.start();
    if (this.manager && this.opts.simNodes > 0) {
      this.simAgents = await startSimNodes(this.opts.simNodes, this.manager.dispatcher, this.clock);
    }
  }

  private async startManager(state: SwarmState, init: SwarmInitRequest | undefined, members?: JoinResponse['members']) {
    const manager = new Manager(join(this.opts.dataRoot, 'swarm'), this.clock);
    this.manager = manager;
    await manager.open({ raftId: state.raftId ?? state.nodeId, nodeId: state.nodeId, addr: state.advertiseAddr, found: !!init, members });
    if (!init) await this.settle(manager);
    if (init) {
      await manager.bootstrap({
        nodeId: state.nodeId, description: await this.describe(), addr: state.advertiseAddr, spec: init.Spec,
        defaultAddrPool: init.DefaultAddrPool, subnetSize: init.SubnetSize, dataPathPort: init.DataPathPort,
      });
    }
    this.ingress = new IngressController(manager.store, new PortProxy());
    this.ingress.start();
  }

  /** A worker keeps the managers it was last told of, to find a leader after a restart. */
  private async rememberManagers(addrs: string[]) {
    const st = this.state;
    if (!st || JSON.stringify(st.managers) === JSON.stringify(addrs)) return;
    st.managers = addrs;
    await this.stateFile.save(st).catch((err) => log.warn({ err: String(err) }, 'saving managers failed'));
  }

  /** On restart, give a sole manager a moment to lead again before the API answers writes. */
  private async settle(m: Manager) {
    const end = Date.now() + 3000;
    while (Date.now() < end && m.raft && !m.raft.isLeaderReady && m.raft.core.voters.size <= 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async deactivate(o: { shutdownTasks: boolean }) {
    for (const a of this.simAgents) await a.stop();
    this.simAgents = [];
    await this.agent?.stop(o);
    this.remote?.close();
    this.remote = undefined;
    await this.ingress?.stop();
    await this.manager?.close();
    this.clusterServer?.forceShutdown();
    this.clusterServer = undefined;
    this.agent = undefined;
    this.ingress = undefined;
    this.manager = undefined;
    this.state = undefined;
  }
}

function newRaftId(): string {
  return randomBytes(8).toString('hex');
}

/** Join tokens compared in constant time. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function withPort(addr: string): string {
  return /:\d+$/.test(addr) ? addr : `${addr}:2377`;
}

/** A gRPC error's own text, without grpc-js's "2 UNKNOWN: " prefix. */
function grpcMessage(err: unknown): string {
  const e = err as { details?: string; message?: string };
  return e.details || e.message || String(err);
}
