// The page's copy of the swarm, kept current by the live stream, with the
// indexes the views need (tasks per node, running per service) updated per
// change rather than recounted per render.
import type { DashboardInfo, LiveMessage, NodeView, ServiceView, TaskView } from '../live-types.js';

const byName = new Intl.Collator(undefined, { numeric: true }).compare;

export class Model {
  info?: DashboardInfo;
  readonly nodes = new Map<string, NodeView>();
  readonly services = new Map<string, ServiceView>();
  readonly tasks = new Map<string, TaskView>();
  private tasksByNode = new Map<string, Set<string>>();
  private runningBySvc = new Map<string, number>();
  /** Tasks meant to run, per service: a global service's desired count. */
  private desiredBySvc = new Map<string, number>();
  /** Tasks meant to run that no node has taken (no node fits, or the scheduler is behind). */
  private unassignedBySvc = new Map<string, number>();
  private runningAll = 0;
  private sortedNodes?: NodeView[];
  private sortedServices?: ServiceView[];
  /** Nodes whose column changed since the page last drew them (the page redraws only those it shows). */
  readonly dirtyNodes = new Set<string>();
  /** Services whose tasks changed in the last message (the open detail panel refreshes on them). */
  touchedServices = new Set<string>();

  apply(m: LiveMessage): void {
    this.touchedServices.clear();
    if (m.kind === 'snapshot') {
      this.info = m.info;
      this.nodes.clear(); this.services.clear(); this.tasks.clear();
      this.tasksByNode.clear(); this.runningBySvc.clear(); this.desiredBySvc.clear(); this.unassignedBySvc.clear(); this.runningAll = 0;
      this.sortedNodes = this.sortedServices = undefined;
    } else {
      for (const id of m.removed.nodes) this.nodes.delete(id);
      for (const id of m.removed.services) this.services.delete(id);
      for (const id of m.removed.tasks) this.dropTask(id);
      if (m.removed.nodes.length) this.sortedNodes = undefined;
      if (m.removed.services.length) this.sortedServices = undefined;
    }
    for (const n of m.nodes) { this.nodes.set(n.ID, n); this.dirtyNodes.add(n.ID); }
    for (const id of m.kind === 'delta' ? m.removed.nodes : []) this.dirtyNodes.add(id);
    for (const s of m.services) this.services.set(s.ID, s);
    if (m.nodes.length) this.sortedNodes = undefined;
    if (m.services.length) this.sortedServices = undefined;
    for (const t of m.tasks) { this.dropTask(t.ID); this.addTask(t); }
  }

  private addTask(t: TaskView): void {
    this.tasks.set(t.ID, t);
    this.touchedServices.add(t.ServiceID);
    if (t.NodeID) {
      this.dirtyNodes.add(t.NodeID);
      let set = this.tasksByNode.get(t.NodeID);
      if (!set) this.tasksByNode.set(t.NodeID, (set = new Set()));
      set.add(t.ID);
    }
    if (t.State === 'running') { bump(this.runningBySvc, t.ServiceID, 1); this.runningAll++; }
    if (t.DesiredState === 'running') bump(this.desiredBySvc, t.ServiceID, 1);
    if (!t.NodeID && t.DesiredState === 'running') bump(this.unassignedBySvc, t.ServiceID, 1);
  }

  private dropTask(id: string): void {
    const t = this.tasks.get(id);
    if (!t) return;
    this.tasks.delete(id);
    this.touchedServices.add(t.ServiceID);
    if (t.NodeID) { this.tasksByNode.get(t.NodeID)?.delete(id); this.dirtyNodes.add(t.NodeID); }
    if (t.State === 'running') { bump(this.runningBySvc, t.ServiceID, -1); this.runningAll--; }
    if (t.DesiredState === 'running') bump(this.desiredBySvc, t.ServiceID, -1);
    if (!t.NodeID && t.DesiredState === 'running') bump(this.unassignedBySvc, t.ServiceID, -1);
  }

  /** `running/desired` as `docker service ls` counts them. */
  replicas(s: ServiceView): { running: number; desired: number } {
    const running = this.runningBySvc.get(s.ID) ?? 0;
    const desired = s.Mode === 'replicated' ? s.Replicas ?? 0 : this.desiredBySvc.get(s.ID) ?? 0;
    return { running, desired };
  }

  unassigned(serviceId: string): number { return this.unassignedBySvc.get(serviceId) ?? 0; }

  runningTasks(): number { return this.runningAll; }

  /** Tasks placed on a node, by service name then slot. */
  nodeTasks(nodeId: string): TaskView[] {
    const out: TaskView[] = [];
    for (const id of this.tasksByNode.get(nodeId) ?? []) { const t = this.tasks.get(id); if (t) out.push(t); }
    return out.sort((a, b) => byName(this.serviceName(a.ServiceID), this.serviceName(b.ServiceID)) || (a.Slot ?? 0) - (b.Slot ?? 0));
  }

  serviceName(id: string): string { return this.services.get(id)?.Name ?? id.slice(0, 12); }

  /** The leader first, then managers, then workers; each by name. */
  sortedNodeList(): NodeView[] {
    this.sortedNodes ??= [...this.nodes.values()].sort((a, b) =>
      Number(!!b.Leader) - Number(!!a.Leader) || Number(b.Role === 'manager') - Number(a.Role === 'manager') || byName(a.Name, b.Name));
    return this.sortedNodes;
  }

  sortedServiceList(): ServiceView[] {
    this.sortedServices ??= [...this.services.values()].sort((a, b) => byName(a.Name, b.Name));
    return this.sortedServices;
  }

  countNodes(pred: (n: NodeView) => boolean): number {
    let c = 0;
    for (const n of this.nodes.values()) if (pred(n)) c++;
    return c;
  }
}

function bump(m: Map<string, number>, k: string, by: number) {
  const v = (m.get(k) ?? 0) + by;
  if (v === 0) m.delete(k); else m.set(k, v);
}
