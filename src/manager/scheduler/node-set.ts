import { isTerminal, type Node, type Task } from '../../types/objects.js';
import type { NodeInfo } from './filters.js';

/** What a task takes from its node while it counts there. */
interface Footprint { nodeId: string; serviceId: string; cpu: number; memory: number; hostPorts: string[] }

const hostPortsOf = (t: Task) => (t.Endpoint?.Ports ?? [])
  .filter((p) => p.PublishMode === 'host' && p.PublishedPort).map((p) => `${p.PublishedPort}/${p.Protocol ?? 'tcp'}`);

/** A task takes room on its node from assignment until it finishes. */
export const occupiesNode = (t: Task) => !!t.NodeID && t.Status.State !== 'pending' && t.Status.State !== 'new' && !isTerminal(t.Status.State);

/**
 * The scheduler's incremental view of the nodes: each node's task count, per
 * service counts, reserved resources and host ports, kept up to date from
 * store events (and from the scheduler's own decisions before they commit).
 * Accounting is keyed by task, so seeing the same assignment twice counts it
 * once.
 */
export class NodeSet {
  readonly infos = new Map<string, NodeInfo>();
  private counted = new Map<string, Footprint>();

  clear() { this.infos.clear(); this.counted.clear(); }

  setNode(n: Node) {
    const info = this.infos.get(n.ID);
    if (info) info.node = n;
    else this.infos.set(n.ID, { node: n, tasks: 0, byService: new Map(), cpu: 0, memory: 0, hostPorts: new Map() });
  }

  removeNode(id: string) { this.infos.delete(id); }

  /** Follows a task's new state: counted on its node while it occupies it, not otherwise. Returns whether room was freed. */
  track(t: Task): boolean {
    if (!occupiesNode(t)) return this.forget(t.ID);
    this.count(t, t.NodeID!);
    return false;
  }

  /** Counts the task on nodeId (moving it if it counted elsewhere). Returns false if it was counted there already. */
  count(t: Task, nodeId: string): boolean {
    const had = this.counted.get(t.ID);
    if (had?.nodeId === nodeId) return false;
    if (had) this.forget(t.ID);
    const r = t.Spec.Resources?.Reservations;
    const f: Footprint = { nodeId, serviceId: t.ServiceID, cpu: r?.NanoCPUs ?? 0, memory: r?.MemoryBytes ?? 0, hostPorts: hostPortsOf(t) };
    this.counted.set(t.ID, f);
    const info = this.infos.get(nodeId);
    if (info) apply(info, f, 1);
    return true;
  }

  /** Stops counting the task; returns whether it counted anywhere (room was freed). */
  forget(taskId: string): boolean {
    const f = this.counted.get(taskId);
    if (!f) return false;
    this.counted.delete(taskId);
    const info = this.infos.get(f.nodeId);
    if (info) apply(info, f, -1);
    return true;
  }
}

function apply(info: NodeInfo, f: Footprint, sign: 1 | -1) {
  info.tasks += sign;
  const n = (info.byService.get(f.serviceId) ?? 0) + sign;
  if (n > 0) info.byService.set(f.serviceId, n); else info.byService.delete(f.serviceId);
  info.cpu += sign * f.cpu;
  info.memory += sign * f.memory;
  for (const p of f.hostPorts) {
    const c = (info.hostPorts.get(p) ?? 0) + sign;
    if (c > 0) info.hostPorts.set(p, c); else info.hostPorts.delete(p);
  }
}
