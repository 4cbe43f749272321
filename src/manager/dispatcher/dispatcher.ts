import { randomBytes } from 'node:crypto';
import { isoNano, type Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import { ApiError } from '../../types/errors.js';
import type {
  AssignmentChange, AssignmentsHandler, DispatcherAPI, HeartbeatResponse, RegisterRequest, RegisterResponse, TaskStatusUpdate,
} from '../../types/dispatcher.js';
import { taskStateRank, type Task } from '../../types/objects.js';
import type { LeaderComponent } from '../component.js';
import { STATUS_WINDOW_MS, writeStatus, type StatusReport } from './task-status.js';
import { REGISTRATION_WINDOW_MS, writeRegistration, type Registration } from './registrations.js';
import { WindowWriter } from './window-writer.js';
import type { StoreEvent } from '../../store/tables.js';
import { certRole, needsRenewal } from '../ca/node-ca.js';
import { NodeDependencies } from './dependencies.js';
import { NetworkViews, VIEW_WINDOW_MS } from './network-views.js';
import { NodeNetworkKeys } from './network-keys.js';
import type { AttachNetworkRequest, AttachNetworkResponse, DetachNetworkRequest } from '../../types/dispatcher.js';
import type { NetworkAttacher } from '../allocator/attachments.js';

const log = logger('dispatcher');
const DEFAULT_HEARTBEAT_MS = 5000;
/** A node is down after this many missed heartbeat periods (swarmkit's grace multiplier). */
const MISSED_HEARTBEATS = 3;
/** Tasks of a node down this long are ORPHANED (swarmkit: 24 h; tests shorten it through the environment). */
const ORPHAN_AFTER_MS = Number(process.env.TSWARM_ORPHAN_AFTER_MS ?? 24 * 3600_000);

interface Session {
  id: string;
  nodeId: string;
  stream?: AssignmentStream;
}

/**
 * The managers' end of agent sessions: registration (batched), heartbeats (a
 * node that misses three is marked down; a heartbeat writes nothing), each
 * node's assignment set (the full set on connect, then only the changes to
 * that node's tasks), and batched task status reports. Leader-only.
 */
export class Dispatcher implements DispatcherAPI, LeaderComponent {
  readonly name = 'dispatcher';
  private sessions = new Map<string, Session>();
  private byNode = new Map<string, Session>();
  /**
   * When each node not yet down will be, unless heard of again: three of the
   * periods it was last told to heartbeat at (a period change reaches a node
   * only with its next heartbeat). A new leader gives every node a full grace.
   */
  private expiry = new Map<string, number>();
  /** When this leader saw each node go down (a new leader starts counting afresh). */
  private downSince = new Map<string, number>();
  private statuses: WindowWriter<StatusReport>;
  private registrations: WindowWriter<Registration>;
  private unwatch?: () => void;
  private expiryTimer?: { cancel(): void };
  private running = false;
  /** The secrets and configs each connected node holds for its tasks. */
  private deps = new NodeDependencies();
  /** The data plane of each network, sent to the nodes that need it (network-views.ts). */
  private networks = new NetworkViews();
  private viewFlush?: { cancel(): void };
  /** The encrypted overlays' keys, held by the nodes on encrypted networks (network-keys.ts). */
  private netKeys = new NodeNetworkKeys();

  constructor(private store: MemoryStore, private clock: Clock, private attacher?: NetworkAttacher) {
    this.statuses = new WindowWriter({ store, clock, windowMs: STATUS_WINDOW_MS, what: 'status', write: writeStatus, keyOf: (r) => r.update.taskId });
    this.registrations = new WindowWriter({ store, clock, windowMs: REGISTRATION_WINDOW_MS, what: 'registration', write: writeRegistration });
  }

  start(): void {
    this.running = true;
    this.networks.load(this.store.view((tx) => tx));
    this.netKeys.load(this.store.view((tx) => tx));
    this.unwatch = this.store.watch((events) => this.onEvents(events), {
      tables: ['tasks', 'nodes', 'services', 'networks', 'netattachments', 'cluster'],
      // Events were dropped: every connected node gets its whole set again.
      onResync: () => {
        this.networks.load(this.store.view((tx) => tx));
        this.netKeys.load(this.store.view((tx) => tx));
        for (const s of this.byNode.values()) if (s.stream) this.sendComplete(s, s.stream);
      },
    });
    const now = this.clock.now();
    for (const n of this.store.view((tx) => tx.nodes.all())) {
      if (n.Status.State !== 'down') this.expiry.set(n.ID, now + this.heartbeatPeriodMs() * MISSED_HEARTBEATS);
      else this.downSince.set(n.ID, now);
    }
    this.scheduleExpiryCheck();
  }

  private onEvents(events: StoreEvent[]) {
    const touched = new Map<string, AssignmentChange[]>();
    const nets = this.networks.apply(events);
    for (const e of events) {
      // A removed node's session ends; its next registration is refused.
      if (e.table === 'nodes') {
        if (e.action === 'remove') this.endSessionOf(e.object.ID, 'node removed');
        continue;
      }
      if (e.table !== 'tasks') continue;
      const t = e.object as Task;
      const old = e.old as Task | undefined;
      if (old?.NodeID && old.NodeID !== t.NodeID) push(touched, old.NodeID, { action: 'remove', taskId: t.ID });
      if (!t.NodeID) continue;
      if (e.action === 'remove') push(touched, t.NodeID, { action: 'remove', taskId: t.ID });
      else if (isAssignable(t) && assignmentChanged(old, t)) push(touched, t.NodeID, { action: 'update', task: t });
    }
    // A node learns of a network before the tasks that need it, and lets it go after them.
    for (const [nodeId, n] of nets) touched.set(nodeId, [...n.updates, ...touched.get(nodeId) ?? [], ...n.removes]);
    if (this.networks.hasPending() && !this.viewFlush) {
      this.viewFlush = this.clock.setTimeout(() => {
        this.viewFlush = undefined;
        for (const [nodeId, changes] of this.networks.flush()) this.byNode.get(nodeId)?.stream?.send({ type: 'incremental', changes });
      }, VIEW_WINDOW_MS);
    }
    // The keys of encrypted networks come before their views, and go after them.
    const keys = this.netKeys.onEvents(events, nets.keys(), this.networks, (nodeId) => !!this.byNode.get(nodeId)?.stream);
    for (const [nodeId, kc] of keys) touched.set(nodeId, [...kc.before, ...touched.get(nodeId) ?? [], ...kc.after]);
    // Likewise of the secrets and configs its tasks reference.
    const deps = this.store.view((tx) => this.deps.onEvents(events, tx));
    for (const [nodeId, dc] of deps) touched.set(nodeId, [...dc.before, ...touched.get(nodeId) ?? [], ...dc.after]);
    for (const [nodeId, changes] of touched) {
      const s = this.byNode.get(nodeId);
      if (s?.stream && changes.length) s.stream.send({ type: 'incremental', changes });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    this.expiryTimer?.cancel();
    this.viewFlush?.cancel();
    this.viewFlush = undefined;
    for (const s of this.sessions.values()) s.stream?.end(new Error('dispatcher stopped'));
    this.sessions.clear();
    this.byNode.clear();
    this.expiry.clear();
    await this.statuses.flush();
  }

  private endSessionOf(nodeId: string, why: string) {
    const s = this.byNode.get(nodeId);
    if (s) {
      s.stream?.end(new Error(why));
      this.sessions.delete(s.id);
      this.byNode.delete(nodeId);
    }
    this.expiry.delete(nodeId);
    this.downSince.delete(nodeId);
    this.deps.forget(nodeId);
    this.netKeys.forget(nodeId);
  }

  heartbeatPeriodMs(): number {
    const ns = this.store.view((tx) => tx.cluster()?.Spec.Dispatcher?.HeartbeatPeriod);
    return ns ? Math.round(ns / 1e6) : DEFAULT_HEARTBEAT_MS;
  }

  async register(req: RegisterRequest): Promise<RegisterResponse> {
    this.ensureRunning();
    const nodeId = req.nodeId ?? newId();
    await this.registrations.add([{ nodeId, req }]);
    this.ensureRunning();
    // One session per node: a new registration replaces the old one.
    this.endSessionOf(nodeId, 'session replaced');
    const sessionId = randomBytes(12).toString('hex');
    const session = { id: sessionId, nodeId };
    this.sessions.set(sessionId, session);
    this.byNode.set(nodeId, session);
    const periodMs = this.heartbeatPeriodMs();
    this.expiry.set(nodeId, this.clock.now() + periodMs * MISSED_HEARTBEATS);
    log.debug({ nodeId }, 'node registered');
    return { nodeId, sessionId, heartbeatPeriodMs: periodMs };
  }

  async heartbeat(sessionId: string): Promise<HeartbeatResponse> {
    const s = this.session(sessionId);
    const periodMs = this.heartbeatPeriodMs();
    this.expiry.set(s.nodeId, this.clock.now() + periodMs * MISSED_HEARTBEATS);
    const { n, cluster } = this.store.view((tx) => ({ n: tx.nodes.get(s.nodeId), cluster: tx.cluster() }));
    return { periodMs, role: n ? certRole(n) : 'worker', renewCertificate: !!n && !!cluster && needsRenewal(cluster, n) };
  }

  assignments(sessionId: string, handler: AssignmentsHandler): { close(): void } {
    const s = this.session(sessionId);
    s.stream?.end(new Error('assignments stream replaced'));
    const stream = new AssignmentStream(handler, () => { if (s.stream === stream) s.stream = undefined; });
    s.stream = stream;
    this.sendComplete(s, stream);
    return { close: () => stream.end() };
  }

  private sendComplete(s: Session, stream: AssignmentStream) {
    const { tasks, deps } = this.store.view((tx) => {
      const assigned = tx.tasks.find({ nodeId: s.nodeId }).filter(isAssignable);
      return { tasks: assigned, deps: this.deps.complete(s.nodeId, assigned, tx) };
    });
    const keys = this.netKeys.complete(s.nodeId, this.networks.needsKeys(s.nodeId));
    stream.send({ type: 'complete', changes: [...keys, ...this.networks.complete(s.nodeId), ...deps, ...tasks.map((task): AssignmentChange => ({ action: 'update', task }))] });
  }

  async updateTaskStatus(sessionId: string, updates: TaskStatusUpdate[]): Promise<void> {
    const s = this.session(sessionId);
    await this.statuses.add(updates.map((update) => ({ nodeId: s.nodeId, update })));
  }

  /** A plain container's address on an attachable network, for the session's node. */
  async attachNetwork(req: AttachNetworkRequest): Promise<AttachNetworkResponse> {
    const s = this.session(req.sessionId);
    if (!this.attacher) throw new ApiError(501, 'attaching containers to swarm networks: not supported by this manager');
    return this.attacher.attach(s.nodeId, req);
  }

  async detachNetwork(req: DetachNetworkRequest): Promise<void> {
    const s = this.session(req.sessionId);
    await this.attacher?.detach(s.nodeId, req.attachmentId);
  }

  /** The node that opened a session, undefined for an unknown one (the cluster port refuses other nodes' sessions). */
  sessionNode(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.nodeId;
  }

  private session(sessionId: string): Session {
    this.ensureRunning();
    const s = this.sessions.get(sessionId);
    if (!s) throw new ApiError(404, 'session invalid');
    return s;
  }

  private ensureRunning() {
    if (!this.running) throw new ApiError(503, 'dispatcher is stopped');
  }

  private scheduleExpiryCheck() {
    if (!this.running) return;
    const period = this.heartbeatPeriodMs();
    // Checked several times a period, so a node is Down close to 3 periods after its last heartbeat, not 4.
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expireSessions().then(() => this.orphanTasks())
        .catch((err) => log.error({ err: String(err) }, 'checking heartbeats failed'))
        .finally(() => this.scheduleExpiryCheck());
    }, Math.min(period / 5, 500));
  }

  /** Tasks still live on a node that stayed down past the threshold are ORPHANED: nobody will report on them. */
  private async orphanTasks() {
    const now = this.clock.now();
    const gone = [...this.downSince].filter(([, t]) => now - t >= ORPHAN_AFTER_MS).map(([id]) => id);
    if (gone.length === 0) return;
    try {
      await this.store.batch((b) => {
        for (const nodeId of gone) {
          b.update((tx) => {
            for (const t of tx.tasks.find({ nodeId })) {
              if (taskStateRank(t.Status.State) > taskStateRank('running')) continue;
              tx.update('tasks', { ...t, Status: { ...t.Status, State: 'orphaned', Message: 'node is down', Timestamp: isoNano(now) } });
            }
          });
        }
      });
      for (const id of gone) this.downSince.delete(id);
    } catch (err) {
      log.warn({ err: String(err) }, 'orphaning tasks failed; retrying');
    }
  }

  /**
   * Nodes not heard of for MISSED_HEARTBEATS periods are marked down and
   * their sessions closed. A node is forgotten only once the store says it
   * is down: a failed write is tried again at the next check.
   */
  private async expireSessions() {
    const now = this.clock.now();
    const late = [...this.expiry].filter(([, t]) => now > t).map(([id]) => id);
    if (late.length === 0) return;
    for (const id of late) {
      const s = this.byNode.get(id);
      if (s) { this.sessions.delete(s.id); this.byNode.delete(id); s.stream?.end(new Error('heartbeat expired')); }
    }
    try {
      await this.store.batch((b) => {
        for (const id of late) {
          b.update((tx) => {
            const n = tx.nodes.get(id);
            if (!n || n.Status.State === 'down' || this.byNode.has(id)) return;
            tx.update('nodes', { ...n, Status: { ...n.Status, State: 'down', Message: 'heartbeat failure' } });
          });
        }
      });
    } catch (err) {
      log.warn({ err: String(err), nodes: late.length }, 'marking nodes down failed; retrying');
      return;
    }
    for (const id of late) {
      // A node that registered again meanwhile is alive.
      if (this.byNode.has(id)) continue;
      this.expiry.delete(id);
      this.downSince.set(id, now);
    }
  }
}

/** A task belongs in a node's assignment set once scheduled there and until it is removed. */
function isAssignable(t: Task): boolean {
  return taskStateRank(t.Status.State) >= taskStateRank('assigned');
}

/** Agents care about the spec and desired state, not about their own status echoes. */
function assignmentChanged(old: Task | undefined, t: Task): boolean {
  if (!old || !isAssignable(old)) return true;
  return old.DesiredState !== t.DesiredState || old.SpecVersion?.Index !== t.SpecVersion?.Index
    || old.Spec !== t.Spec && JSON.stringify(old.Spec) !== JSON.stringify(t.Spec);
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const a = m.get(k);
  if (a) a.push(v); else m.set(k, [v]);
}

/** One node's assignment stream; messages are delivered asynchronously, in order. */
class AssignmentStream {
  private closed = false;
  constructor(private handler: AssignmentsHandler, private onEnd: () => void) {}
  send(m: Parameters<AssignmentsHandler['onMessage']>[0]) {
    if (this.closed) return;
    queueMicrotask(() => { if (!this.closed) this.handler.onMessage(m); });
  }
  end(err?: Error) {
    if (this.closed) return;
    this.closed = true;
    this.onEnd();
    queueMicrotask(() => this.handler.onClose(err));
  }
}
