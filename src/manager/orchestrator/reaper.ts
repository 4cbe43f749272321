import type { ReadTx } from '../../store/store.js';
import { slotKey, type StoreEvent } from '../../store/tables.js';
import { isTerminal, taskStateRank, type Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { newestFirst } from './slots.js';

const DEFAULT_RETENTION = 5;
const FULL_PASS_MS = 60_000;

/** A task desired 'remove' goes once it stopped, or if it never reached a node (Docker deletes scaled-down tasks). */
const removable = (t: Task) => t.DesiredState === 'remove' && (isTerminal(t.Status.State) || taskStateRank(t.Status.State) < taskStateRank('assigned'));

/**
 * Deletes tasks nobody needs: those desired 'remove' once they stopped (or
 * never reached a node), and per slot (or node, for global services) all but
 * the newest TaskHistoryRetentionLimit tasks. From events: a task's change
 * looks at that task and its slot; a cluster change (the limit) at all.
 */
export class TaskReaper extends Reconciler {
  readonly name = 'task-reaper';
  private tasks = new Set<string>();
  private slots = new Set<string>();

  constructor(deps: ComponentDeps) {
    super(deps.store, ['tasks', 'cluster'], { clock: deps.clock, fullEveryMs: FULL_PASS_MS });
  }

  protected override onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'cluster') { this.requestFull(); continue; }
      if (e.action === 'remove') continue;
      const t = e.object as Task;
      if (removable(t)) this.tasks.add(t.ID);
      // A new task in a slot, or one that finished, may push the slot past its history limit.
      else if (e.action === 'create' || isTerminal(t.Status.State)) this.slots.add(slotKey(t));
    }
    if (this.tasks.size + this.slots.size > 0) this.kick();
  }

  protected async reconcile(full: boolean): Promise<void> {
    let tasks = this.tasks;
    let slots = this.slots;
    this.tasks = new Set();
    this.slots = new Set();
    const doomed = this.store.view((tx) => {
      if (full) {
        const all = tx.tasks.all();
        tasks = new Set(all.filter(removable).map((t) => t.ID));
        slots = new Set(all.map(slotKey));
      }
      const limit = tx.cluster()?.Spec.Orchestration?.TaskHistoryRetentionLimit ?? DEFAULT_RETENTION;
      const out = [...tasks].filter((id) => { const t = tx.tasks.get(id); return !!t && removable(t); });
      for (const key of slots) out.push(...beyondHistory(tx, key, limit));
      return out;
    });
    if (doomed.length === 0) return;
    await this.store.batch((b) => {
      for (const id of new Set(doomed)) b.update((tx) => { if (tx.tasks.get(id)) tx.remove('tasks', id); });
    });
  }
}

/**
 * The slot's oldest finished tasks past the history limit. As swarmkit's
 * reaper: a service restarting at most N times keeps N + 1 tasks (the
 * history shows every attempt), and a negative limit keeps them all.
 */
function beyondHistory(tx: ReadTx, key: string, clusterLimit: number): string[] {
  const tasks = tx.tasks.by('slot', key);
  const maxAttempts = tasks.length ? tx.services.get(tasks[0].ServiceID)?.Spec.TaskTemplate?.RestartPolicy?.MaxAttempts ?? 0 : 0;
  const limit = maxAttempts > 0 ? maxAttempts + 1 : clusterLimit;
  if (limit < 0 || tasks.length <= limit) return [];
  return tasks.sort(newestFirst).slice(limit)
    .filter((t) => isTerminal(t.Status.State) && t.DesiredState !== 'running' && t.DesiredState !== 'ready')
    .map((t) => t.ID);
}
