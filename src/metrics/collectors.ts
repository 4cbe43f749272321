import client from 'prom-client';
import type { MemoryStore } from '../store/store.js';
import { TABLES, type TableName } from '../store/tables.js';
import { TASK_STATES } from '../types/objects.js';
import { registry } from './registry.js';

/** What the scrape reads from the daemon, whatever its role is now. */
export interface MetricsSource {
  /** The manager's store; undefined on a worker or outside a swarm. */
  store(): MemoryStore | undefined;
  isManager(): boolean;
  isLeader(): boolean;
  node(): { nodeId: string; swarmId: string } | undefined;
  raft(): { term: number; commit: number } | undefined;
}

const NODE_STATES = ['unknown', 'down', 'ready', 'disconnected'] as const;
/** The tables counted as plain totals (swarmkit: services, networks, secrets, configs), where the store has them. */
const TOTALS = ['services', 'networks', 'secrets', 'configs'] as const;

let source: MetricsSource | undefined;

/** Points the scrape-time collectors at the daemon (once per process). */
export function collectFrom(s: MetricsSource): void {
  source = s;
}

new client.Gauge({
  name: 'swarm_manager_nodes', help: 'The number of nodes', labelNames: ['state'], registers: [registry],
  collect() {
    this.reset();
    const store = source?.store();
    if (!store) return;
    const counts = new Map<string, number>(NODE_STATES.map((s) => [s, 0]));
    store.view((tx) => { for (const n of tx.nodes.all()) counts.set(n.Status.State, (counts.get(n.Status.State) ?? 0) + 1); });
    for (const [state, n] of counts) this.set({ state }, n);
  },
});

new client.Gauge({
  name: 'swarm_manager_tasks_total', help: 'The number of tasks in the cluster object store', labelNames: ['state'], registers: [registry],
  collect() {
    this.reset();
    const store = source?.store();
    if (!store) return;
    store.view((tx) => { for (const state of TASK_STATES) this.set({ state }, tx.tasks.count('state', state)); });
  },
});

for (const table of TOTALS) {
  new client.Gauge({
    name: `swarm_manager_${table}_total`, help: `The number of ${table} in the cluster object store`, registers: [registry],
    collect() {
      this.reset();
      const store = source?.store();
      if (store && (TABLES as readonly string[]).includes(table)) this.set(store.count(table as TableName));
    },
  });
}

new client.Gauge({
  name: 'swarm_manager_leader', help: 'Indicates if this manager node is a leader', registers: [registry],
  collect() { this.set(source?.isLeader() ? 1 : 0); },
});

new client.Gauge({
  name: 'swarm_node_manager', help: 'Whether this node is a manager or not', registers: [registry],
  collect() { this.set(source?.isManager() ? 1 : 0); },
});

new client.Gauge({
  name: 'swarm_node_info', help: 'Information related to the swarm', labelNames: ['swarm_id', 'node_id'], registers: [registry],
  collect() {
    this.reset();
    const n = source?.node();
    if (n) this.set({ swarm_id: n.swarmId, node_id: n.nodeId }, 1);
  },
});

new client.Gauge({
  name: 'tswarm_raft_term', help: 'The Raft term this manager is in.', registers: [registry],
  collect() { this.reset(); const r = source?.raft(); if (r) this.set(r.term); },
});

new client.Gauge({
  name: 'tswarm_raft_commit_index', help: 'The highest Raft log index this manager knows committed.', registers: [registry],
  collect() { this.reset(); const r = source?.raft(); if (r) this.set(r.commit); },
});
