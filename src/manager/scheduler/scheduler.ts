import { isoNano, type Clock } from '../../clock.js';
import type { ReadTx, WriteTx } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import type { Node, Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { forEachSlice } from '../slices.js';
import { explain, failedDynamicFilter, failedStaticFilter, type FilterName, type NodeInfo } from './filters.js';
import { Heap } from './heap.js';
import { NodeSet } from './node-set.js';
import { SpreadTree } from './spread.js';

const FULL_PASS_MS = 30_000;
/** Pending tasks arriving within this window are placed together (swarmkit debounces its scheduler too). */
const WINDOW_MS = 20;
/** Tasks placed in one pass at most: 2,000 held the event loop 60-70 ms on a 2-core machine (the API waits behind it). */
const MAX_PER_PASS = 1000;
/** Tasks counted per read when the node set is rebuilt. */
const REBUILD_SLICE = 10_000;

const waitsForNode = (t: Task) => t.Status.State === 'pending' && (t.DesiredState === 'running' || t.DesiredState === 'ready' || t.DesiredState === 'complete');

interface Decision { taskId: string; nodeId?: string; err?: string }

/**
 * Assigns pending tasks to nodes: the filters, then the placement
 * preferences' spread tree, then spread (fewest tasks of the service, then
 * fewest tasks overall). Keeps an incremental node set from store events;
 * tasks of one service version are placed together (filters that depend only
 * on the spec run once per node and group, then a heap hands out nodes), and
 * the decisions are committed in bounded batches.
 */
export class Scheduler extends Reconciler {
  readonly name = 'scheduler';
  private clock: Clock;
  private nodes = new NodeSet();
  private pending = new Set<string>();
  /** Tasks nothing fitted: tried again when room appears (a node changes, a task leaves one). */
  private unschedulable = new Set<string>();
  /** Nodes passing the spec-only filters, per group, until a node changes. */
  private staticFit = new Map<string, { eligible: NodeInfo[]; failures: Map<FilterName, number> }>();

  constructor(deps: ComponentDeps) {
    super(deps.store, ['tasks', 'nodes'], { clock: deps.clock, fullEveryMs: FULL_PASS_MS, windowMs: WINDOW_MS });
    this.clock = deps.clock;
  }

  protected override onEvents(events: StoreEvent[]): void {
    let room = false;
    for (const e of events) {
      if (e.table === 'nodes') {
        if (e.action === 'remove') this.nodes.removeNode(e.object.ID); else this.nodes.setNode(e.object as Node);
        this.staticFit.clear();
        room = true;
        continue;
      }
      const t = e.object as Task;
      if (e.action === 'remove') {
        room = this.nodes.forget(t.ID) || room;
        this.pending.delete(t.ID);
        this.unschedulable.delete(t.ID);
        continue;
      }
      room = this.nodes.track(t) || room;
      if (!waitsForNode(t)) { this.pending.delete(t.ID); this.unschedulable.delete(t.ID); } else if (!this.unschedulable.has(t.ID)) this.pending.add(t.ID);
    }
    if (room && this.unschedulable.size > 0) {
      for (const id of this.unschedulable) this.pending.add(id);
      this.unschedulable.clear();
    }
    if (this.pending.size > 0) this.kick();
  }

  protected async reconcile(full: boolean): Promise<void> {
    if (full) await this.rebuild();
    if (this.pending.size === 0) return;
    // A bounded slice per pass: the API and heartbeats share this event loop.
    const ids = new Set<string>();
    for (const id of this.pending) {
      if (ids.size >= MAX_PER_PASS) break;
      ids.add(id);
    }
    for (const id of ids) this.pending.delete(id);
    const decisions = this.store.view((tx) => this.decide(tx, ids));
    const now = isoNano(this.clock.now());
    await this.store.batch((b) => {
      for (const d of decisions) b.update((tx) => this.commit(tx, d, now));
    });
    if (this.pending.size > 0) this.kick();
  }

  /**
   * Counts every task on its node anew, a slice of tasks per read with a yield
   * between (100,000 tasks in one read held the event loop for 100-250 ms).
   * Each slice reads the tasks as they are then; events between slices track
   * newer versions, which a later slice reads too: tracking is keyed by task.
   */
  private async rebuild() {
    this.staticFit.clear();
    this.nodes.clear();
    this.unschedulable.clear();
    const ids = this.store.view((tx) => {
      for (const n of tx.nodes.all()) this.nodes.setNode(n);
      return tx.tasks.all().map((t) => t.ID);
    });
    await forEachSlice(ids, REBUILD_SLICE, (slice) => this.store.view((tx) => {
      for (const id of slice) { const t = tx.tasks.get(id); if (t) this.nodes.track(t); }
    }));
    this.pending = new Set(this.store.view((tx) => tx.tasks.by('state', 'pending').filter(waitsForNode).map((t) => t.ID)));
  }

  private commit(tx: WriteTx, d: Decision, now: string) {
    const cur = tx.tasks.get(d.taskId);
    if (!cur || !waitsForNode(cur)) {
      if (d.nodeId) this.nodes.forget(d.taskId);
      return;
    }
    if (d.nodeId) {
      tx.update('tasks', { ...cur, NodeID: d.nodeId, Status: { State: 'assigned', Message: 'scheduler assigned task to node', Timestamp: now } });
    } else if (cur.Status.Err !== d.err) {
      tx.update('tasks', { ...cur, Status: { ...cur.Status, Err: d.err, Timestamp: now } });
    }
  }

  /** Places the tasks (counting each placement in the node set at once) and returns the decisions. */
  private decide(tx: ReadTx, ids: Set<string>): Decision[] {
    const out: Decision[] = [];
    const groups = new Map<string, Task[]>();
    for (const id of ids) {
      const t = tx.tasks.get(id);
      if (!t || !waitsForNode(t)) continue;
      // A global task comes with its node: only that node is checked.
      const key = t.NodeID ? `${t.ServiceID}\0node\0${t.NodeID}` : `${t.ServiceID}\0${t.SpecVersion?.Index ?? ''}`;
      const g = groups.get(key);
      if (g) g.push(t); else groups.set(key, [t]);
    }
    for (const [key, group] of groups) {
      const t0 = group[0];
      const fit = this.fitting(key, t0);
      const eligible = fit.eligible;
      const failures = new Map(fit.failures);
      const placed = t0.Spec.Placement?.Preferences?.length
        ? this.placeWithPreferences(group, eligible, failures)
        : this.placeSpread(group, eligible, failures);
      for (const d of placed) {
        if (!d.nodeId) this.unschedulable.add(d.taskId);
        out.push(d);
      }
    }
    return out;
  }

  /** The nodes that pass the filters depending only on the node and the spec (same for the whole group). */
  private fitting(key: string, t0: Task) {
    let fit = this.staticFit.get(key);
    if (fit) return fit;
    const candidates = t0.NodeID ? [this.nodes.infos.get(t0.NodeID)].filter((x): x is NodeInfo => !!x) : [...this.nodes.infos.values()];
    fit = { eligible: [], failures: new Map() };
    for (const info of candidates) {
      const f = failedStaticFilter(info, t0);
      if (f) fit.failures.set(f, (fit.failures.get(f) ?? 0) + 1); else fit.eligible.push(info);
    }
    if (this.staticFit.size >= 1000) this.staticFit.clear(); // one entry per service version: old ones go
    if (!t0.NodeID) this.staticFit.set(key, fit);
    return fit;
  }

  /** Spread: the node with the fewest tasks of the service, then the fewest tasks, then the lowest ID. */
  private placeSpread(group: Task[], eligible: NodeInfo[], failures: Map<FilterName, number>): Decision[] {
    const sid = group[0].ServiceID;
    // The service's count on each node, read once: the heap compares it often.
    const ofService = new Map<NodeInfo, number>();
    const heap = new Heap<NodeInfo>((a, b) => spreadsBetter(a, ofService.get(a)!, b, ofService.get(b)!));
    for (const info of eligible) { ofService.set(info, info.byService.get(sid) ?? 0); heap.push(info); }
    const out: Decision[] = [];
    for (const t of group) {
      let chosen: NodeInfo | undefined;
      // A node that does not fit one task of the group fits none of the later ones (it only fills up): it leaves the heap.
      for (let info = heap.pop(); info && !chosen; info = chosen ? undefined : heap.pop()) {
        const f = failedDynamicFilter(info, t);
        if (!f) chosen = info; else failures.set(f, (failures.get(f) ?? 0) + 1);
      }
      if (!chosen) { out.push({ taskId: t.ID, err: explain(failures) }); continue; }
      this.nodes.count(t, chosen.node.ID);
      ofService.set(chosen, ofService.get(chosen)! + 1);
      heap.push(chosen);
      out.push({ taskId: t.ID, nodeId: chosen.node.ID });
    }
    return out;
  }

  /** Placement preferences: the spread tree decides first, then spread; each task looks at every eligible node. */
  private placeWithPreferences(group: Task[], eligible: NodeInfo[], failures: Map<FilterName, number>): Decision[] {
    const spread = new SpreadTree(eligible);
    const out: Decision[] = [];
    for (const t of group) {
      let best: NodeInfo | undefined;
      // Each task looks at every node again: its explanation counts each node once.
      const failed = new Map(failures);
      for (const info of eligible) {
        const f = failedDynamicFilter(info, t);
        if (f) { failed.set(f, (failed.get(f) ?? 0) + 1); continue; }
        if (!best || better(info, best, t, spread)) best = info;
      }
      if (!best) { out.push({ taskId: t.ID, err: explain(failed) }); continue; }
      this.nodes.count(t, best.node.ID);
      spread.add(best, t);
      out.push({ taskId: t.ID, nodeId: best.node.ID });
    }
    return out;
  }
}

function better(a: NodeInfo, b: NodeInfo, t: Task, spread: SpreadTree): boolean {
  const pref = spread.compare(a, b, t);
  if (pref !== 0) return pref < 0;
  return spreadsBetter(a, a.byService.get(t.ServiceID) ?? 0, b, b.byService.get(t.ServiceID) ?? 0);
}

/** Spread's order: fewer tasks of the service (sa, sb), then fewer tasks, then the lower node ID. */
function spreadsBetter(a: NodeInfo, sa: number, b: NodeInfo, sb: number): boolean {
  if (sa !== sb) return sa < sb;
  if (a.tasks !== b.tasks) return a.tasks < b.tasks;
  return a.node.ID < b.node.ID;
}
