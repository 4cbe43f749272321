import type { ControlAPI } from '../manager/controlapi/api.js';
import type { MemoryStore } from '../store/store.js';
import { logger } from '../log.js';
import type { DashboardInfo, LiveDelta, LiveMessage, LiveSnapshot, NodeView } from './live-types.js';
import { isCurrentTask, nodeView, serviceView, taskView } from './live-views.js';

const log = logger('dashboard');

/** What the hub reads: this manager's store (undefined elsewhere) and its control API. */
export interface LiveSource {
  store(): MemoryStore | undefined;
  /** Throws (503) when this node is not a manager. */
  control(): ControlAPI;
  info(): Omit<DashboardInfo, 'actions'>;
}

export interface LiveClient {
  /** A message as JSON text (serialized once for every page). */
  send(json: string): void;
}

export interface LiveHubOptions {
  /** Changes are gathered this long and sent as one delta (the latest of each object). */
  flushMs: number;
  /** How often the hub looks for a manager that started or stopped, and for Raft leadership moving. */
  checkMs: number;
}

type Table = 'nodes' | 'services' | 'tasks';

/**
 * The dashboard's live state: a snapshot for each page that connects, then
 * deltas from the store's watch, coalesced. Swarm events (GET /events) carry
 * nodes and services but not tasks, whose every state change the page shows,
 * so the hub watches the store as the orchestrator does. It works only while
 * pages are connected.
 */
export class LiveHub {
  private clients = new Set<LiveClient>();
  private store?: MemoryStore;
  private unwatch?: () => void;
  private pending: Record<Table, Set<string>> = { nodes: new Set(), services: new Set(), tasks: new Set() };
  private liveTasks = new Set<string>();
  /** Each manager's leadership and reachability as last sent (Raft's, not in the store). */
  private managerKeys = new Map<string, string>();
  private flushTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private lastInfo = '';

  constructor(private src: LiveSource, private actions: boolean, private opts: LiveHubOptions = { flushMs: 150, checkMs: 1000 }) {}

  /** A page connected: it gets the snapshot now and every delta after it. Returns its goodbye. */
  add(client: LiveClient): () => void {
    this.clients.add(client);
    if (this.clients.size === 1) {
      this.attach();
      this.checkTimer = setInterval(() => this.check(), this.opts.checkMs).unref();
    }
    client.send(JSON.stringify(this.snapshot()));
    return () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.detach();
    };
  }

  close(): void {
    this.clients.clear();
    this.detach();
  }

  private attach(): void {
    const store = this.src.store();
    if (store === this.store && this.unwatch) return;
    this.unwatch?.();
    this.unwatch = undefined;
    this.store = store;
    if (!store) return;
    this.unwatch = store.watch((events) => {
      for (const e of events) if (e.table in this.pending) this.pending[e.table as Table].add(e.object.ID);
      this.scheduleFlush();
    }, { tables: ['nodes', 'services', 'tasks'], onResync: () => this.broadcastSnapshot() });
  }

  private detach(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.store = undefined;
    clearInterval(this.checkTimer);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const t of Object.values(this.pending)) t.clear();
  }

  /** The manager came or went (init, join, leave, demotion), or leadership moved. */
  private check(): void {
    const info = JSON.stringify(this.src.info());
    if (this.src.store() !== this.store || info !== this.lastInfo) {
      this.attach();
      this.broadcastSnapshot();
      return;
    }
    if (!this.store) return;
    const changed = this.managers().filter((n) => this.managerKeys.get(n.ID) !== managerKey(n));
    if (changed.length === 0) return;
    for (const n of changed) this.managerKeys.set(n.ID, managerKey(n));
    this.broadcast({ kind: 'delta', nodes: changed, services: [], tasks: [], removed: { nodes: [], services: [], tasks: [] } });
  }

  private managers(): NodeView[] {
    try {
      return this.src.control().listNodes({ role: ['manager'] }).map(nodeView);
    } catch {
      return [];
    }
  }

  private snapshot(): LiveSnapshot {
    const info = this.src.info();
    this.lastInfo = JSON.stringify(info);
    const empty: LiveSnapshot = { kind: 'snapshot', info: { ...info, actions: this.actions }, nodes: [], services: [], tasks: [] };
    const store = this.store;
    if (!store) return empty;
    let nodes: NodeView[];
    try {
      nodes = this.src.control().listNodes({}).map(nodeView);
    } catch (err) {
      return { ...empty, info: { ...empty.info, manager: false, message: (err as Error).message } };
    }
    for (const n of nodes) if (n.Role === 'manager' || n.Leader !== undefined) this.managerKeys.set(n.ID, managerKey(n));
    return store.view((tx) => {
      const tasks = tx.tasks.all().filter(isCurrentTask);
      this.liveTasks = new Set(tasks.map((t) => t.ID));
      return { ...empty, nodes, services: tx.services.all().map(serviceView), tasks: tasks.map(taskView) };
    });
  }

  private broadcastSnapshot(): void {
    for (const t of Object.values(this.pending)) t.clear();
    if (this.clients.size === 0) return;
    const snap = JSON.stringify(this.snapshot());
    for (const c of this.clients) c.send(snap);
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      try {
        this.flush();
      } catch (err) {
        log.warn({ err: String(err) }, 'live delta failed; sending a snapshot');
        this.broadcastSnapshot();
      }
    }, this.opts.flushMs);
  }

  private flush(): void {
    const store = this.store;
    if (!store) return;
    const { nodes: nodeIds, services: serviceIds, tasks: taskIds } = this.pending;
    const delta: LiveDelta = { kind: 'delta', nodes: [], services: [], tasks: [], removed: { nodes: [], services: [], tasks: [] } };
    if (nodeIds.size > 0) {
      // Through the control API: managers carry their live Raft status there.
      const byId = new Map(this.src.control().listNodes({}).map((n) => [n.ID, n]));
      for (const id of nodeIds) {
        const n = byId.get(id);
        if (n) delta.nodes.push(nodeView(n)); else delta.removed.nodes.push(id);
      }
    }
    store.view((tx) => {
      for (const id of serviceIds) {
        const s = tx.services.get(id);
        if (s) delta.services.push(serviceView(s)); else delta.removed.services.push(id);
      }
      for (const id of taskIds) {
        const t = tx.tasks.get(id);
        if (t && isCurrentTask(t)) {
          this.liveTasks.add(id);
          delta.tasks.push(taskView(t));
        } else if (this.liveTasks.delete(id)) {
          delta.removed.tasks.push(id);
        }
      }
    });
    for (const t of Object.values(this.pending)) t.clear();
    const { removed } = delta;
    const empty = !delta.nodes.length && !delta.services.length && !delta.tasks.length && !removed.nodes.length && !removed.services.length && !removed.tasks.length;
    if (!empty) this.broadcast(delta);
  }

  private broadcast(m: LiveMessage): void {
    const json = JSON.stringify(m);
    for (const c of this.clients) c.send(json);
  }
}

const managerKey = (n: NodeView) => `${n.Leader}/${n.Reachability}`;
