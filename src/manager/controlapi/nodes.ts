import type { Node, NodeSpec } from '../../types/objects.js';
import { nodeSpec } from '../../types/schema.js';
import type { Filters } from './api.js';
import type { ControlDeps } from './deps.js';
import { anyOf, labelsMatch, validateFilters, validateFilterValues } from './filters.js';
import { lookup } from './lookup.js';
import { outOfSequence, rpcError } from './rpc-errors.js';
import { refuseUnsupported } from './unsupported.js';

const nodeName = (n: Node) => n.Spec.Name || n.Description?.Hostname;

/** Nodes: inspect, list, update (availability, role, labels), remove. */
export class NodeControl {
  constructor(private d: ControlDeps) {}

  private withStatus(n: Node): Node {
    const st = n.ManagerStatus && this.d.managerStatus?.(n);
    return st ? { ...n, ManagerStatus: st } : n;
  }

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
    const cur = this.get(ref);
    if (cur.Version.Index !== version) throw outOfSequence();
    if (spec.Availability && !['active', 'pause', 'drain'].includes(spec.Availability)) {
      throw rpcError('InvalidArgument', `invalid availability: ${spec.Availability}`);
    }
    if (spec.Role && !['worker', 'manager'].includes(spec.Role)) throw rpcError('InvalidArgument', `invalid role: ${spec.Role}`);
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
    await this.d.store.update((tx) => tx.remove('nodes', n.ID));
  }
}
