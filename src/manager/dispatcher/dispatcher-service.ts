import * as grpc from '@grpc/grpc-js';
import { grpcStatus, serverStream, unary, unaryHandler } from '../../raft/transport/rpc.js';
import { ApiError } from '../../types/errors.js';
import { peerIdentity } from '../ca/tls.js';
import { DISPATCHER_RPC, LEADER_HINT, type DispatcherAPI, type RegisterRequest, type TaskStatusUpdate } from '../../types/dispatcher.js';

export interface DispatcherServiceDeps {
  /** The dispatcher when this manager leads, else undefined. */
  local(): DispatcherAPI | undefined;
  /** The leader's cluster address, for a redirect. */
  leaderAddr(): string | undefined;
  /** Cluster addresses of all managers, handed to agents on registration. */
  managers(): string[];
  /** Whether a node may register (it exists and was not removed). */
  admit(nodeId: string): void;
}

export const dispatcherServiceDefinition: grpc.ServiceDefinition = {
  Register: unary(DISPATCHER_RPC.register),
  Heartbeat: unary(DISPATCHER_RPC.heartbeat),
  Assignments: serverStream(DISPATCHER_RPC.assignments),
  UpdateTaskStatus: unary(DISPATCHER_RPC.updateTaskStatus),
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
  const dispatcher = (): DispatcherAPI => {
    const l = d.local();
    if (!l) throw new NotLeader();
    return l;
  };
  const caller = (call: Parameters<typeof peerIdentity>[0], claimed?: string): string => {
    const id = peerIdentity(call);
    if (!id) throw new ApiError(403, 'a node certificate is required');
    if (claimed && claimed !== id.nodeId) throw new ApiError(403, `certificate is for node ${id.nodeId}, not ${claimed}`);
    return id.nodeId;
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
    Heartbeat: handle(async (req: { sessionId: string }, call) => {
      caller(call);
      return dispatcher().heartbeat(req.sessionId);
    }),
    UpdateTaskStatus: handle(async (req: { sessionId: string; updates: TaskStatusUpdate[] }, call) => {
      caller(call);
      await dispatcher().updateTaskStatus(req.sessionId, req.updates);
      return {};
    }),
    Assignments: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      let sub: { close(): void } | undefined;
      try {
        caller(call);
        const req = call.request as { sessionId: string };
        sub = dispatcher().assignments(req.sessionId, {
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
