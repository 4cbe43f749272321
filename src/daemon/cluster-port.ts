import type * as grpc from '@grpc/grpc-js';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';
import type { ClusterAuthState } from '../manager/ca/cluster-auth.js';
import { dispatcherRules, dispatcherServiceDefinition, dispatcherServiceHandlers } from '../manager/dispatcher/dispatcher-service.js';
import type { Manager } from '../manager/manager.js';
import { logBrokerRules, logBrokerServiceDefinition, logBrokerServiceHandlers } from '../manager/logbroker/logbroker-service.js';
import { ApiError } from '../types/errors.js';
import { startClusterServer, type ExtraService } from './cluster-server.js';
import { managerHandlers } from './manager-rpc.js';
import type { NodeSecurity } from './node-security.js';

export interface ClusterPortDeps {
  listenAddr: string;
  security: NodeSecurity;
  /** This node's manager, undefined on a worker (and while a manager starts or stops). */
  manager(): Manager | undefined;
  managerAddrs(): string[];
  /** Runs a cluster write a follower forwarded, through this node's API route table. */
  runWrite(w: ForwardedWrite): Promise<ForwardedReply>;
}

/**
 * The node's cluster port (2377): Raft, joins and certificates on a manager,
 * the dispatcher for every agent. It lives as long as the node is in a swarm,
 * across promotions and demotions, so it asks for the manager at each call.
 */
export async function serveClusterPort(d: ClusterPortDeps): Promise<grpc.Server> {
  const sec = d.security;
  // Who may call what: this swarm's ID, and what the manager (if any) knows of the caller.
  const auth: ClusterAuthState = { clusterId: sec.identity().clusterId, manager: () => d.manager()?.authView() };
  return startClusterServer(d.listenAddr, sec.credentials.server(), auth, managerHandlers({
    manager: d.manager,
    auth,
    credentials: () => sec.credentials.client(),
    managerAddrs: d.managerAddrs,
    runWrite: d.runWrite,
  }), [...dispatcherService(d, auth), logBrokerService(d, auth)]);
}

/** The dispatcher on the cluster port, answered by the leader's dispatcher; callers need a certificate. */
function dispatcherService(d: ClusterPortDeps, auth: ClusterAuthState): ExtraService[] {
  return [{
    definition: dispatcherServiceDefinition,
    rules: dispatcherRules,
    implementation: dispatcherServiceHandlers({
      auth,
      local: () => {
        const m = d.manager();
        return m?.isLeader() ? m.dispatcher : undefined;
      },
      leaderAddr: () => d.manager()?.leaderMember()?.addr,
      managers: d.managerAddrs,
      admit: (nodeId) => {
        if (!d.manager()?.hasNode(nodeId)) throw new ApiError(403, `node ${nodeId} was removed from the swarm`);
      },
    }),
  }];
}

/** The log broker on the cluster port, answered by the leader's broker (sessions are its dispatcher's). */
function logBrokerService(d: ClusterPortDeps, auth: ClusterAuthState): ExtraService {
  return {
    definition: logBrokerServiceDefinition,
    rules: logBrokerRules,
    implementation: logBrokerServiceHandlers({
      auth,
      local: () => {
        const m = d.manager();
        return m?.isLeader() ? { broker: m.logBroker, sessionNode: (id) => m.dispatcher.sessionNode(id) } : undefined;
      },
    }),
  };
}
