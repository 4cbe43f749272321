import type { Clock } from '../../clock.js';
import type { ReadTx } from '../../store/store.js';
import { slotKey, type StoreEvent } from '../../store/tables.js';
import { isTerminal, type Service, type Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { globalEligible, shutdown, type Action } from './actions.js';
import { inIteration, isJob, iterationVersion, jobIteration } from './job.js';
import { DelayedStarts } from './delayed-starts.js';
import { RestartSupervisor } from './restart.js';
import { newTask } from './task-factory.js';

const FULL_PASS_MS = 30_000;

/** A job task still to run: desired 'complete' (or 'ready' while its restart delay runs) and not complete yet. */
const inProgress = (t: Task) => (t.DesiredState === 'complete' || t.DesiredState === 'ready') && t.Status.State !== 'complete';

/**
 * The job orchestrators (swarmkit's orchestrator/jobs): a replicated job
 * runs tasks until TotalCompletions of them completed, at most
 * MaxConcurrent at a time, each in its own slot (0 … TotalCompletions-1);
 * a global job runs one task on every eligible node. Job tasks are desired
 * 'complete': one that completed is never run again; one that failed is
 * replaced per restart policy (condition 'any' counts as 'on-failure').
 * Each update of the service starts a new run (JobIteration): tasks of
 * earlier runs still in progress are removed, finished ones are history.
 *
 * Where swarmkit differs: a slot whose task's restart the policy refused
 * stays taken (swarmkit creates a fresh task there on its next pass, so
 * `--restart-condition none` or max attempts would not hold).
 */
export class JobsOrchestrator extends Reconciler {
  readonly name = 'jobs-orchestrator';
  private restarts: RestartSupervisor;
  private clock: Clock;
  private dirty = new Set<string>();
  private delayed: DelayedStarts;

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services', 'tasks', 'nodes'], { clock: deps.clock, fullEveryMs: FULL_PASS_MS });
    this.clock = deps.clock;
    this.delayed = new DelayedStarts(deps.store, deps.clock, 'complete', () => this.requestFull());
    this.restarts = new RestartSupervisor(deps.clock);
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.delayed.cancelAll();
  }

  protected override onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'services') this.dirty.add(e.object.ID);
      else if (e.table === 'tasks') { if ((e.object as Task).JobIteration) this.dirty.add((e.object as Task).ServiceID); }
      // A node came, went or changed: global jobs may run there (few services: a full pass).
      else { this.requestFull(); return; }
    }
    if (this.dirty.size > 0) this.kick();
  }

  protected async reconcile(full: boolean): Promise<void> {
    const ids = this.dirty;
    this.dirty = new Set();
    const plan: Action[] = [];
    this.store.view((tx) => {
      const services = full ? tx.services.all().filter(isJob) : [...ids].flatMap((id) => tx.services.get(id) ?? []).filter(isJob);
      for (const s of services) this.planJob(tx, s, plan);
      // A removed job's tasks go, finished ones too (the replicated orchestrator removes only tasks desired running).
      const gone = full ? new Set(tx.tasks.all().filter((t) => t.JobIteration && !tx.services.get(t.ServiceID)).map((t) => t.ServiceID))
        : [...ids].filter((id) => !tx.services.get(id));
      for (const id of gone) for (const t of tx.tasks.find({ serviceId: id })) if (t.JobIteration && t.DesiredState !== 'remove') plan.push(removeAny(t.ID));
      if (full) {
        // Restart delays a previous leader started still need their end.
        for (const t of tx.tasks.find({ desiredState: 'ready' })) if (t.JobIteration && !this.delayed.has(t.ID)) this.startAfterDelay(t);
      }
    });
    if (plan.length > 0) await this.store.batch((b) => { for (const a of plan) b.update(a); });
  }

  private planJob(tx: ReadTx, s: Service, plan: Action[]) {
    const iteration = jobIteration(s);
    const current: Task[] = [];
    for (const t of tx.tasks.find({ serviceId: s.ID })) {
      if (!t.JobIteration) continue;
      if (inIteration(t, iteration)) current.push(t);
      else if (!isTerminal(t.Status.State) && t.DesiredState !== 'remove') plan.push(removeTask(t.ID));
    }
    for (const t of current) {
      if (inProgress(t) && isTerminal(t.Status.State)) plan.push(this.restart(t.ID));
    }
    if (s.Spec.Mode?.ReplicatedJob) this.planReplicated(s, current, iteration, plan);
    else this.planGlobal(tx, s, current, iteration, plan);
  }

  /** New tasks in free slots, never more than MaxConcurrent in progress nor TotalCompletions in all. */
  private planReplicated(s: Service, current: Task[], iteration: number, plan: Action[]) {
    const rj = s.Spec.Mode!.ReplicatedJob!;
    const total = rj.TotalCompletions ?? 1;
    const taken = new Set(current.map((t) => t.Slot ?? 0));
    const running = current.filter(inProgress).length;
    const done = new Set(current.filter((t) => t.Status.State === 'complete').map((t) => t.Slot ?? 0)).size;
    let n = Math.min((rj.MaxConcurrent ?? 1) - running, total - done - running);
    for (let slot = 0; n > 0 && slot < total; slot++) {
      if (taken.has(slot)) continue;
      plan.push(this.create(s.ID, iteration, { slot }));
      n--;
    }
  }

  /** A task on every eligible node that has none of this run; tasks on nodes no longer eligible stop. */
  private planGlobal(tx: ReadTx, s: Service, current: Task[], iteration: number, plan: Action[]) {
    const constraints = s.Spec.TaskTemplate?.Placement?.Constraints ?? [];
    const byNode = new Map<string, Task[]>();
    for (const t of current) byNode.set(t.NodeID ?? '', [...(byNode.get(t.NodeID ?? '') ?? []), t]);
    for (const n of tx.nodes.all()) {
      const eligible = globalEligible(n, constraints);
      const tasks = byNode.get(n.ID);
      if (!tasks && eligible && n.Status.State === 'ready' && n.Spec.Availability === 'active') {
        plan.push(this.create(s.ID, iteration, { nodeId: n.ID }));
      } else if (tasks && !eligible) {
        for (const t of tasks) if (inProgress(t) && !isTerminal(t.Status.State)) plan.push(stopTask(t.ID));
      }
    }
  }

  private create(serviceId: string, iteration: number, at: { slot?: number; nodeId?: string }): Action {
    return (tx) => {
      const s = tx.services.get(serviceId);
      if (!s || !isJob(s) || jobIteration(s) !== iteration) return;
      const key = `${serviceId}/${at.slot ?? at.nodeId}`;
      if (tx.tasks.by('slot', key).some((t) => inIteration(t, iteration))) return;
      tx.create('tasks', { ...newTask(this.clock, s, at, 'complete'), JobIteration: iterationVersion(iteration) });
    };
  }

  /** A failed task of this run: its successor per restart policy, after the restart delay. */
  private restart(taskId: string): Action {
    return (tx) => {
      const t = tx.tasks.get(taskId);
      if (!t || !inProgress(t) || !isTerminal(t.Status.State)) return;
      const s = tx.services.get(t.ServiceID);
      if (!s || !isJob(s) || !inIteration(t, jobIteration(s))) return;
      shutdown(tx, t);
      const key = slotKey(t);
      // 'any' restarts only failures: a job's completed task is done.
      if (!this.restarts.shouldRestart(t, key)) return;
      this.restarts.recordRestart(key);
      const delayMs = this.restarts.delayMs(t);
      const at = s.Spec.Mode?.GlobalJob ? { nodeId: t.NodeID } : { slot: t.Slot ?? 0 };
      const next: Task = { ...newTask(this.clock, s, at, delayMs > 0 ? 'ready' : 'complete'), JobIteration: iterationVersion(jobIteration(s)) };
      tx.create('tasks', next);
      if (delayMs > 0) this.startAfterDelay(next);
    };
  }

  /** After the restart delay the prepared task may run to completion. */
  private startAfterDelay(t: Task) {
    if (!this.delayed.has(t.ID)) this.delayed.start(t, this.restarts.delayMs(t));
  }
}

/** A task of an earlier run still in progress goes (swarmkit sets it desired 'remove'). */
function removeTask(taskId: string): Action {
  return (tx) => {
    const t = tx.tasks.get(taskId);
    if (t && !isTerminal(t.Status.State)) shutdown(tx, t, 'remove');
  };
}

function removeAny(taskId: string): Action {
  return (tx) => {
    const t = tx.tasks.get(taskId);
    if (t && !tx.services.get(t.ServiceID)) shutdown(tx, t, 'remove');
  };
}

function stopTask(taskId: string): Action {
  return (tx) => {
    const t = tx.tasks.get(taskId);
    if (t && inProgress(t)) shutdown(tx, t);
  };
}
