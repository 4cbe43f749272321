import type { MetricsSource } from '../metrics/collectors.js';
import { machineFacts, type HostFacts } from '../executor/host-facts.js';
import type * as grpc from '@grpc/grpc-js';
import { rename } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { DaemonBackend, SwarmInfo, SwarmInitRequest, SwarmJoinRequest, TaskLogLine } from '../api/backend.js';
import { LogPublisher } from '../agent/log-publisher.js';
import { remoteLogBroker } from '../agent/remote-logbroker.js';
import type { LogSelector } from '../types/logbroker.js';
import { clusterClient } from '../raft/transport/rpc.js';
import { runForwarded } from '../api/forwarded.js';
import { Agent } from '../agent/agent.js';
import { withTaskFiles } from '../agent/secrets/index.js';
import { RemoteDispatcher } from '../agent/remote-dispatcher.js';
import type { Clock } from '../clock.js';
import type { Executor, LogOptions } from '../executor/executor.js';
import { newId } from '../ids.js';
import { logger } from '../log.js';
import type { CAKeyPair } from '../manager/ca/root-ca.js';
import type { ControlAPI } from '../manager/controlapi/api.js';
import { noLeader } from '../manager/controlapi/rpc-errors.js';
import { ERR_SWARM_LOCKED, LockedError, NotLockedError } from '../manager/keys/unlock-key.js';
import { Manager } from '../manager/manager.js';
import { IngressController } from '../network/ingress.js';
import { PortProxy } from '../network/proxy.js';
import { chooseMeshMode, useKernelMesh } from '../network/mesh/mesh-mode.js';
import { setClusterSourceAddress } from '../raft/transport/source-address.js';
import { ApiError, NOT_A_SWARM_MANAGER, WORKER_NOT_MANAGER, unavailable } from '../types/errors.js';
import type { NodeDescription, Task } from '../types/objects.js';
import { resolveAddr } from './addr.js';
import { CertRenewer } from './cert-renewer.js';
import { serveClusterPort } from './cluster-port.js';
import { JOIN, clusterCall, grpcMessage, type IssueAnswer, type JoinRequest, type JoinResponse } from './cluster-server.js';
import { obtainCertificate } from './joiner.js';
import { KeyManager } from './key-manager.js';
import { leaderForwarder, type LeaderForwarder } from './leader-forwarder.js';
import { newRaftId } from './manager-rpc.js';
import { newSwarm, withAutolock } from './new-swarm.js';
import { NodeSecurity } from './node-security.js';
import type { DaemonOptions } from './options.js';
import { RoleChanger } from './role-change.js';
import { startSimNodes } from './sim-nodes.js';
import { swarmInfo } from './swarm-info.js';
import { SwarmStateFile, type SwarmState } from './swarm-state.js';
import { clusterTaskLogs, localTaskLines } from './task-logs.js';

const log = logger('daemon');

export const ALREADY_IN_SWARM =
  'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.';
export const NOT_IN_SWARM = 'This node is not part of a swarm';
export const JOIN_TIMEOUT =
  'Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.';
/** How long init and join wait for the node's own session with the managers (Docker's swarmConnectTimeout). */
const SESSION_WAIT_MS = 20_000;
export const LEAVE_AS_MANAGER =
  'You are attempting to leave the swarm on a node that is participating as a manager. Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message.';

/**
 * One tswarm node's lifecycle: init, join, leave, unlock, start and stop,
 * one step at a time, and what each step starts or stops: the cluster port,
 * the manager when the node is one, the agent and the ingress proxy. The
 * jobs that run between steps have modules of their own (certificate
 * renewal, keys and autolock, role changes), wired here. The Engine API
 * server calls it.
 */
export class Daemon implements DaemonBackend {
  private state?: SwarmState;
  /** A manager that restarted under autolock waits here for `swarm unlock`. */
  private locked?: SwarmState;
  private readonly keyManager: KeyManager;
  private security?: NodeSecurity;
  private manager?: Manager;
  private agent?: Agent;
  private remote?: RemoteDispatcher;
  private logPublisher?: LogPublisher;
  /** Settled when this membership's agent has its first session with the managers (its node is then ready). */
  private sessionUp?: Promise<void>;
  private simAgents: Agent[] = [];
  private ingress?: IngressController;
  /** The routing mesh this node runs (network/mesh/mesh-mode.ts), decided at its first start. */
  private meshMode?: Promise<'kernel' | 'userspace'>;
  private clusterServer?: grpc.Server;
  private readonly renewer: CertRenewer;
  private readonly roles: RoleChanger;
  private readonly stateFile: SwarmStateFile;
  /** Serializes init/join/leave/unlock/start/stop and role changes so they never interleave. */
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(private opts: DaemonOptions, private executor: Executor, private clock: Clock, private engine?: string) {
    this.stateFile = new SwarmStateFile(this.swarmDir);
    this.keyManager = new KeyManager({
      swarmDir: this.swarmDir, clock: this.clock,
      unlockKey: () => this.manager?.unlockKey(),
      serial: (fn) => this.serial(fn),
    });
    this.roles = new RoleChanger({
      swarmDir: this.swarmDir,
      state: () => this.state,
      setState: (next) => this.setState(next),
      security: () => this.security,
      renewCertificate: () => this.renewer.now(),
      hasManager: () => !!this.manager,
      startManager: (next, members) => this.startManager(next, undefined, members),
      stopManager: () => this.stopManager(),
      managerAddrs: () => this.managerAddrs(),
      serial: (fn) => this.serial(fn),
    });
    this.renewer = new CertRenewer({
      clock: this.clock,
      security: () => this.security,
      advertiseAddr: () => this.state?.advertiseAddr,
      managerAddrs: () => this.managerAddrs(),
      serial: (fn) => this.serial(fn),
      onRenewed: (answer) => this.onRenewed(answer),
    });
  }

  private get swarmDir() { return join(this.opts.dataRoot, 'swarm'); }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(fn);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  /** Resumes the swarm this node was part of before it stopped (or waits, locked, for its key). */
  start(): Promise<void> {
    return this.serial(async () => {
      const state = await this.stateFile.load();
      if (!state) return;
      try {
        await this.keyManager.open();
      } catch (err) {
        if (!(err instanceof LockedError)) throw err;
        this.locked = state;
        log.warn('the swarm is locked: run `docker swarm unlock` with the unlock key');
        return;
      }
      await this.activate(state, undefined);
    });
  }

  stop(): Promise<void> {
    return this.serial(() => this.deactivate({ shutdownTasks: false }));
  }

  hostname(): string { return this.opts.hostname ?? osHostname(); }
  executorName(): string { return this.executor.name; }
  async hostFacts(): Promise<HostFacts> { return this.executor.hostFacts?.() ?? machineFacts(await this.executor.list()); }
  engineSocket(): string | undefined { return this.engine; }
  /** Plain containers on swarm networks, and the networks this node has (agent side). */
  containerNetworks() { return this.agent?.containers; }
  nodeNetworkViews() { const o = this.agent?.networks?.overlay; return o ? o.viewIds().map((id) => o.view(id)!) : []; }
  swarmEvents() { return this.manager?.events.ring; }

  unlockKey(): string {
    return this.control() && this.manager!.unlockKey();
  }

  /** `swarm unlock`: opens the sealed keys and starts the manager. */
  unlock(key: string): Promise<void> {
    return this.serial(async () => {
      const state = this.locked;
      if (!state) throw this.state ? new NotLockedError() : unavailable(NOT_IN_SWARM);
      await this.keyManager.open(key);
      this.locked = undefined;
      await this.activate(state, undefined);
    });
  }

  swarmInfo(): SwarmInfo {
    return swarmInfo({ state: this.state, locked: this.locked, manager: this.manager });
  }

  /** What /metrics reads at scrape time (metrics/collectors.ts). */
  metricsSource(): MetricsSource {
    return {
      store: () => this.manager?.store,
      isManager: () => !!this.manager,
      isLeader: () => !!this.manager?.isLeader(),
      node: () => this.state && {
        nodeId: this.state.nodeId, swarmId: this.manager?.store.view((tx) => tx.cluster()?.ID) ?? '',
      },
      raft: () => this.manager?.raft?.progress,
    };
  }

  control(): ControlAPI {
    if (this.locked) throw unavailable(ERR_SWARM_LOCKED);
    if (this.state && !this.manager) throw unavailable(WORKER_NOT_MANAGER);
    if (!this.manager || this.state?.role !== 'manager') throw unavailable(NOT_A_SWARM_MANAGER);
    return this.manager.control;
  }

  /** `swarm init`: a new root CA, this node's manager certificate, and a one-member Raft. */
  init(req: SwarmInitRequest): Promise<string> {
    return this.serial(async () => {
      if (req.ForceNewCluster && this.state?.role === 'manager' && this.manager) return this.forceNewCluster();
      if (this.state || this.locked) throw unavailable(ALREADY_IN_SWARM);
      const { listenAddr, advertiseAddr } = this.addresses(req);
      const state: SwarmState = { nodeId: newId(), role: 'manager', advertiseAddr, listenAddr, raftId: newRaftId() };
      const { clusterId, rootCA, material } = newSwarm(state.nodeId, req.Spec, new Date(this.clock.now()));
      try {
        this.security = await NodeSecurity.create(this.swarmDir, await this.keyManager.open(), material);
        await this.activate(state, { ...req, rootCA, clusterId });
        // Under --autolock the keys are sealed before init answers: a restart from here on is locked.
        await this.keyManager.sync();
        await this.stateFile.save(state);
      } catch (err) {
        await this.deactivate({ shutdownTasks: true });
        await this.stateFile.erase();
        throw err;
      }
      // As Docker, init answers once the node's own agent has its session: `node ls` right after shows it Ready.
      if (!(await this.awaitSession())) log.warn('swarm initialized, but the node has no session with its manager yet');
      log.info({ nodeId: state.nodeId, advertiseAddr }, 'swarm initialized');
      return state.nodeId;
    });
  }

  /**
   * `swarm init --force-new-cluster` on a manager that lost its quorum: a new
   * one-member Raft (new member ID, the old log kept aside) holding the state
   * this manager had applied; workers and services go on as they were.
   */
  private async forceNewCluster(): Promise<string> {
    const st = this.state!;
    const snap = this.manager!.snapshot();
    await this.stopManager();
    await rename(join(this.swarmDir, 'raft'), join(this.swarmDir, `raft-before-force-new-cluster-${Date.now()}`));
    const next: SwarmState = { ...st, raftId: newRaftId() };
    const manager = new Manager(this.swarmDir, this.clock);
    this.manager = manager;
    await this.openManager(manager, next, true);
    await manager.adopt(snap, { nodeId: st.nodeId, addr: st.advertiseAddr });
    this.startIngress(manager);
    await this.setState(next);
    log.warn({ raftId: next.raftId }, 'forced a new cluster: this manager is the only Raft member');
    return st.nodeId;
  }

  /** `swarm join`: a certificate from the swarm's CA (the token decides the role), then, as a manager, Raft membership. */
  join(req: SwarmJoinRequest): Promise<void> {
    return this.serial(async () => {
      if (this.state || this.locked) throw unavailable(ALREADY_IN_SWARM);
      const remote = req.RemoteAddrs?.[0];
      if (!remote) throw new ApiError(400, 'at least 1 RemoteAddr is required to join');
      const { listenAddr, advertiseAddr } = this.addresses(req);
      setClusterSourceAddress(advertiseAddr);
      const { answer, material } = await obtainCertificate(withPort(remote), req.JoinToken, advertiseAddr, await this.describe());
      const state: SwarmState = { nodeId: answer.nodeId, role: answer.role, advertiseAddr, listenAddr, managers: answer.managers };
      try {
        this.security = await NodeSecurity.create(this.swarmDir, await this.keyManager.open(), material);
        let members: JoinResponse['members'] | undefined;
        if (answer.role === 'manager') {
          // Listen first: the leader starts replicating as soon as the membership change commits.
          await this.listen(listenAddr);
          const res = await clusterCall<JoinRequest, JoinResponse>(withPort(remote), this.security.credentials.client(), JOIN, { addr: advertiseAddr });
          state.raftId = res.raftId;
          members = res.members;
        }
        await this.activate(state, undefined, members);
        // A new manager answers once it has caught up with what the swarm committed.
        await this.manager?.readBarrier(30_000);
        await this.stateFile.save(state);
      } catch (err) {
        await this.deactivate({ shutdownTasks: true });
        await this.stateFile.erase();
        throw err instanceof ApiError ? err : new ApiError(500, grpcMessage(err));
      }
      // Joined for good from here; as Docker, the answer waits for the node's session (and goes on in the background after).
      if (!(await this.awaitSession())) throw new ApiError(503, JOIN_TIMEOUT);
      log.info({ nodeId: answer.nodeId, role: answer.role, remote }, `joined the swarm as a ${answer.role}`);
    });
  }

  /** Whether the agent's first session came within SESSION_WAIT_MS. */
  private async awaitSession(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), SESSION_WAIT_MS); });
    try {
      return await Promise.race([this.sessionUp?.then(() => true) ?? Promise.resolve(false), timeout]);
    } finally { clearTimeout(timer); }
  }

  /** The cluster addresses of an init or join: the request's, else the daemon's flags. */
  private addresses(req: { ListenAddr?: string; AdvertiseAddr?: string }) {
    const listenAddr = req.ListenAddr && req.ListenAddr !== '0.0.0.0:2377' ? req.ListenAddr : this.opts.listenAddr;
    return { listenAddr, advertiseAddr: resolveAddr(req.AdvertiseAddr || this.opts.advertiseAddr, listenAddr) };
  }

  /** Cluster addresses of the managers: from the store on a manager, else as last told. */
  private managerAddrs(): string[] {
    const m = this.manager;
    if (!m) return this.state?.managers ?? [];
    const own = this.state?.advertiseAddr;
    const addrs = m.managerAddrs();
    return [...(own ? [own] : []), ...addrs.filter((a) => a !== own)];
  }

  /** The cluster port, once per swarm membership: a joining manager opens it before it joins Raft. */
  private async listen(listenAddr: string) {
    if (this.clusterServer) return;
    this.clusterServer = await serveClusterPort({
      listenAddr, security: this.security!,
      manager: () => this.manager,
      managerAddrs: () => this.managerAddrs(),
      runWrite: (w) => runForwarded(w, this),
    });
  }

  async readBarrier(): Promise<void> {
    const m = this.manager;
    if (!m || m.soleVoter()) return;
    try {
      await m.readBarrier(5000);
    } catch (err) {
      throw noLeader(String((err as Error).message));
    }
  }

  leaderForwarder(): LeaderForwarder | undefined {
    return leaderForwarder(this.manager, () => this.security!.credentials.client());
  }

  leave(force: boolean): Promise<void> {
    return this.serial(async () => {
      if (!this.state && !this.locked) throw unavailable(NOT_IN_SWARM);
      if ((this.state?.role ?? this.locked?.role) === 'manager' && !force) throw unavailable(LEAVE_AS_MANAGER);
      await this.deactivate({ shutdownTasks: true });
      this.locked = undefined;
      await this.stateFile.erase();
      log.info('left the swarm');
    });
  }

  taskLogs(selector: LogSelector, opts: LogOptions): AsyncIterable<TaskLogLine> {
    const m = this.control() && this.manager!;
    return clusterTaskLogs(selector, opts, {
      local: () => (m.isLeader() ? m.logBroker : undefined),
      leader: () => {
        const addr = m.leaderMember()?.addr;
        return addr ? { addr, client: clusterClient(addr, this.security!.credentials.client()) } : undefined;
      },
    });
  }

  private async describe(): Promise<NodeDescription> {
    const d = await this.executor.describe();
    return { ...d, Hostname: this.hostname() };
  }

  private async activate(state: SwarmState, init: (SwarmInitRequest & { rootCA: CAKeyPair; clusterId: string }) | undefined, members?: JoinResponse['members']) {
    this.security ??= await NodeSecurity.load(this.swarmDir, this.keyManager.keyStore!);
    if (!this.security) throw new Error(`no node certificate under ${this.swarmDir}: leave the swarm and join again`);
    // Connections to other nodes leave from the address this node advertises.
    setClusterSourceAddress(state.advertiseAddr);
    await this.listen(state.listenAddr);
    if (state.role === 'manager') await this.startManager(state, init, members);
    this.state = state;
    const description = await this.describe();
    const sec = this.security;
    let sessionStarted = () => undefined as void;
    this.sessionUp = new Promise<void>((resolve) => { sessionStarted = resolve; });
    // Every agent, a manager's too, reaches the leader's dispatcher over the cluster port.
    this.remote = new RemoteDispatcher({
      managers: this.managerAddrs(),
      credentials: () => sec.credentials.client(),
      onManagers: (addrs) => { this.rememberManagers(addrs).catch((err) => log.warn({ err: String(err) }, 'saving managers failed')); },
    });
    this.agent = new Agent({
      dispatcher: this.remote, clock: this.clock,
      ...withTaskFiles(this.executor, this.opts.dataRoot, () => description),
      stateDir: join(this.opts.dataRoot, 'agent'), nodeId: state.nodeId,
      addr: state.advertiseAddr.split(':')[0], description,
      onRemoved: () => { this.leave(true).catch((err) => log.warn({ err: String(err) }, 'leaving after removal failed')); },
      onHeartbeat: (res) => {
        if (res.role) this.roles.onRole(res.role);
        if (res.renewCertificate) this.renewer.soon();
      },
      onSession: (id) => {
        if (id) sessionStarted();
        this.logPublisher?.onSession(id);
      },
      engineSocket: this.engine,
    });
    if (this.agent.networks && (await this.mesh()) === 'kernel') {
      await useKernelMesh(this.agent.networks, { dataRoot: this.opts.dataRoot, addr: state.advertiseAddr.split(':')[0], nodeId: () => this.agent?.nodeId });
    }
    const remote = this.remote;
    this.logPublisher = new LogPublisher({
      broker: remoteLogBroker(() => remote.sessionChannel()),
      clock: this.clock,
      nodeId: () => this.state?.nodeId,
      tasks: () => this.agent?.tasks() ?? [],
      read: (task, o) => localTaskLines(this.executor, task, o),
    });
    await this.agent.start();
    if (this.manager && this.opts.simNodes > 0) {
      this.simAgents = await startSimNodes(this.opts.simNodes, this.manager.dispatcher, this.clock);
    }
    this.renewer.schedule();
  }

  private async startManager(state: SwarmState, init: Parameters<Daemon['activate']>[1], members?: JoinResponse['members']) {
    const manager = new Manager(this.swarmDir, this.clock);
    this.manager = manager;
    await this.openManager(manager, state, !!init, members);
    // On restart, a sole manager gets a moment to lead again before the API answers writes.
    if (!init) await manager.settleAlone(3000);
    if (init) {
      await manager.bootstrap({
        nodeId: state.nodeId, description: await this.describe(), addr: state.advertiseAddr, spec: withAutolock(init),
        defaultAddrPool: init.DefaultAddrPool, subnetSize: init.SubnetSize, dataPathPort: init.DataPathPort,
        rootCA: init.rootCA, clusterId: init.clusterId,
      });
    }
    this.startIngress(manager);
  }

  private async openManager(manager: Manager, state: SwarmState, found: boolean, members?: JoinResponse['members']) {
    await manager.open({
      raftId: state.raftId ?? state.nodeId, nodeId: state.nodeId, addr: state.advertiseAddr, found, members,
      credentials: this.security!.credentials, codec: this.keyManager.newCodec(),
    });
    this.keyManager.follow((fn) => manager.onClusterChange(fn));
  }

  private mesh() { return (this.meshMode ??= chooseMeshMode(this.executor.name)); }

  private startIngress(manager: Manager) {
    // The userspace proxy only where the kernel's mesh cannot run (it answers on every node then).
    this.mesh().then((mode) => {
      if (mode !== 'userspace' || this.manager !== manager || this.ingress) return;
      this.ingress = new IngressController(manager.store, new PortProxy());
      this.ingress.start();
    }).catch((err) => log.warn({ err: String(err) }, 'starting the ingress proxy failed'));
  }

  private async stopManager() {
    this.keyManager.stopFollowing();
    for (const a of this.simAgents) await a.stop();
    this.simAgents = [];
    await this.ingress?.stop();
    this.ingress = undefined;
    const m = this.manager;
    this.manager = undefined;
    await m?.close();
  }

  /** The node's membership changed (role, Raft member): in use now, and kept for a restart. */
  private async setState(next: SwarmState) {
    this.state = next;
    await this.stateFile.save(next);
  }

  /** A worker keeps the managers it was last told of, to find a leader after a restart. */
  private async rememberManagers(addrs: string[]) {
    const st = this.state;
    if (!st || JSON.stringify(st.managers) === JSON.stringify(addrs)) return;
    st.managers = addrs;
    await this.stateFile.save(st).catch((err) => log.warn({ err: String(err) }, 'saving managers failed'));
  }

  /** A renewed certificate: new connections carry it; a worker keeps the managers it was told of. */
  private async onRenewed(answer: IssueAnswer) {
    this.remote?.resetConnections();
    if (answer.managers.length && !this.manager) await this.rememberManagers(answer.managers);
  }

  private async deactivate(o: { shutdownTasks: boolean }) {
    this.renewer.stop();
    this.logPublisher?.stop();
    this.logPublisher = undefined;
    await this.agent?.stop(o);
    this.remote?.close();
    this.remote = undefined;
    await this.stopManager();
    this.clusterServer?.forceShutdown();
    this.clusterServer = undefined;
    this.agent = undefined;
    this.state = undefined;
    this.security = undefined;
    this.keyManager.close();
  }
}

function withPort(addr: string): string {
  return /:\d+$/.test(addr) ? addr : `${addr}:2377`;
}
