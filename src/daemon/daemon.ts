import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { DaemonBackend, SwarmInfo, SwarmInitRequest, SwarmJoinRequest, TaskLogLine } from '../api/backend.js';
import { Agent } from '../agent/agent.js';
import type { Clock } from '../clock.js';
import type { Executor, LogOptions } from '../executor/executor.js';
import { newId } from '../ids.js';
import { logger } from '../log.js';
import type { ControlAPI } from '../manager/controlapi/api.js';
import { Manager } from '../manager/manager.js';
import { IngressController } from '../network/ingress.js';
import { PortProxy } from '../network/proxy.js';
import { ApiError, NOT_A_SWARM_MANAGER, notImplemented, unavailable } from '../types/errors.js';
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
      const listenAddr = req.ListenAddr && req.ListenAddr !== '0.0.0.0:2377' ? req.ListenAddr : this.opts.listenAddr;
      const advertiseAddr = resolveAddr(req.AdvertiseAddr || this.opts.advertiseAddr, listenAddr);
      const state: SwarmState = { nodeId: newId(), role: 'manager', advertiseAddr, listenAddr };
      await this.activate(state, req);
      await this.stateFile.save(state);
      log.info({ nodeId: state.nodeId, advertiseAddr }, 'swarm initialized');
      return state.nodeId;
    });
  }

  async join(_req: SwarmJoinRequest): Promise<void> {
    throw notImplemented('joining a swarm is not supported by this tswarm version yet');
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

  private async activate(state: SwarmState, init: SwarmInitRequest | undefined) {
    const manager = new Manager(join(this.opts.dataRoot, 'swarm'), this.clock);
    await manager.open();
    const description = await this.describe();
    if (init) {
      await manager.bootstrap({
        nodeId: state.nodeId, description, addr: state.advertiseAddr, spec: init.Spec,
        defaultAddrPool: init.DefaultAddrPool, subnetSize: init.SubnetSize, dataPathPort: init.DataPathPort,
      });
    }
    manager.startLeading();
    this.manager = manager;
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

  private async deactivate(o: { shutdownTasks: boolean }) {
    for (const a of this.simAgents) await a.stop();
    this.simAgents = [];
    await this.agent?.stop(o);
    await this.ingress?.stop();
    await this.manager?.close();
    this.agent = undefined;
    this.ingress = undefined;
    this.manager = undefined;
    this.state = undefined;
  }
}
