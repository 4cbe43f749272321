import type { Task } from '../../types/objects.js';
import { nodeValue, type NodeInfo } from './filters.js';

/**
 * Placement preferences (`--placement-pref spread=node.labels.dc`): nodes
 * form a tree by the values of each descriptor in turn (a node without the
 * label is its own "" branch), and a task goes to the branch holding the
 * fewest of its service's tasks, level by level, before the usual node order.
 */
export class SpreadTree {
  /** "service\0level\0v1\0v2…" → tasks of the service under that branch. */
  private counts = new Map<string, number>();

  constructor(private infos: Iterable<NodeInfo>) {}

  private paths(info: NodeInfo, t: Task): string[] {
    const prefs = t.Spec.Placement?.Preferences ?? [];
    const out: string[] = [];
    let path = t.ServiceID;
    for (const p of prefs) {
      path += '\0' + (nodeValue(info.node, p.Spread?.SpreadDescriptor ?? '') ?? '');
      out.push(path);
    }
    return out;
  }

  /** Counts the service's tasks per branch, once per service and batch. */
  private seeded = new Set<string>();
  private seed(t: Task) {
    if (this.seeded.has(t.ServiceID)) return;
    this.seeded.add(t.ServiceID);
    for (const info of this.infos) {
      const n = info.byService.get(t.ServiceID) ?? 0;
      if (n) for (const p of this.paths(info, t)) this.counts.set(p, (this.counts.get(p) ?? 0) + n);
    }
  }

  /** Negative when node a's branches hold fewer of t's service than b's, level by level. */
  compare(a: NodeInfo, b: NodeInfo, t: Task): number {
    if (!t.Spec.Placement?.Preferences?.length) return 0;
    this.seed(t);
    const pa = this.paths(a, t);
    const pb = this.paths(b, t);
    for (let i = 0; i < pa.length; i++) {
      const d = (this.counts.get(pa[i]) ?? 0) - (this.counts.get(pb[i]) ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }

  /** The task went to info's node. */
  add(info: NodeInfo, t: Task) {
    if (!t.Spec.Placement?.Preferences?.length) return;
    this.seed(t);
    for (const p of this.paths(info, t)) this.counts.set(p, (this.counts.get(p) ?? 0) + 1);
  }
}
