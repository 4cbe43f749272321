import type { ReadTx } from '../../store/store.js';
import type { Node, Task } from '../../types/objects.js';
import { isUpToDate } from '../orchestrator/task-factory.js';
import type { Filters } from './api.js';
import type { ControlDeps } from './deps.js';
import { anyOf, labelsMatch, validateFilters, validateFilterValues } from './filters.js';
import { lookup } from './lookup.js';

const nodeName = (n: Node) => n.Spec.Name || n.Description?.Hostname;
const DESIRED_STATES = ['running', 'shutdown', 'accepted', 'ready', 'remove', 'complete', 'failed', 'rejected'];

/** Tasks: read only; the orchestrators, the scheduler and the agents write them. */
export class TaskControl {
  constructor(private d: ControlDeps) {}

  get(ref: string): Task {
    return this.d.store.view((tx) => lookup(tx.tasks.all(), ref, 'task', () => undefined));
  }

  list(filters: Filters): Task[] {
    validateFilters(filters, ['id', 'name', 'service', 'node', 'label', 'desired-state', '_up-to-date', 'runtime']);
    validateFilterValues(filters, 'desired-state', DESIRED_STATES);
    return this.d.store.view((tx) => {
      const services = tx.services.all();
      const serviceIds = filters.service?.flatMap((v) => services.filter((s) => s.ID === v || s.Spec.Name === v || s.ID.startsWith(v)).map((s) => s.ID));
      const nodes = tx.nodes.all();
      const nodeIds = filters.node?.flatMap((v) => nodes.filter((n) => n.ID === v || nodeName(n) === v || n.ID.startsWith(v)).map((n) => n.ID));
      const base = serviceIds?.length === 1 ? tx.tasks.find({ serviceId: serviceIds[0] }) : tx.tasks.all();
      return base.filter((t) =>
        (!serviceIds || serviceIds.includes(t.ServiceID))
        && (!nodeIds || (t.NodeID !== undefined && nodeIds.includes(t.NodeID)))
        && anyOf(filters, 'id', (v) => t.ID.startsWith(v))
        && anyOf(filters, 'name', (v) => taskName(tx, t).startsWith(v))
        && anyOf(filters, 'desired-state', (v) => t.DesiredState === v)
        // swarmkit matches a task's labels filter against its service's labels (ServiceAnnotations): `docker stack ps` needs it
        && labelsMatch(filters, 'label', t.ServiceAnnotations?.Labels)
        && anyOf(filters, '_up-to-date', (v) => (v === 'true') === upToDate(tx, t)));
    });
  }
}

/** The task runs its service's current template (the CLI's progress display asks for these). */
function upToDate(tx: ReadTx, t: Task): boolean {
  const s = tx.services.get(t.ServiceID);
  return !!s && isUpToDate(t, s);
}

/** "web.1" / "g.<node>" — the name docker prints; used by the name filter. */
function taskName(tx: ReadTx, t: Task): string {
  const name = t.ServiceAnnotations?.Name ?? tx.services.get(t.ServiceID)?.Spec.Name ?? '';
  return t.Slot ? `${name}.${t.Slot}` : `${name}.${t.NodeID ?? ''}`;
}
