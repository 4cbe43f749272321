import { withRemovedNode } from '../ca/removed-nodes.js';
import { badRequest } from '../../types/errors.js';
import type { Node, NodeSpec } from '../../types/objects.js';
import { nodeSpec } from '../../types/schema.js';
import type { Filters } from './api.js';
import type { ControlDeps } from './deps.js';
import { anyOf, labelsMatch, validateFilters, validateFilterValues } from './filters.js';
import { lookup } from './lookup.js';
import { outOfSequence, rpcError } from './rpc-errors.js';
import { refuseUnsupported } from './unsupported.js';

const nodeName = (n: Node) => n.Spec.Name || n.Description?.Hostname;

/**
 * Docker's conversion of a node spec (before swarmkit): Role and Availability
 * are required, matched without regard to case, stored in lower case.
 */
function normalizeNodeSpec(spec: NodeSpec): NodeSpec {
  const role = (spec.Role ?? '').toLowerCase();
  if (role !== 'worker' && role !== 'manager') throw badRequest(`invalid Role: ${JSON.stringify(spec.Role ?? '')}`);
  const availability = (spec.Availability ?? '').toLowerCase();
  if (availability !== 'active' && availability !== 'pause' && availability !== 'drain') {
    throw badRequest(`invalid Availability: ${JSON.stringify(spec.Availability ?? '')}`);
  }
  return { ...spec, Role: role, Availability: availability };
}

/** Nodes: inspect, list, update (availability, role, labels), remove. */
export class NodeControl {
  constructor(private d: ControlDeps) {}

  /** A manager's node with its live Raft status; the same frozen object while that status holds (cached replies). */
  private withStatus(n: Node): Node {
    const st = n.ManagerStatus && this.d.managerStatus?.(n);
    if (!st) return n;
    const key = JSON.stringify(st);
    const hit = this.statusViews.get(n);
    if (hit?.key === key) return hit.node;
    const node = Object.freeze({ ...n, ManagerStatus: Object.freeze(st) });
    this.statusViews.set(n, { key, node });
    return node;
  }
  private statusViews = new WeakMap<Node, { key: string; node: Node }>();

  get(ref: string): Node {
    return this.withStatus(this.d.store.view((tx) => lookup(tx.nodes.all(), ref, 'node', nodeName)));
  }

  list(filters: Filters): Node[] {
    validateFilters(filters, ['id', 'name', 'label', 'node.label', 'membership', 'role']);
    validateFilterValues(filters, 'role', ['manager', 'worker']);
    validateFilterValues(filters, 'membership', ['accepted', 'pending']);
    return this.d.store.view((tx) => tx.nodes.all().filter((n) =>
      anyOf(filters, 'id', (v) => n.ID.startsWith(v))
      && anyOf(filters, 'name', (v) => (nodeName(n) ?? '').startsWith(v))
      && anyOf(filters, 'role', (v) => n.Spec.Role === v)
      && anyOf(filters, 'membership', (v) => v === 'accepted')
      && labelsMatch(filters, 'label', n.Description?.Engine?.Labels)
      && labelsMatch(filters, 'node.label', n.Spec.Labels)).map((n) => this.withStatus(n)));
  }

  async update(ref: string, version: number, spec: NodeSpec): Promise<void> {
    refuseUnsupported(nodeSpec, spec);
    spec = normalizeNodeSpec(spec);
    const cur = this.get(ref);
    if (cur.Version.Index !== version) throw outOfSequence();
    await this.d.store.update((tx) => {
      const now = tx.nodes.get(cur.ID)!;
      if (now.Version.Index !== version) throw outOfSequence();
      if (now.Spec.Role === 'manager' && spec.Role === 'worker') {
        const managers = tx.nodes.all().filter((n) => n.Spec.Role === 'manager');
        if (managers.length <= 1) throw rpcError('FailedPrecondition', 'attempting to demote the last manager of the swarm');
        if (this.d.canRemoveManager && !this.d.canRemoveManager(now.ID)) {
          throw rpcError('FailedPrecondition', "can't remove member from the raft: this would result in a loss of quorum");
        }
      }
      tx.update('nodes', { ...structuredClone(now), Spec: { Labels: {}, ...spec } });
    });
  }

  async remove(ref: string, force: boolean): Promise<void> {
    const n = this.get(ref);
    if (n.Spec.Role === 'manager' || n.ManagerStatus) {
      throw rpcError('FailedPrecondition', `node ${n.ID} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`);
    }
    if (!force && n.Status.State !== 'down') {
      throw rpcError('FailedPrecondition', `node ${n.ID} is not down and can't be removed`);
    }
    await this.d.store.update((tx) => {
      tx.remove('nodes', n.ID);
      // Its certificate stays valid for months: remembered, it is refused on the cluster port until it expires.
      const c = tx.cluster();
      if (c) tx.update('cluster', withRemovedNode(structuredClone(c), n.ID, this.d.clock.now()));
    });
  }
}
