import * as grpc from '@grpc/grpc-js';
import { checkSessionOwner, requireNode, type AuthCall, type ClusterAuthState, type MethodRules } from '../ca/cluster-auth.js';
import { grpcStatus, serverStream, unary, unaryHandler } from '../../raft/transport/rpc.js';
import { ApiError } from '../../types/errors.js';
import {
  DISPATCHER_RPC, LEADER_HINT, type AttachNetworkRequest, type DetachNetworkRequest, type DispatcherAPI, type RegisterRequest, type TaskStatusUpdate,
} from '../../types/dispatcher.js';

/** The leader's dispatcher, which also says whose a session is. */
export interface SessionDispatcher extends DispatcherAPI {
  sessionNode(sessionId: string): string | undefined;
}

export interface DispatcherServiceDeps {
  /** Who may call (cluster-auth.ts). */
  auth: ClusterAuthState;
  /** The dispatcher when this manager leads, else undefined. */
  local(): SessionDispatcher | undefined;
  /** The leader's cluster address, for a redirect. */
  leaderAddr(): string | undefined;
  /** Cluster addresses of all managers, handed to agents on registration. */
  managers(): string[];
  /** Whether a node may register (it exists and was not removed). */
  admit(nodeId: string): void;
}

const KiB = 1024;

/** Any node of the swarm may call; a registration carries its description, status reports may be many. */
export const dispatcherRules: MethodRules = {
  [DISPATCHER_RPC.register]: { authorize: requireNode, maxRequestBytes: 256 * KiB },
  [DISPATCHER_RPC.heartbeat]: { authorize: requireNode, maxRequestBytes: 4 * KiB },
  [DISPATCHER_RPC.assignments]: { authorize: requireNode, maxRequestBytes: 4 * KiB },
  [DISPATCHER_RPC.updateTaskStatus]: { authorize: requireNode, maxRequestBytes: 16 * 1024 * KiB },
  [DISPATCHER_RPC.attachNetwork]: { authorize: requireNode, maxRequestBytes: 16 * KiB },
  [DISPATCHER_RPC.detachNetwork]: { authorize: requireNode, maxRequestBytes: 4 * KiB },
};

export const dispatcherServiceDefinition: grpc.ServiceDefinition = {
  Register: unary(DISPATCHER_RPC.register),
  Heartbeat: unary(DISPATCHER_RPC.heartbeat),
  Assignments: serverStream(DISPATCHER_RPC.assignments),
  UpdateTaskStatus: unary(DISPATCHER_RPC.updateTaskStatus),
  AttachNetwork: unary(DISPATCHER_RPC.attachNetwork),
  DetachNetwork: unary(DISPATCHER_RPC.detachNetwork),
} as grpc.ServiceDefinition;

/** A gRPC status for an error: a follower answers FAILED_PRECONDITION with the leader's address. */
function toStatus(err: unknown, leader?: string): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (leader) metadata.set(LEADER_HINT, leader);
  return grpcStatus(err, err instanceof NotLeader ? grpc.status.FAILED_PRECONDITION : grpc.status.UNAVAILABLE, metadata);
}

class NotLeader extends Error {
  constructor() { super('this manager is not the leader'); }
}

/**
 * The dispatcher on the cluster port: agents on any node register, heartbeat,
 * stream their assignments and report status. Only the leader dispatches; a
 * follower refuses with the leader's address so the agent moves there.
 * Every caller needs a node certificate of this swarm; a node speaks only
 * for itself.
 */
export function dispatcherServiceHandlers(d: DispatcherServiceDeps): grpc.UntypedServiceImplementation {
  const dispatcher = (): SessionDispatcher => {
    const l = d.local();
    if (!l) throw new NotLeader();
    return l;
  };
  /** The caller's node, proven by its certificate; a claimed node ID must be that one. */
  const caller = (call: AuthCall, claimed?: string): string => {
    const id = requireNode(d.auth, call);
    if (claimed && claimed !== id.nodeId) throw new ApiError(403, `Permission denied: certificate is for node ${id.nodeId}, not ${claimed}`);
    return id.nodeId;
  };
  /** The dispatcher, once the caller is known to own the session: a node uses only its own sessions. */
  const ownSession = (call: AuthCall, sessionId: unknown): SessionDispatcher => {
    const id = requireNode(d.auth, call);
    if (typeof sessionId !== 'string') throw new ApiError(400, 'sessionId: a string is required');
    const disp = dispatcher();
    checkSessionOwner(id, disp.sessionNode(sessionId));
    return disp;
  };
  const handle = <Req, Res>(fn: (req: Req, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<Res>) =>
    unaryHandler(fn, (err) => toStatus(err, err instanceof NotLeader ? d.leaderAddr() : undefined));
  return {
    Register: handle(async (req: RegisterRequest, call) => {
      const nodeId = caller(call, req.nodeId);
      const disp = dispatcher();
      d.admit(nodeId);
      const res = await disp.register({ ...req, nodeId });
      return { ...res, managers: d.managers() };
    }),
    Heartbeat: handle(async (req: { sessionId: string }, call) => ownSession(call, req?.sessionId).heartbeat(req.sessionId)),
    UpdateTaskStatus: handle(async (req: { sessionId: string; updates: TaskStatusUpdate[] }, call) => {
      await ownSession(call, req?.sessionId).updateTaskStatus(req.sessionId, req.updates);
      return {};
    }),
    AttachNetwork: handle(async (req: AttachNetworkRequest, call) => {
      const disp = ownSession(call, req?.sessionId);
      if (!disp.attachNetwork) throw new ApiError(501, 'attaching containers to swarm networks: not supported by this manager');
      return disp.attachNetwork(req);
    }),
    DetachNetwork: handle(async (req: DetachNetworkRequest, call) => {
      await ownSession(call, req?.sessionId).detachNetwork?.(req);
      return {};
    }),
    Assignments: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      let sub: { close(): void } | undefined;
      try {
        const req = call.request as { sessionId: string };
        sub = ownSession(call, req?.sessionId).assignments(req.sessionId, {
          onMessage: (m) => call.write(m),
          onClose: (err) => {
            if (err) call.emit('error', toStatus(err));
            else call.end();
          },
        });
      } catch (err) {
        call.emit('error', toStatus(err, err instanceof NotLeader ? d.leaderAddr() : undefined));
        return;
      }
      call.on('cancelled', () => sub?.close());
      call.on('close', () => sub?.close());
    },
  };
}
