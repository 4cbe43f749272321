import { logger } from '../log.js';
import type { RaftNode } from '../raft/node/raft-node.js';
import type { RaftId } from '../raft/types.js';
import type { MemoryStore } from '../store/store.js';
import type { Node } from '../types/objects.js';
import { withoutManagerStatus } from './nodes.js';
import { Reconciler } from './reconciler.js';

const log = logger('role-manager');

/** The Raft member of a node, if it is one. */
export function memberOf(raft: RaftNode, nodeId: string): RaftId | undefined {
  return [...raft.members].find(([id, m]) => m.nodeId === nodeId && raft.core.voters.has(id))?.[0];
}

/** Whether removing the node's member leaves a quorum of the rest reachable. */
export function canRemoveMember(raft: RaftNode, reachable: Set<RaftId>, nodeId: string): boolean {
  const id = memberOf(raft, nodeId);
  if (!id) return true;
  const rest = [...raft.core.voters].filter((v) => v !== id);
  return rest.filter((v) => reachable.has(v)).length >= Math.floor(rest.length / 2) + 1;
}

/**
 * Leader-only: carries out demotions. A node whose spec says worker but which
 * is still a Raft member is removed from Raft (the leader first hands its
 * leadership to another manager), then loses its ManagerStatus; its daemon
 * sees that in its heartbeat and stops its manager. Promotions are carried
 * out by the promoted node itself, which joins Raft through the leader.
 */
export class RoleManager extends Reconciler {
  readonly name = 'role-manager';

  constructor(store: MemoryStore, private raft: () => RaftNode | undefined, private reachable: () => Set<RaftId>) {
    super(store, ['nodes']);
  }

  protected async reconcile() {
    const demoted = this.store.view((tx) => tx.nodes.all()).filter((n) => n.Spec.Role === 'worker' && n.ManagerStatus);
    for (const n of demoted) await this.demote(n);
  }

  private async demote(n: Node) {
    const raft = this.raft();
    if (!raft?.isLeader) return;
    const id = memberOf(raft, n.ID);
    if (id === raft.core.id) {
      // A leader never removes itself: it hands over, and the next leader demotes it.
      const next = [...this.reachable()].find((v) => v !== raft.core.id && raft.core.voters.has(v));
      if (!next) throw new Error('no other reachable manager to hand leadership to');
      log.info({ to: next }, 'transferring leadership before this manager is demoted');
      raft.transferLeadership(next);
      return;
    }
    if (id) await raft.proposeConfChange({ type: 'remove', id }, 20_000);
    await this.store.update((tx) => {
      const cur = tx.nodes.get(n.ID);
      if (cur && cur.Spec.Role === 'worker') tx.update('nodes', withoutManagerStatus(structuredClone(cur)));
    });
    log.info({ node: n.ID }, 'manager demoted to worker');
  }
}
