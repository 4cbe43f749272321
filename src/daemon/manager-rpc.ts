import { randomBytes } from 'node:crypto';
import type { ForwardedReply, ForwardedWrite } from '../api/forwarded.js';
import type * as grpc from '@grpc/grpc-js';
import type { NodeIdentity } from '../manager/ca/identity.js';
import type { IssueRequest } from '../manager/ca/node-ca.js';
import { NO_LEADER } from '../manager/controlapi/rpc-errors.js';
import type { Manager } from '../manager/manager.js';
import { memberOf } from '../manager/role-manager.js';
import { withoutManagerStatus } from '../manager/nodes.js';
import type { Message } from '../raft/types.js';
import { ApiError } from '../types/errors.js';
import type { Node } from '../types/objects.js';
import {
  ISSUE_CERT, JOIN, clusterCall,
  type ClusterHandlers, type IssueAnswer, type JoinRequest, type JoinResponse,
} from './cluster-server.js';

/** A follower hands a certificate request to the leader, saying who asked (nobody, for a token). */
interface ForwardedIssue extends IssueRequest { forwardedFor?: NodeIdentity | null }

export interface ManagerRpcDeps {
  manager(): Manager | undefined;
  /** This node's client credentials, for calls a follower forwards to the leader. */
  credentials(): grpc.ChannelCredentials;
  managerAddrs(): string[];
  /** Runs a cluster write a follower forwarded, through this node's API route table. */
  runWrite(w: ForwardedWrite): Promise<ForwardedReply>;
}

export function newRaftId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * What a manager answers on the cluster port. Writes happen on the leader:
 * a follower forwards joins and first certificates there.
 */
export function managerHandlers(d: ManagerRpcDeps): ClusterHandlers {
  const manager = () => {
    const m = d.manager();
    if (!m?.raft) throw new ApiError(503, 'This node is not a swarm manager.');
    return m;
  };
  const leaderAddr = (m: Manager) => {
    const l = m.leaderMember();
    if (!l) throw new Error(NO_LEADER);
    return l.addr;
  };
  return {
    raftMessage: (msg: Message) => d.manager()?.step(msg),

    async rootCA() {
      const ca = manager().store.view((tx) => tx.cluster()?.RootCA);
      if (!ca) throw new ApiError(503, 'the swarm has no CA yet');
      return { certPem: ca.CACert };
    },

    async issueCertificate(req: ForwardedIssue, caller): Promise<IssueAnswer> {
      const m = manager();
      // A manager may speak for the node it forwards for; anyone else only for itself.
      const forwarded = caller?.role === 'manager' && req.forwardedFor !== undefined;
      const who = forwarded ? req.forwardedFor ?? undefined : caller;
      if (!m.raft!.isLeader) {
        return clusterCall<ForwardedIssue, IssueAnswer>(leaderAddr(m), d.credentials(), ISSUE_CERT, { ...req, forwardedFor: who ?? null });
      }
      const { forwardedFor: _f, ...plain } = req;
      const res = await m.ca.issue(plain, who);
      return { ...res, managers: d.managerAddrs() };
    },

    /** A manager (its certificate says so, its node is a manager not yet in Raft) becomes a Raft member. */
    async join(req: JoinRequest, caller: NodeIdentity): Promise<JoinResponse> {
      const m = manager();
      const raft = m.raft!;
      if (!raft.isLeader) return clusterCall<JoinRequest, JoinResponse>(leaderAddr(m), d.credentials(), JOIN, req);
      const node = m.store.view((tx) => tx.nodes.get(caller.nodeId));
      if (!node || node.Spec.Role !== 'manager') throw new ApiError(403, `node ${caller.nodeId} is not a manager of this swarm`);
      // A retried join: the member is there already.
      const existing = memberOf(raft, caller.nodeId);
      if (existing) return { raftId: existing, members: [...raft.members] };
      const raftId = newRaftId();
      // The status first: once the member is added, commits need the joiner, which starts only after we answer.
      await m.store.update((tx) => {
        const cur = tx.nodes.get(node.ID);
        if (cur) tx.update('nodes', { ...structuredClone(cur), ManagerStatus: { Leader: false, Reachability: 'reachable', Addr: req.addr } } as Node);
      });
      try {
        await raft.proposeConfChange({ type: 'add', id: raftId, context: JSON.stringify({ addr: req.addr, nodeId: node.ID }) }, 20_000);
      } catch (err) {
        await m.store.update((tx) => {
          const cur = tx.nodes.get(node.ID);
          if (cur) tx.update('nodes', withoutManagerStatus(structuredClone(cur)));
        }).catch(() => undefined);
        throw err;
      }
      return { raftId, members: [...raft.members] };
    },

    /** Only the leader runs forwarded writes; a follower that was asked says so (the caller retries at the new leader). */
    async forwardWrite(w: ForwardedWrite): Promise<ForwardedReply> {
      if (!manager().raft!.isLeader) throw new ApiError(503, 'this manager is not the leader');
      return d.runWrite(w);
    },
  };
}
