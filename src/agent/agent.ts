import type { Clock } from '../clock.js';
import type { Executor } from '../executor/executor.js';
import { logger } from '../log.js';
import type { AssignmentsMessage, DispatcherAPI, HeartbeatResponse, TaskStatusUpdate } from '../types/dispatcher.js';
import { isTerminal, type NodeDescription, type Task, type TaskStatus } from '../types/objects.js';
import { AssignmentFile } from './assignment-file.js';
import { TaskNetworks } from './task-networks.js';
import { TaskRunner } from './task-runner.js';
import { isDependencyChange, type DependencyStore } from './dependencies.js';
import { ContainerAttachments } from './container-attachments.js';
import { EngineClient } from '../executor/docker/engine-client.js';
import { unavailable } from '../types/errors.js';

const log = logger('agent');
const RETRY_MS = 1000;
/** Status reports made within this window go to the dispatcher together. */
const REPORT_WINDOW_MS = 10;

export interface AgentOptions {
  dispatcher: DispatcherAPI;
  executor: Executor;
  clock: Clock;
  /** Where assignments are persisted; undefined keeps them in memory (sim nodes). */
  stateDir?: string;
  nodeId?: string;
  addr?: string;
  /** Overrides executor.describe() (sim nodes with their own hostnames). */
  description?: NodeDescription;
  /** The managers say this node was removed (`node rm --force`): it must leave. */
  onRemoved?(): void;
  /** Told each heartbeat's answer: the role the managers want, whether to renew the certificate. */
  onHeartbeat?(res: HeartbeatResponse): void;
  /** Where the secrets and configs sent with the assignments are kept (in memory only). */
  dependencies?: DependencyStore;
  /** Told when the session starts (its ID) and ends (undefined): what else rides on it (log subscriptions). */
  onSession?(sessionId: string | undefined): void;
  /** The local engine's socket: its plain containers may join attachable swarm networks (container-attachments.ts). */
  engineSocket?: string;
}

/**
 * The worker side of a node: keeps a session with the dispatcher, runs the
 * tasks assigned to this node through the executor, and reports their status.
 * Assignments are persisted so a restarted agent re-attaches to what runs.
 */
export class Agent {
  private runners = new Map<string, TaskRunner>();
  private sessionId?: string;
  private stream?: { close(): void };
  /** Which assignments stream is current (openAssignments). */
  private streamGen = 0;
  private heartbeatTimer?: { cancel(): void };
  private reportTimer?: { cancel(): void };
  private pendingReports = new Map<string, TaskStatus>();
  private stopped = false;
  private file?: AssignmentFile;
  /** Set while a failed save of the assignments waits to be tried again. */
  private persistRetry?: { cancel(): void };
  nodeId?: string;
  /** The overlay networks of this node's tasks (a real executor with a state dir and an underlay address). */
  readonly networks?: TaskNetworks;
  /** Plain containers of the local engine on swarm networks (docker executor). */
  readonly containers?: ContainerAttachments;

  constructor(private opts: AgentOptions) {
    this.nodeId = opts.nodeId;
    if (opts.stateDir) this.file = new AssignmentFile(opts.stateDir);
    if (opts.stateDir && opts.addr && opts.executor.name !== 'sim') this.networks = new TaskNetworks(opts.executor, opts.stateDir, opts.addr, () => this.nodeId);
    if (this.networks && opts.stateDir && opts.engineSocket && opts.executor.name === 'docker') {
      this.containers = new ContainerAttachments({ engine: new EngineClient(opts.engineSocket), networks: this.networks, stateDir: opts.stateDir, rpc: this.attachRpc() });
    }
  }

  async start(): Promise<void> {
    // Tasks from before a restart: re-attach before the managers answer.
    for (const task of (await this.file?.load()) ?? []) this.runnerFor(task);
    await this.adoptRunning();
    const containers = (await this.containers?.load()) ?? [];
    // Network namespaces and links of tasks gone while we were away go; the rest is reused.
    await this.networks?.reconcile([...this.runners.keys(), ...containers]).catch((err) => log.warn({ err: String(err) }, 'reconciling networks failed'));
    this.containers?.start();
    // Registration waits for a leader's dispatcher; the node runs its tasks meanwhile.
    this.connectInBackground();
  }

  async stop(opts: { shutdownTasks?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.opts.onSession?.(undefined);
    this.stream?.close();
    this.heartbeatTimer?.cancel();
    this.containers?.stop();
    this.networks?.close();
    await this.flushReports();
    if (this.persistRetry) {
      // The last save failed: one more try before going away.
      this.persistRetry.cancel();
      this.persistRetry = undefined;
      await this.file?.save(this.tasks()).catch((err) => log.warn({ err: String(err) }, 'saving assignments failed'));
    }
    if (opts.shutdownTasks) {
      await Promise.all([...this.runners.values()].map((r) => r.remove()));
      this.runners.clear();
      await this.networks?.removeAll().catch((err) => log.warn({ err: String(err) }, 'removing networks failed'));
      await this.file?.save([]);
    }
  }

  /** The session calls for plain containers' addresses on swarm networks. */
  private attachRpc() {
    const dispatcher = this.opts.dispatcher;
    const session = () => {
      if (!this.sessionId || !dispatcher.attachNetwork) throw unavailable('this node has no session with the managers now');
      return this.sessionId;
    };
    return {
      attach: async (network: string, containerId: string, aliases: string[], name?: string) =>
        dispatcher.attachNetwork!({ sessionId: session(), network, containerId, aliases, ...(name ? { name } : {}) }),
      detach: async (attachmentId: string) => dispatcher.detachNetwork?.({ sessionId: session(), attachmentId }),
    };
  }

  tasks(): Task[] {
    return [...this.runners.values()].map((r) => r.task);
  }

  /** connect() handles its own failures (it retries); anything else escaping it is a bug, logged loudly. */
  private connectInBackground() {
    this.connect().catch((err) => log.error({ err: String((err as Error)?.stack ?? err) }, 'agent session loop failed'));
  }

  private async connect(): Promise<void> {
    while (!this.stopped) {
      try {
        const description = this.opts.description ?? (await this.opts.executor.describe());
        const res = await this.opts.dispatcher.register({ nodeId: this.nodeId, description, addr: this.opts.addr });
        this.nodeId = res.nodeId;
        this.sessionId = res.sessionId;
        this.openAssignments(res.sessionId);
        this.scheduleHeartbeat(res.heartbeatPeriodMs);
        this.opts.onSession?.(res.sessionId);
        // Anything reported while disconnected goes now.
        for (const r of this.runners.values()) this.pendingReports.set(r.task.ID, r.task.Status);
        this.scheduleReports();
        return;
      } catch (err) {
        if (isRemoved(err)) { log.warn('this node was removed from the swarm'); this.opts.onRemoved?.(); return; }
        log.warn({ err: String(err) }, 'registration failed; retrying');
        await new Promise((r) => this.opts.clock.setTimeout(() => r(undefined), RETRY_MS));
      }
    }
  }

  /** The assignments stream of a session; a stream replaced by a newer one is not heard any more. */
  private openAssignments(sessionId: string) {
    const gen = ++this.streamGen;
    const old = this.stream;
    this.stream = this.opts.dispatcher.assignments(sessionId, {
      onMessage: (m) => { if (gen === this.streamGen) this.onAssignments(m); },
      onClose: (err) => { if (gen === this.streamGen) this.onSessionLost(err); },
    });
    old?.close();
  }

  /** A network view change did not apply to the view held here (a missed message): the complete set again, on a new stream. */
  private resyncAssignments() {
    if (!this.sessionId || this.stopped) return;
    log.warn('a network view change did not apply here; asking for the complete assignments again');
    this.openAssignments(this.sessionId);
  }

  private onSessionLost(err?: Error) {
    if (this.stopped) return;
    log.info({ err: err?.message }, 'session lost; reconnecting');
    this.sessionId = undefined;
    this.opts.onSession?.(undefined);
    this.heartbeatTimer?.cancel();
    this.opts.clock.setTimeout(() => this.connectInBackground(), RETRY_MS);
  }

  private scheduleHeartbeat(periodMs: number) {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = this.opts.clock.setTimeout(() => {
      this.heartbeat().catch((err) => log.error({ err: String((err as Error)?.stack ?? err) }, 'heartbeat handling failed'));
    }, periodMs);
  }

  private async heartbeat() {
    const sid = this.sessionId;
    if (!sid || this.stopped) return;
    let res: HeartbeatResponse;
    try {
      res = await this.opts.dispatcher.heartbeat(sid);
    } catch (err) {
      this.stream?.close();
      this.onSessionLost(err as Error);
      return;
    }
    this.scheduleHeartbeat(res.periodMs);
    this.opts.onHeartbeat?.(res);
  }

  private onAssignments(m: AssignmentsMessage) {
    if (m.type === 'complete') {
      const keep = new Set(m.changes.flatMap((c) => (c.action === 'update' && 'task' in c ? [c.task.ID] : [])));
      for (const [id, r] of this.runners) if (!keep.has(id)) this.dropRunner(id, r);
      // Keys first: an encrypted network's view is programmed with them at hand.
      this.networks?.setKeys(m.changes.flatMap((c) => ('networkKeys' in c && c.networkKeys ? c.networkKeys : [])));
      this.networks?.keepOnly(new Set(m.changes.flatMap((c) => ('network' in c ? [c.network.NetworkID] : []))));
      this.opts.dependencies?.reset(m.changes);
    }
    let resync = false;
    for (const c of m.changes) {
      if (isDependencyChange(c)) { if (m.type === 'incremental') this.opts.dependencies?.apply(c); continue; }
      if ('networkKeys' in c) { if (m.type === 'incremental') this.networks?.setKeys(c.networkKeys ?? []); continue; }
      if ('network' in c) { this.networks?.setView(c.network); continue; }
      if ('networkId' in c) { this.networks?.removeView(c.networkId); continue; }
      if ('networkDelta' in c) { if (this.networks && !this.networks.applyDelta(c.networkDelta)) resync = true; continue; }
      if (c.action === 'remove') {
        const r = this.runners.get(c.taskId);
        if (r) this.dropRunner(c.taskId, r);
      } else {
        const r = this.runners.get(c.task.ID);
        if (r) r.update(c.task);
        else this.runnerFor(c.task);
      }
    }
    this.persist();
    if (resync) this.resyncAssignments();
  }

  private runnerFor(task: Task): TaskRunner {
    const r = new TaskRunner(task, this.opts.executor, this.opts.clock, (id, s) => this.queueReport(id, s), log, this.networks);
    this.runners.set(task.ID, r);
    r.update(task);
    return r;
  }

  private dropRunner(id: string, r: TaskRunner) {
    this.runners.delete(id);
    r.remove()
      .catch((err) => log.warn({ err: String(err), task: id }, 'removing a task failed'))
      .then(() => this.networks?.leave(r.task))
      .catch((err) => log.warn({ err: String(err), task: id }, 'leaving networks failed'));
  }

  /** Tasks whose containers still run (or exited while we were away) get their real state. */
  private async adoptRunning() {
    const known = await this.opts.executor.list().catch(() => []);
    for (const rt of known) {
      const r = this.runners.get(rt.taskId);
      if (!r) continue;
      const st = await this.opts.executor.inspect(r.task).catch(() => undefined);
      if (st) r.adopt(st);
    }
  }

  private queueReport(taskId: string, status: TaskStatus) {
    // An ended task is off its networks (its namespace went with it); the last one takes the network along.
    const task = this.runners.get(taskId)?.task;
    if (this.networks && task && isTerminal(status.State)) this.networks.leave(task).catch((err) => log.warn({ err: String(err), task: taskId }, 'leaving networks failed'));
    this.pendingReports.set(taskId, status);
    this.scheduleReports();
    this.persist();
  }

  private scheduleReports() {
    this.reportTimer ??= this.opts.clock.setTimeout(() => {
      this.reportTimer = undefined;
      this.flushReports().catch((err) => log.error({ err: String((err as Error)?.stack ?? err) }, 'status report failed'));
    }, REPORT_WINDOW_MS);
  }

  private async flushReports() {
    const sid = this.sessionId;
    if (!sid || this.pendingReports.size === 0) return;
    const updates: TaskStatusUpdate[] = [...this.pendingReports].map(([taskId, status]) => ({ taskId, status }));
    this.pendingReports.clear();
    try {
      await this.opts.dispatcher.updateTaskStatus(sid, updates);
    } catch (err) {
      // Keep the newest status of each task for the next session.
      for (const u of updates) if (!this.pendingReports.has(u.taskId)) this.pendingReports.set(u.taskId, u.status);
      log.warn({ err: String(err) }, 'status report failed');
    }
  }

  /**
   * Saves the assignments. A failed write is logged and tried again (with
   * the newest set) a moment later; the agent runs its tasks meanwhile.
   */
  private persist() {
    const file = this.file;
    if (!file) return;
    file.save(this.tasks()).catch((err) => {
      // Calls coalesced into one write share its failure: one warning, one retry.
      if (this.persistRetry || this.stopped) return;
      log.warn({ err: String(err) }, 'saving assignments failed; retrying');
      this.persistRetry = this.opts.clock.setTimeout(() => {
        this.persistRetry = undefined;
        this.persist();
      }, RETRY_MS);
    });
  }
}

/** A refusal saying the node is no longer part of the swarm. */
function isRemoved(err: unknown): boolean {
  const e = err as { code?: number; details?: string; message?: string };
  return e.code === 7 /* PERMISSION_DENIED */ && /removed from the swarm/.test(e.details ?? e.message ?? '');
}
