import * as grpc from '@grpc/grpc-js';
import { ROLE_OU, type NodeIdentity } from '../../pki/identity.js';
import { peerIdentity } from '../../pki/peer-identity.js';
import { grpcStatus, limitRequestBytes } from '../../raft/transport/rpc.js';
import { ApiError } from '../../types/errors.js';

/**
 * Who may call what on the cluster port. The certificate says who calls
 * (CN node, OU role, O swarm); this manager's store and Raft say what that
 * node still is: a removed node is refused everywhere, a demoted manager
 * loses the manager calls at once. Every handler starts with one of the
 * require* functions, and authorizeCalls applies the method's rule before a
 * byte of the request is read, so a new RPC gets the same checks by naming
 * its rule in a MethodRules table (a method without one is refused).
 */

/** What this manager knows of the swarm; every answer comes from its store or its Raft. */
export interface ManagerView {
  /** Whether the node was removed from the swarm (the cluster object's RemovedNodes). */
  removed(nodeId: string): boolean;
  /** The role the store gives the node, undefined when the store has no such node. */
  role(nodeId: string): 'manager' | 'worker' | undefined;
  /** Whether the node has a member in this manager's Raft configuration. */
  raftMember(nodeId: string): boolean;
  /** The node a Raft member ID belongs to, undefined when this manager does not know the member. */
  nodeOfRaftMember(raftId: string): string | undefined;
}

export interface ClusterAuthState {
  /** This swarm's ID: the organisation (O) of this node's own certificate. */
  clusterId: string;
  /** This manager's view, undefined on a node that runs no manager. */
  manager(): ManagerView | undefined;
}

/** The parts of a server call authorization reads (unary, stream or an interceptor's call). */
export type AuthCall = Parameters<typeof peerIdentity>[0];

const denied = (why: string) => new ApiError(403, `Permission denied: ${why}`);

/** A certificate's identity allowed on this swarm: its organisation, and not a removed node. */
export function checkNode(s: ClusterAuthState, id: NodeIdentity): NodeIdentity {
  if (id.clusterId !== s.clusterId) throw denied(`remote certificate not part of organization: ${s.clusterId}`);
  // The agent leaves the swarm when it reads "removed from the swarm" (agent.ts).
  if (s.manager()?.removed(id.nodeId)) throw denied(`node ${id.nodeId} was removed from the swarm`);
  return id;
}

/** The caller's identity if it sent a certificate (then checked as requireNode does), else undefined. */
export function optionalNode(s: ClusterAuthState, call: AuthCall): NodeIdentity | undefined {
  const id = peerIdentity(call);
  return id && checkNode(s, id);
}

/** A node of this swarm, not removed, proven by its certificate. */
export function requireNode(s: ClusterAuthState, call: AuthCall): NodeIdentity {
  const id = peerIdentity(call);
  if (!id) throw denied('no verified client certificate in request');
  return checkNode(s, id);
}

/** A node whose certificate says manager and which the store still holds as one. */
export function requireCurrentManager(s: ClusterAuthState, call: AuthCall): NodeIdentity {
  return checkCurrentManager(s, requireNode(s, call));
}

/** The same check for an identity already verified (a node a manager forwards for). */
export function checkCurrentManager(s: ClusterAuthState, id: NodeIdentity): NodeIdentity {
  if (id.role !== 'manager') throw denied(`remote certificate not part of OUs: [${ROLE_OU.manager}]`);
  const m = s.manager();
  if (!m || m.role(id.nodeId) !== 'manager') throw denied(`node ${id.nodeId} is not a manager of this swarm`);
  return id;
}

/**
 * A manager that may stream Raft messages here: a member of this manager's
 * Raft, or one it does not know yet (a member added while it was away, which
 * it learns of from that member's own messages). A node the store holds as a
 * worker and that is out of Raft (demoted) is refused. A demoted manager
 * keeps its stream until its removal from Raft commits: the leader does that
 * at once, and needs that member's acknowledgement when only two remain.
 */
export function requireRaftPeer(s: ClusterAuthState, call: AuthCall): NodeIdentity {
  return checkRaftPeer(s, requireNode(s, call));
}

/** requireRaftPeer's check for an identity already read (each message of an open stream). */
export function checkRaftPeer(s: ClusterAuthState, id: NodeIdentity): NodeIdentity {
  checkNode(s, id);
  if (id.role !== 'manager') throw denied(`remote certificate not part of OUs: [${ROLE_OU.manager}]`);
  const m = s.manager();
  if (!m) throw new ApiError(503, 'This node is not a swarm manager.');
  if (!m.raftMember(id.nodeId) && m.role(id.nodeId) === 'worker') throw denied(`node ${id.nodeId} is not a manager of this swarm`);
  return id;
}

/** A Raft message must come from the caller's own member: no manager speaks for another. */
export function checkRaftSender(s: ClusterAuthState, caller: NodeIdentity, from: string): void {
  const owner = s.manager()?.nodeOfRaftMember(from);
  if (owner !== undefined && owner !== caller.nodeId) throw denied(`raft member ${from} is not node ${caller.nodeId}`);
}

/** A dispatcher session belongs to the node that opened it. */
export function checkSessionOwner(caller: NodeIdentity, owner: string | undefined): void {
  if (owner !== undefined && owner !== caller.nodeId) throw denied(`session does not belong to node ${caller.nodeId}`);
}

/** How a method is authorized, and the largest request message it reads. */
export interface MethodRule {
  authorize(s: ClusterAuthState, call: AuthCall): unknown;
  maxRequestBytes: number;
}
export type MethodRules = Record<string, MethodRule>;

/**
 * The cluster server's first interceptor: the method's rule runs when the
 * call starts, before grpc-js reads (let alone parses) any request message;
 * a refused call is answered at once and its request never read. The
 * method's size limit applies to every message it then reads.
 */
export function authorizeCalls(s: ClusterAuthState, rules: MethodRules): grpc.ServerInterceptor {
  return (method, call) => new grpc.ServerInterceptingCall(call, {
    start: (next) => {
      try {
        const rule = Object.hasOwn(rules, method.path) ? rules[method.path] : undefined;
        if (!rule) throw denied(`no authorization rule for ${method.path}`);
        rule.authorize(s, call);
        limitRequestBytes(call, rule.maxRequestBytes);
      } catch (err) {
        call.sendStatus({ ...grpcStatus(err, grpc.status.UNAVAILABLE), metadata: new grpc.Metadata() } as grpc.StatusObject);
        return;
      }
      next();
    },
  });
}
