import type * as grpc from '@grpc/grpc-js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { DaemonBackend, SwarmInfo, SwarmInitRequest, SwarmJoinRequest, TaskLogLine } from '../api/backend.js';
import { Agent } from '../agent/agent.js';
import type { Clock } from '../clock.js';
import type { Executor, LogOptions } from '../executor/executor.js';
import { newId } from '../ids.js';
import { logger } from '../log.js';
import type { ControlAPI } from '../manager/controlapi/api.js';
import { Manager, newManagerNode } from '../manager/manager.js';
import { NO_LEADER, noLeader } from '../manager/controlapi/rpc-errors.js';
import { HTTP, JOIN, clusterCall, replayHttp, startClusterServer, type HttpRequest, type HttpResponse, type JoinRequest, type JoinResponse } from './cluster-server.js';
import { IngressController } from '../network/ingress.js';
import type { Message } from '../raft/types.js';
import { PortProxy } from '../network/proxy.js';
import { ApiError, NOT_A_SWARM_MANAGER, unavailable } from '../types/errors.js';
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
    if (!st || !this.manager) {
      return { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null };
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

  /** `swarm join`: asks a manager to add this node; as a manager it becomes a Raft member. */
  join(req: SwarmJoinRequest): Promise<void> {
    return this.serial(async () => {
      if (this.state) throw unavailable(ALREADY_IN_SWARM);
      const remote = req.RemoteAddrs?.[0];
      if (!remote) throw new ApiError(400, 'at least 1 RemoteAddr is required to join');
      const { listenAddr, advertiseAddr } = this.addresses(req);
      const nodeId = newId();
      // Listen first: the leader starts replicating as soon as the membership change commits.
      this.clusterServer = await startClusterServer(listenAddr, this.clusterHandlers());
      let res: JoinResponse;
      try {
        res = await clusterCall<JoinRequest, JoinResponse>(withPort(remote), JOIN, {
          token: req.JoinToken, nodeId, addr: advertiseAddr, description: await this.describe(),
        });
      } catch (err) {
        this.clusterServer.forceShutdown();
        this.clusterServer = undefined;
        throw new ApiError(400, grpcMessage(err));
      }
      const state: SwarmState = { nodeId, role: 'manager', advertiseAddr, listenAddr, raftId: res.raftId };
      await this.activate(state, undefined, res.members);
      await this.stateFile.save(state);
      log.info({ nodeId, raftId: res.raftId, remote }, 'joined the swarm as a manager');
    });
  }

  /** The cluster addresses of an init or join: the request's, else the daemon's flags. */
  private addresses(req: { ListenAddr?: string; AdvertiseAddr?: string }) {
    const listenAddr = req.ListenAddr && req.ListenAddr !== '0.0.0.0:2377' ? req.ListenAddr : this.opts.listenAddr;
    return { listenAddr, advertiseAddr: resolveAddr(req.AdvertiseAddr || this.opts.advertiseAddr, listenAddr) };
  }

  /** The leader's side of a join: check the token, add the Raft member, record the node. */
  private async acceptJoin(req: JoinRequest): Promise<JoinResponse> {
    const m = this.manager;
    if (!m?.raft) throw new Error('This node is not a swarm manager.');
    if (!m.raft.isLeader) {
      const leader = m.leaderMember();
      if (!leader) throw new Error(NO_LEADER);
      return clusterCall<JoinRequest, JoinResponse>(leader.addr, JOIN, req);
    }
    const cluster = m.store.view((tx) => tx.cluster());
    const want = cluster?.JoinTokens.Manager ?? '';
    if (!sameSecret(req.token, want)) {
      if (cluster && sameSecret(req.token, cluster.JoinTokens.Worker)) throw new Error('joining as a worker arrives with the node-membership work; use the manager token');
      throw new Error(INVALID_JOIN_TOKEN);
    }
    const raftId = newRaftId();
    // The node object first: once the member is added, commits need the joiner, which starts only after we answer.
    await m.store.update((tx) => tx.create('nodes', newManagerNode(req.nodeId, req.addr, req.description as NodeDescription | undefined)));
    try {
      await m.raft.proposeConfChange({ type: 'add', id: raftId, context: JSON.stringify({ addr: req.addr, nodeId: req.nodeId }) }, 20_000);
    } catch (err) {
      await m.store.update((tx) => tx.remove('nodes', req.nodeId)).catch(() => undefined);
      throw err;
    }
    return { raftId, members: [...m.raft.members] };
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
    const manager = new Manager(join(this.opts.dataRoot, 'swarm'), this.clock);
    this.manager = manager;
    this.clusterServer ??= await startClusterServer(state.listenAddr, this.clusterHandlers());
    await manager.open({ raftId: state.raftId ?? state.nodeId, nodeId: state.nodeId, addr: state.advertiseAddr, found: !!init, members });
    if (!init) await this.settle(manager);
    const description = await this.describe();
    if (init) {
      await manager.bootstrap({
        nodeId: state.nodeId, description, addr: state.advertiseAddr, spec: init.Spec,
        defaultAddrPool: init.DefaultAddrPool, subnetSize: init.SubnetSize, dataPathPort: init.DataPathPort,
      });
    }
    this.state = state;
    this.ingress = new IngressController(manager.store, new PortProxy());
    this.ingress.start();
    this.agent = new Agent({
      dispatcher: manager.dispatcher, executor: this.executor, clock: this.clock,
      stateDir: join(this.opts.dataRoot, 'agent'), nodeId: state.nodeId,
      addr: state.advertiseAddr.split(':')[0], description,
    });
    await this.agent.start();
    if (this.opts.simNodes > 0) {
      this.simAgents = await startSimNodes(this.opts.simNodes, manager.dispatcher, this.clock);
    }
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
