import { randomBytes } from 'node:crypto';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';
import type * as grpc from '@grpc/grpc-js';
import type { NodeIdentity } from '../pki/identity.js';
import type { IssueRequest } from '../pki/issue-messages.js';
import { verifyRenewal } from '../manager/ca/renewal-proof-check.js';
import { NO_LEADER } from '../manager/controlapi/rpc-errors.js';
import type { Manager } from '../manager/manager.js';
import { memberOf } from '../manager/role-manager.js';
import { withoutManagerStatus } from '../manager/nodes.js';
import type { Message } from '../raft/types.js';
import { ApiError } from '../types/errors.js';
import type { Node } from '../types/objects.js';
import { checkNode, optionalNode, requireCurrentManager, type ClusterAuthState } from '../manager/ca/cluster-auth.js';
import {
  ISSUE_CERT, JOIN, clusterCall,
  type ClusterHandlers, type IssueAnswer, type JoinRequest, type JoinResponse,
} from './cluster-server.js';

/**
 * A follower hands a certificate request to the leader: `forwardedFor` is
 * null for a join against a token, else the node renewing, whose own proof
 * (`renewal`) the leader checks. Only a current manager may forward.
 */
interface ForwardedIssue extends IssueRequest { forwardedFor?: NodeIdentity | null }

export interface ManagerRpcDeps {
  manager(): Manager | undefined;
  /** Who may call what (cluster-auth.ts). */
  auth: ClusterAuthState;
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
 * a follower forwards joins and certificate requests there.
 */
export function managerHandlers(d: ManagerRpcDeps): ClusterHandlers {
  const { auth } = d;
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
  /** The node a renewal's proof names, checked as a direct caller would be. */
  const provenNode = (m: Manager, req: IssueRequest): NodeIdentity => {
    if (!req.renewal) throw new ApiError(403, 'Permission denied: a forwarded renewal needs the node\'s proof of its key');
    const ca = m.store.view((tx) => tx.cluster()?.RootCA);
    if (!ca) throw new ApiError(503, 'the swarm has no CA yet');
    const roots = [ca.CACert, ...(ca.RootRotation ? [ca.RootRotation.CACert] : [])];
    let id: NodeIdentity;
    try {
      const { nodeId, role, clusterId } = verifyRenewal(req.renewal, req.csrPem, roots, new Date());
      id = { nodeId, role, clusterId };
    } catch (err) {
      throw new ApiError(403, `Permission denied: ${(err as Error).message}`);
    }
    return checkNode(auth, id);
  };
  return {
    raftMessage: (msg: Message) => d.manager()?.step(msg),

    async rootCA() {
      const ca = manager().store.view((tx) => tx.cluster()?.RootCA);
      if (!ca) throw new ApiError(503, 'the swarm has no CA yet');
      return { certPem: ca.CACert };
    },

    async issueCertificate(req: ForwardedIssue, call): Promise<IssueAnswer> {
      const m = manager();
      let who: NodeIdentity | undefined;
      if (req.forwardedFor !== undefined) {
        // Only a current manager forwards, and only a token join or a node's own (proven) renewal.
        requireCurrentManager(auth, call);
        who = req.forwardedFor === null ? undefined : provenNode(m, req);
        if (who && who.nodeId !== req.forwardedFor?.nodeId) throw new ApiError(403, 'Permission denied: the renewal proof is not for the node forwarded for');
      } else {
        who = optionalNode(auth, call);
      }
      if (!m.raft!.isLeader) {
        // A renewal travels with the node's proof; without one, the node asks the leader itself.
        if (who && !req.renewal) throw new ApiError(503, 'this manager is not the leader');
        return clusterCall<ForwardedIssue, IssueAnswer>(leaderAddr(m), d.credentials(), ISSUE_CERT, { ...req, forwardedFor: who ?? null });
      }
      const { forwardedFor: _f, renewal: _r, ...plain } = req;
      const res = await m.ca.issue(plain, who);
      return { ...res, managers: d.managerAddrs() };
    },

    /** A manager (its certificate says so, its node is a manager not yet in Raft) becomes a Raft member. */
    async join(req: JoinRequest, call): Promise<JoinResponse> {
      const direct = requireCurrentManager(auth, call);
      // A follower forwards a joiner's request naming it; the joiner must be a manager in the store too.
      const joiner = req.forwardedFor === undefined ? direct.nodeId : req.forwardedFor;
      if (typeof joiner !== 'string') throw new ApiError(400, 'forwardedFor: a node ID is required');
      if (auth.manager()?.removed(joiner)) throw new ApiError(403, `Permission denied: node ${joiner} was removed from the swarm`);
      const m = manager();
      const raft = m.raft!;
      if (!raft.isLeader) return clusterCall<JoinRequest, JoinResponse>(leaderAddr(m), d.credentials(), JOIN, { addr: req.addr, forwardedFor: joiner });
      const node = m.store.view((tx) => tx.nodes.get(joiner));
      if (!node || node.Spec.Role !== 'manager') throw new ApiError(403, `Permission denied: node ${joiner} is not a manager of this swarm`);
      // A retried join: the member is there already.
      const existing = memberOf(raft, node.ID);
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
