import { isoNano, type Clock } from '../../clock.js';
import { isTerminal, type Task } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { explain, failedFilter, type FilterName, type NodeInfo } from './filters.js';
import { SpreadTree } from './spread.js';

/**
 * Assigns pending tasks to nodes: the filters, then the placement
 * preferences' spread tree, then spread (fewest tasks of the service, then
 * fewest tasks overall), all pending tasks in one batch.
 */
export class Scheduler extends Reconciler {
  readonly name = 'scheduler';
  private clock: Clock;

  constructor(deps: ComponentDeps) {
    super(deps.store, ['tasks', 'nodes']);
    this.clock = deps.clock;
  }

  protected async reconcile(): Promise<void> {
    await this.store.update((tx) => {
      const pending = tx.tasks.all().filter((t) => t.Status.State === 'pending' && (t.DesiredState === 'running' || t.DesiredState === 'ready'));
      if (pending.length === 0) return;
      const infos = new Map<string, NodeInfo>();
      for (const node of tx.nodes.all()) {
        infos.set(node.ID, { node, tasks: 0, byService: new Map(), cpu: 0, memory: 0, hostPorts: new Set() });
      }
      for (const t of tx.tasks.all()) {
        if (!t.NodeID || isTerminal(t.Status.State) || t.Status.State === 'pending') continue;
        const info = infos.get(t.NodeID);
        if (info) account(info, t);
      }
      const now = isoNano(this.clock.now());
      const spread = new SpreadTree(infos.values());
      for (const t of pending) {
        const candidates = t.NodeID ? [infos.get(t.NodeID)].filter((x): x is NodeInfo => !!x) : [...infos.values()];
        const failures = new Map<FilterName, number>();
        let best: NodeInfo | undefined;
        for (const info of candidates) {
          const f = failedFilter(info, t);
          if (f) { failures.set(f, (failures.get(f) ?? 0) + 1); continue; }
          if (!best || better(info, best, t, spread)) best = info;
        }
        if (!best) {
          const err = explain(failures);
          if (t.Status.Err !== err) tx.update('tasks', { ...structuredClone(t), Status: { ...t.Status, Err: err, Timestamp: now } });
          continue;
        }
        const assigned: Task = {
          ...structuredClone(t), NodeID: best.node.ID,
          Status: { State: 'assigned', Message: 'scheduler assigned task to node', Timestamp: now },
        };
        tx.update('tasks', assigned);
        spread.add(best, assigned);
        account(best, assigned);
      }
    });
  }
}

function better(a: NodeInfo, b: NodeInfo, t: Task, spread: SpreadTree): boolean {
  const pref = spread.compare(a, b, t);
  if (pref !== 0) return pref < 0;
  const serviceId = t.ServiceID;
  const sa = a.byService.get(serviceId) ?? 0;
  const sb = b.byService.get(serviceId) ?? 0;
  if (sa !== sb) return sa < sb;
  if (a.tasks !== b.tasks) return a.tasks < b.tasks;
  return a.node.ID < b.node.ID;
}

function account(info: NodeInfo, t: Task) {
  info.tasks++;
  info.byService.set(t.ServiceID, (info.byService.get(t.ServiceID) ?? 0) + 1);
  info.cpu += t.Spec.Resources?.Reservations?.NanoCPUs ?? 0;
  info.memory += t.Spec.Resources?.Reservations?.MemoryBytes ?? 0;
  for (const p of t.Endpoint?.Ports ?? []) if (p.PublishMode === 'host' && p.PublishedPort) info.hostPorts.add(`${p.PublishedPort}/${p.Protocol ?? 'tcp'}`);
}
