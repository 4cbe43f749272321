import type { Clock } from '../../clock.js';
import type { ReadTx } from '../../store/store.js';
import { slotKey, type StoreEvent } from '../../store/tables.js';
import { isTerminal, type Node, type Service, type Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { forEachSlice } from '../slices.js';
import { Actions, currentOf, globalEligible, nodeLost, type Action } from './actions.js';
import { isJob } from './job.js';
import { DelayedStarts } from './delayed-starts.js';
import { RestartSupervisor } from './restart.js';
import { isCurrent, SlotGroups, slotsOf, type Slot } from './slots.js';

/** The safety net under the event-driven passes. */
const FULL_PASS_MS = 30_000;
/** Slots checked for healing per synchronous slice: a 100,000-task service must not hold the event loop for 100+ ms. */
const HEAL_SLICE = 5_000;
/** Tasks grouped into slots per synchronous slice in a full pass. */
const GROUP_SLICE = 10_000;

/**
 * The replicated and global orchestrators: keeps each service's slots (or
 * nodes) filled with one current task, replaces tasks on lost or drained
 * nodes, restarts tasks per restart policy, and scales down. Spec changes of
 * running tasks are the updater's job.
 *
 * Event-driven: a service's change reconciles that service, a node's change
 * the tasks on that node and the global services' slot there, a task that
 * stopped its own slot. Plans are read from the store, then written in
 * bounded batches whose actions check again that they still apply.
 */
export class Orchestrator extends Reconciler {
  readonly name = 'orchestrator';
  private restarts: RestartSupervisor;
  private actions: Actions;
  private delayed: DelayedStarts;
  private dirtyServices = new Set<string>();
  private dirtyNodes = new Set<string>();
  private dirtyTasks = new Set<string>();

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services', 'tasks', 'nodes'], { clock: deps.clock, fullEveryMs: FULL_PASS_MS });
    this.clock = deps.clock;
    this.delayed = new DelayedStarts(deps.store, deps.clock, 'running', () => this.requestFull());
    this.restarts = new RestartSupervisor(deps.clock);
    this.actions = new Actions(deps.clock, (t) => this.startAfterDelay(t));
  }
  private clock: Clock;

  override async stop(): Promise<void> {
    await super.stop();
    this.delayed.cancelAll();
  }

  protected override onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'services') this.dirtyServices.add(e.object.ID);
      else if (e.table === 'nodes') this.dirtyNodes.add(e.object.ID);
      else if (e.action !== 'remove' && isCurrent(e.object as Task) && isTerminal((e.object as Task).Status.State)) this.dirtyTasks.add(e.object.ID);
    }
    if (this.dirtyServices.size + this.dirtyNodes.size + this.dirtyTasks.size > 0) this.kick();
  }

  protected async reconcile(full: boolean): Promise<void> {
    const services = this.dirtyServices;
    const nodes = this.dirtyNodes;
    const tasks = this.dirtyTasks;
    this.dirtyServices = new Set();
    this.dirtyNodes = new Set();
    this.dirtyTasks = new Set();
    const plan: Action[] = [];
    this.healChecks = [];
    if (full) await this.planAll(plan);
    else {
      for (const id of services) await this.planServiceInSlices(id, plan);
      this.store.view((tx) => {
        for (const id of nodes) this.planNode(tx, id, plan);
        for (const id of tasks) this.planTask(tx, id, plan);
      });
    }
    await this.planHealsInSlices(plan);
    if (plan.length > 0) await this.store.batch((b) => { for (const a of plan) b.update(a); });
  }

  /** Replicated slots whose current task is checked for healing after the pass's first read, in slices. */
  private healChecks: { s: Service; t: Task }[] = [];

  private async planHealsInSlices(plan: Action[]) {
    const checks = this.healChecks;
    this.healChecks = [];
    // A later read than the plan's: the actions check again in the batch that they still apply.
    await forEachSlice(checks, HEAL_SLICE, (slice) => this.store.view((tx) => {
      for (const c of slice) this.planHeal(tx, c.s, c.t, plan);
    }));
  }

  /** Everything, a service per read with a yield between (each read walks that service's tasks). */
  private async planAll(plan: Action[]) {
    const all = this.store.view((tx) => tx.tasks.all());
    await forEachSlice(all, GROUP_SLICE, (slice) => this.store.view((tx) => {
      for (const t of slice) {
        if (t.DesiredState !== 'remove' && !tx.services.get(t.ServiceID)) plan.push(this.actions.stop(t.ID, 'remove'));
      }
    }));
    const serviceIds = this.store.view((tx) => {
      // Tasks left 'ready' by a previous leader still need their start.
      for (const t of tx.tasks.find({ desiredState: 'ready' })) if (!this.delayed.has(t.ID) && !t.JobIteration) this.startAfterDelay(t);
      return tx.services.all().map((s) => s.ID);
    });
    for (const id of serviceIds) {
      await new Promise<void>((r) => setImmediate(r));
      await this.planServiceInSlices(id, plan);
    }
  }

  /**
   * One service. A replicated service's tasks are read at once (the array is
   * one consistent read) and grouped into slots in slices with yields between:
   * a 100,000-task service is planned without holding the event loop.
   */
  private async planServiceInSlices(id: string, plan: Action[]) {
    const read = this.store.view((tx) => {
      const s = tx.services.get(id);
      return s?.Spec.Mode?.Replicated ? { s, tasks: tx.tasks.find({ serviceId: id }) } : undefined;
    });
    if (!read) {
      this.store.view((tx) => this.planService(tx, id, plan));
      return;
    }
    const groups = new SlotGroups(read.s);
    await forEachSlice(read.tasks, GROUP_SLICE, (slice) => groups.add(slice));
    this.planReplicated(read.s, groups.done(), plan);
  }

  private planService(tx: ReadTx, serviceId: string, plan: Action[]) {
    const s = tx.services.get(serviceId);
    const tasks = tx.tasks.find({ serviceId });
    if (!s) {
      for (const t of tasks) if (t.DesiredState !== 'remove') plan.push(this.actions.stop(t.ID, 'remove'));
      return;
    }
    const slots = slotsOf(s, tasks);
    if (s.Spec.Mode?.Global) this.planGlobal(tx, s, slots, plan);
    else if (s.Spec.Mode?.Replicated) this.planReplicated(s, slots, plan);
  }

  private planReplicated(s: Service, slots: Map<number | string, Slot>, plan: Action[]) {
    const want = s.Spec.Mode!.Replicated!.Replicas ?? 1;
    const occupied: Slot[] = [];
    for (const slot of slots.values()) {
      if (!slot.current) continue;
      occupied.push(slot);
      this.healChecks.push({ s, t: slot.current });
    }
    if (occupied.length < want) {
      const used = new Set(occupied.map((x) => x.slot));
      let next = 1;
      for (let n = occupied.length; n < want; n++) {
        while (used.has(next)) next++;
        used.add(next);
        plan.push(this.actions.createInSlot(s.ID, next));
      }
    } else if (occupied.length > want) {
      for (const slot of pickSlotsToRemove(occupied, occupied.length - want)) plan.push(this.actions.stop(slot.current!.ID, 'remove'));
    }
  }

  /** A global service: a task on every eligible node, none elsewhere (nor on nodes that are gone). */
  private planGlobal(tx: ReadTx, s: Service, slots: Map<number | string, Slot>, plan: Action[]) {
    const constraints = s.Spec.TaskTemplate?.Placement?.Constraints ?? [];
    for (const n of tx.nodes.all()) this.planGlobalSlot(tx, s, n, slots.get(n.ID), constraints, plan);
    for (const slot of slots.values()) {
      if (slot.current && slot.nodeId && !tx.nodes.get(slot.nodeId)) plan.push(this.actions.stop(slot.current.ID, 'shutdown'));
    }
  }

  private planGlobalSlot(tx: ReadTx, s: Service, n: Node | undefined, slot: Slot | undefined, constraints: string[], plan: Action[]) {
    const eligible = globalEligible(n, constraints);
    if (slot?.current) {
      if (!eligible) plan.push(this.actions.stop(slot.current.ID, 'shutdown'));
      else this.planHeal(tx, s, slot.current, plan);
    } else if (eligible && n!.Status.State === 'ready' && n!.Spec.Availability === 'active') {
      // A task that failed and waits for its restart decision keeps the node's place.
      if (slot && slot.tasks.some((t) => isTerminal(t.Status.State) && t.DesiredState === 'running')) return;
      plan.push(this.actions.createOnNode(s.ID, n!.ID));
    }
  }

  /** A node changed: its replicated tasks may move, global services may start or stop there. */
  private planNode(tx: ReadTx, nodeId: string, plan: Action[]) {
    const n = tx.nodes.get(nodeId);
    for (const t of tx.tasks.find({ nodeId })) {
      if (!isCurrent(t)) continue;
      const s = tx.services.get(t.ServiceID);
      if (s?.Spec.Mode?.Replicated) this.planHeal(tx, s, t, plan);
    }
    for (const s of tx.services.all()) {
      if (!s.Spec.Mode?.Global) continue;
      const tasks = tx.tasks.by('slot', `${s.ID}/${nodeId}`);
      const slot = tasks.length ? slotsOf(s, tasks).values().next().value : undefined;
      this.planGlobalSlot(tx, s, n, slot, s.Spec.TaskTemplate?.Placement?.Constraints ?? [], plan);
    }
  }

  /** A task stopped by itself: its slot's restart. */
  private planTask(tx: ReadTx, taskId: string, plan: Action[]) {
    const t = tx.tasks.get(taskId);
    if (!t || !isCurrent(t)) return;
    const s = tx.services.get(t.ServiceID);
    if (!s) { plan.push(this.actions.stop(t.ID, 'remove')); return; }
    if (isJob(s)) return; // the jobs orchestrator's
    if (currentOf(tx.tasks.by('slot', slotKey(t)))?.ID !== t.ID) return;
    this.planHeal(tx, s, t, plan);
  }

  /** Replaces a slot's task that lost its node (replicated) or stopped by itself (per restart policy). */
  private planHeal(tx: ReadTx, s: Service, cur: Task, plan: Action[]) {
    if (!s.Spec.Mode?.Global && cur.NodeID && !isTerminal(cur.Status.State) && nodeLost(tx.nodes.get(cur.NodeID))) {
      plan.push(this.actions.replaceLost(cur.ID));
      return;
    }
    if (!isTerminal(cur.Status.State) || cur.DesiredState !== 'running') return;
    const key = slotKey(cur);
    if (!this.restarts.shouldRestart(cur, key)) return;
    plan.push(this.actions.restart(cur.ID, this.restarts.delayMs(cur), () => this.restarts.recordRestart(key)));
  }

  /** Restart delay: the task waits prepared ('ready') before it may run. */
  private startAfterDelay(t: Task) {
    if (!this.delayed.has(t.ID)) this.delayed.start(t, this.restarts.delayMs(t));
  }
}

/** Scale-down choice: slots whose task isn't running first, then nodes with the most tasks, then the highest slots. */
function pickSlotsToRemove(occupied: Slot[], n: number): Slot[] {
  const perNode = new Map<string, number>();
  for (const s of occupied) { const id = s.current!.NodeID ?? ''; perNode.set(id, (perNode.get(id) ?? 0) + 1); }
  const ranked = [...occupied].sort((a, b) => {
    const ra = a.current!.Status.State === 'running' ? 1 : 0;
    const rb = b.current!.Status.State === 'running' ? 1 : 0;
    if (ra !== rb) return ra - rb;
    const na = perNode.get(a.current!.NodeID ?? '')!;
    const nb = perNode.get(b.current!.NodeID ?? '')!;
    if (na !== nb) return nb - na;
    return (b.slot ?? 0) - (a.slot ?? 0);
  });
  const out: Slot[] = [];
  for (const s of ranked) {
    if (out.length >= n) break;
    out.push(s);
    const id = s.current!.NodeID ?? '';
    perNode.set(id, perNode.get(id)! - 1);
  }
  return out;
}
