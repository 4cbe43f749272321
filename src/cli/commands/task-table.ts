import type { Node, Service, Task } from '../../types/objects.js';
import { q, type Client } from '../client.js';
import { formatRows } from '../format.js';
import { stateAgo } from '../table.js';
import { taskErrorColumn, taskPortsColumn } from './port-columns.js';

export interface TaskTableOptions { quiet: boolean; noTrunc: boolean; noResolve: boolean; format?: string }

/** Natural order: runs of digits compare as numbers (docker's sortorder.NaturalLess). */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]; const y = pb[i];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A task's name as docker prints it: `<service>.<slot>`, or `<service>.<node ID>` when the slot is 0 (global, and a job's first slot). */
export const taskName = (service: string, t: Task) => `${service}.${t.Slot ? t.Slot : t.NodeID}`;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The image column: with truncation a tagged reference loses its digest (docker's taskContext.Image). */
function imageColumn(image: string, trunc: boolean): string {
  if (!trunc || !image.includes('@')) return image;
  const named = image.split('@')[0];
  return named.slice(named.lastIndexOf('/') + 1).includes(':') ? named : image;
}

/**
 * docker's task.Print for `service ps`, `node ps` and `stack ps`: every
 * task in one table, by name in natural order (services' names, or their
 * IDs with --no-resolve) and the newest first within a name; a slot's older
 * tasks indented under it in a table format.
 */
export async function printTasks(c: Client, tasks: Task[], o: TaskTableOptions, out: (s: string) => void): Promise<void> {
  const services = o.noResolve ? new Map<string, string>() : new Map((await c.get<Service[]>('/services')).map((s) => [s.ID, s.Spec.Name ?? '']));
  const nodes = o.noResolve ? new Map<string, string>() : new Map((await c.get<Node[]>('/nodes')).map((n) => [n.ID, n.Description?.Hostname ?? '']));
  const named = tasks.map((t) => ({ t, name: taskName(services.get(t.ServiceID) ?? t.ServiceID, t) }));
  named.sort((a, b) => (a.name !== b.name ? naturalCompare(a.name, b.name) : (b.t.CreatedAt < a.t.CreatedAt ? -1 : b.t.CreatedAt > a.t.CreatedAt ? 1 : 0)));
  const table = o.format === undefined || o.format.startsWith('table');
  let prev = '';
  const rows = named.map(({ t, name }) => {
    const shown = table && !o.quiet && name === prev ? ` \\_ ${name}` : name;
    prev = name;
    return {
      ID: o.noTrunc ? t.ID : t.ID.slice(0, 12), Name: shown,
      Image: imageColumn(t.Spec.ContainerSpec?.Image ?? '', !o.noTrunc), Node: nodes.get(t.NodeID ?? '') ?? t.NodeID ?? '',
      DesiredState: cap(t.DesiredState), CurrentState: stateAgo(t.Status.State, t.Status.Timestamp),
      Error: taskErrorColumn(t.Status.Err, !o.noTrunc), Ports: taskPortsColumn(t.Status.PortStatus?.Ports),
    };
  });
  if (o.quiet && o.format === undefined) { out(rows.map((r) => `${r.ID}\n`).join('')); return; }
  out(formatRows(rows, o.format, 'table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}',
    { DesiredState: 'DESIRED STATE', CurrentState: 'CURRENT STATE' }, 'task.taskContext'));
}

/** The tasks matching `filters` plus one more filter key (service or node IDs). */
export function tasksWhere(c: Client, filters: Record<string, string[]>, key: 'service' | 'node', ids: string[]): Promise<Task[]> {
  return c.get<Task[]>(`/tasks?filters=${q({ ...filters, [key]: ids })}`);
}
