import type { Clock } from '../../clock.js';
import type { WriteTx } from '../../store/store.js';
import { isTerminal, type Node, type Service, type Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { nodeEligible } from '../scheduler/filters.js';
import { RestartSupervisor } from './restart.js';
import { isCurrent, nodeLost, slotsOf, type Slot } from './slots.js';
import { newTask } from './task-factory.js';

const clone = <T>(o: T): T => structuredClone(o);

/**
 * The replicated and global orchestrators: keeps each service's slots (or
 * nodes) filled with one current task, replaces tasks on lost or drained
 * nodes, restarts tasks per restart policy, and scales down. Spec changes of
 * running tasks are the updater's job.
 */
export class Orchestrator extends Reconciler {
  readonly name = 'orchestrator';
  private clock: Clock;
  private restarts: RestartSupervisor;
  private delayed = new Map<string, { cancel(): void }>();

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services', 'tasks', 'nodes']);
    this.clock = deps.clock;
    this.restarts = new RestartSupervisor(deps.clock);
  }

  override async stop(): Promise<void> {
    for (const t of this.delayed.values()) t.cancel();
    this.delayed.clear();
    await super.stop();
  }

  protected async reconcile(): Promise<void> {
    const delayedStarts: Task[] = [];
    await this.store.update((tx) => {
      const nodes = new Map(tx.nodes.all().map((n) => [n.ID, n]));
      const services = new Map(tx.services.all().map((s) => [s.ID, s]));
      const byService = new Map<string, Task[]>();
      for (const t of tx.tasks.all()) {
        if (!services.has(t.ServiceID)) {
          if (t.DesiredState !== 'remove') tx.update('tasks', { ...clone(t), DesiredState: 'remove' });
          continue;
        }
        const list = byService.get(t.ServiceID);
        if (list) list.push(t); else byService.set(t.ServiceID, [t]);
      }
      for (const s of services.values()) {
        const slots = slotsOf(s, byService.get(s.ID) ?? []);
        if (s.Spec.Mode?.Global) this.global(tx, s, slots, nodes, delayedStarts);
        else if (s.Spec.Mode?.Replicated) this.replicated(tx, s, slots, nodes, delayedStarts);
      }
    });
    for (const t of delayedStarts) this.startAfterDelay(t);
    // Tasks left 'ready' by a previous leader still need their start.
    for (const t of this.store.view((tx) => tx.tasks.find({ desiredState: 'ready' }))) {
      if (!this.delayed.has(t.ID)) this.startAfterDelay(t);
    }
  }

  private replicated(tx: WriteTx, s: Service, slots: Map<string, Slot>, nodes: Map<string, Node>, delayed: Task[]) {
    const want = s.Spec.Mode!.Replicated!.Replicas ?? 1;
    const occupied: Slot[] = [];
    for (const slot of slots.values()) {
      if (!slot.current) continue;
      occupied.push(slot);
      this.heal(tx, s, slot, nodes, { slot: slot.slot }, delayed);
    }
    if (occupied.length < want) {
      const used = new Set([...slots.values()].filter((x) => x.current).map((x) => x.slot));
      let next = 1;
      for (let n = occupied.length; n < want; n++) {
        while (used.has(next)) next++;
        used.add(next);
        tx.create('tasks', newTask(this.clock, s, { slot: next }));
      }
    } else if (occupied.length > want) {
      for (const slot of pickSlotsToRemove(occupied, occupied.length - want)) {
        for (const t of slot.tasks) if (isCurrent(t)) tx.update('tasks', { ...clone(t), DesiredState: 'remove' });
      }
    }
  }

  private global(tx: WriteTx, s: Service, slots: Map<string, Slot>, nodes: Map<string, Node>, delayed: Task[]) {
    const constraints = s.Spec.TaskTemplate?.Placement?.Constraints ?? [];
    for (const n of nodes.values()) {
      const slot = slots.get(`${s.ID}/${n.ID}`);
      const eligible = n.Status.State !== 'down' && n.Spec.Availability !== 'drain' && nodeEligible(n, constraints);
      if (slot?.current) {
        if (!eligible) { this.shutdown(tx, slot.current); continue; }
        this.heal(tx, s, slot, nodes, { nodeId: n.ID }, delayed);
      } else if (eligible && n.Status.State === 'ready' && n.Spec.Availability === 'active') {
        if (slot && slot.tasks.some((t) => isTerminal(t.Status.State) && t.DesiredState === 'running')) continue;
        tx.create('tasks', newTask(this.clock, s, { nodeId: n.ID }));
      }
    }
    for (const slot of slots.values()) {
      if (slot.current && slot.nodeId && !nodes.has(slot.nodeId)) this.shutdown(tx, slot.current);
    }
  }

  /** Replaces a slot's task that lost its node or stopped by itself (per restart policy). */
  private heal(tx: WriteTx, s: Service, slot: Slot, nodes: Map<string, Node>, at: { slot?: number; nodeId?: string }, delayed: Task[]) {
    const cur = slot.current!;
    if (!s.Spec.Mode?.Global && nodeLost(cur, nodes)) {
      this.shutdown(tx, cur);
      tx.create('tasks', newTask(this.clock, s, at));
      return;
    }
    if (!isTerminal(cur.Status.State) || cur.DesiredState !== 'running') return;
    if (!this.restarts.shouldRestart(cur, slot.key)) return;
    this.restarts.recordRestart(slot.key);
    this.shutdown(tx, cur);
    const delay = this.restarts.delayMs(cur);
    const t = newTask(this.clock, s, at, delay > 0 ? 'ready' : 'running');
    tx.create('tasks', t);
    if (delay > 0) delayed.push(t);
  }

  private shutdown(tx: WriteTx, t: Task) {
    if (t.DesiredState === 'shutdown' || t.DesiredState === 'remove') return;
    tx.update('tasks', { ...clone(t), DesiredState: 'shutdown' });
  }

  /** Restart delay: the task waits prepared ('ready') before it may run. */
  private startAfterDelay(t: Task) {
    const ms = this.restarts.delayMs(t);
    this.delayed.set(t.ID, this.clock.setTimeout(() => {
      this.delayed.delete(t.ID);
      void this.store.update((tx) => {
        const cur = tx.tasks.get(t.ID);
        if (cur?.DesiredState === 'ready') tx.update('tasks', { ...clone(cur), DesiredState: 'running' });
      }).catch(() => this.kick());
    }, ms));
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
