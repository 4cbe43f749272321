import { isTerminal, taskStateRank, type Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { newestFirst } from './slots.js';

const DEFAULT_RETENTION = 5;

/**
 * Deletes tasks nobody needs: those desired 'remove' once they stopped (or
 * never reached a node), and per slot (or node, for global services) all but
 * the newest TaskHistoryRetentionLimit tasks.
 */
export class TaskReaper extends Reconciler {
  readonly name = 'task-reaper';

  constructor(deps: ComponentDeps) {
    super(deps.store, ['tasks', 'cluster']);
  }

  protected async reconcile(): Promise<void> {
    await this.store.update((tx) => {
      const limit = tx.cluster()?.Spec.Orchestration?.TaskHistoryRetentionLimit ?? DEFAULT_RETENTION;
      const slots = new Map<string, Task[]>();
      for (const t of tx.tasks.all()) {
        if (t.DesiredState === 'remove' && (isTerminal(t.Status.State) || taskStateRank(t.Status.State) < taskStateRank('assigned'))) {
          tx.remove('tasks', t.ID);
          continue;
        }
        const key = `${t.ServiceID}/${t.Slot ?? t.NodeID}`;
        const list = slots.get(key);
        if (list) list.push(t); else slots.set(key, [t]);
      }
      for (const tasks of slots.values()) {
        if (tasks.length <= limit) continue;
        const old = tasks.sort(newestFirst).slice(limit)
          .filter((t) => isTerminal(t.Status.State) && t.DesiredState !== 'running' && t.DesiredState !== 'ready');
        for (const t of old) tx.remove('tasks', t.ID);
      }
    });
  }
}
