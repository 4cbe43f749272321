import type { ReadTx } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import type { AssignmentChange } from '../../types/dispatcher.js';
import { taskStateRank, type Task } from '../../types/objects.js';
import type { Config, Secret } from '../../types/secrets.js';

/** What a node is sent around its task changes: dependencies it gains first, those it loses last. */
export interface DependencyChanges { before: AssignmentChange[]; after: AssignmentChange[] }

/** `s:<id>` for a secret, `c:<id>` for a config. */
type Key = string;

interface NodeState { tasks: Map<string, Key[]>; counts: Map<Key, number> }

/**
 * Which secrets and configs each connected node holds: those referenced by
 * its tasks that are assigned and have not ended (swarmkit sends a task's
 * dependencies with it and takes them back when no task there needs them).
 * Counted per node, so a node gets each once and loses it with the last task.
 */
export class NodeDependencies {
  private nodes = new Map<string, NodeState>();

  /** The dependencies of a node's full assignment set; its counts start again from these tasks. */
  complete(nodeId: string, tasks: Task[], tx: ReadTx): AssignmentChange[] {
    const st: NodeState = { tasks: new Map(), counts: new Map() };
    this.nodes.set(nodeId, st);
    const out: AssignmentChange[] = [];
    for (const t of tasks) {
      const keys = needs(t) ? keysOf(t) : [];
      st.tasks.set(t.ID, keys);
      for (const k of keys) if (inc(st, k) === 1) push(out, k, tx, 'update');
    }
    return out;
  }

  forget(nodeId: string) { this.nodes.delete(nodeId); }

  /** The dependency changes that task events bring to connected nodes. */
  onEvents(events: StoreEvent[], tx: ReadTx): Map<string, DependencyChanges> {
    const out = new Map<string, DependencyChanges>();
    const changesOf = (n: string) => { let c = out.get(n); if (!c) out.set(n, c = { before: [], after: [] }); return c; };
    for (const e of events) {
      if (e.table !== 'tasks') continue;
      const t = e.object as Task;
      const old = e.old as Task | undefined;
      if (old?.NodeID && old.NodeID !== t.NodeID) this.set(old.NodeID, t.ID, [], tx, changesOf);
      if (!t.NodeID) continue;
      this.set(t.NodeID, t.ID, e.action !== 'remove' && needs(t) ? keysOf(t) : [], tx, changesOf);
    }
    return out;
  }

  private set(nodeId: string, taskId: string, keys: Key[], tx: ReadTx, changesOf: (n: string) => DependencyChanges) {
    const st = this.nodes.get(nodeId);
    if (!st) return; // not connected: its next full set counts afresh
    const prev = st.tasks.get(taskId) ?? [];
    if (prev.length === 0 && keys.length === 0) return;
    if (keys.length) st.tasks.set(taskId, keys); else st.tasks.delete(taskId);
    for (const k of keys) if (inc(st, k) === 1) push(changesOf(nodeId).before, k, tx, 'update');
    for (const k of prev) {
      const n = (st.counts.get(k) ?? 0) - 1;
      if (n > 0) { st.counts.set(k, n); continue; }
      st.counts.delete(k);
      push(changesOf(nodeId).after, k, tx, 'remove');
    }
  }
}

/** A task holds its dependencies from assignment until it ends. */
function needs(t: Task): boolean {
  const r = taskStateRank(t.Status.State);
  return r >= taskStateRank('assigned') && r <= taskStateRank('running');
}

function keysOf(t: Task): Key[] {
  const cs = t.Spec.ContainerSpec;
  const keys = new Set<Key>();
  for (const s of cs?.Secrets ?? []) if (s.SecretID) keys.add(`s:${s.SecretID}`);
  for (const c of cs?.Configs ?? []) if (c.ConfigID) keys.add(`c:${c.ConfigID}`);
  return [...keys];
}

function inc(st: NodeState, k: Key): number {
  const n = (st.counts.get(k) ?? 0) + 1;
  st.counts.set(k, n);
  return n;
}

function push(out: AssignmentChange[], k: Key, tx: ReadTx, action: 'update' | 'remove') {
  const id = k.slice(2);
  if (k[0] === 's') {
    if (action === 'remove') { out.push({ action, secretId: id }); return; }
    const secret = tx.table('secrets').get(id) as Secret | undefined;
    if (secret) out.push({ action, secret });
  } else {
    if (action === 'remove') { out.push({ action, configId: id }); return; }
    const config = tx.table('configs').get(id) as Config | undefined;
    if (config) out.push({ action, config });
  }
}
