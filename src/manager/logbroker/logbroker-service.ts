import * as grpc from '@grpc/grpc-js';
import { checkSessionOwner, requireCurrentManager, requireNode, type AuthCall, type ClusterAuthState, type MethodRules } from '../ca/cluster-auth.js';
import { grpcStatus, serverStream, unary, unaryHandler } from '../../raft/transport/rpc.js';
import { ApiError } from '../../types/errors.js';
import { LOGBROKER_RPC, type PublishLogsRequest, type SubscribeLogsMessage, type SubscribeLogsRequest } from '../../types/logbroker.js';
import type { LogBroker } from './broker.js';

export interface LogBrokerServiceDeps {
  auth: ClusterAuthState;
  /** The leader's broker and the node owning a dispatcher session; undefined when this manager does not lead. */
  local(): { broker: LogBroker; sessionNode(sessionId: string): string | undefined } | undefined;
}

const KiB = 1024;

/**
 * Subscribing is a manager's (it serves the API); listening and publishing
 * are any node's, for its own session, and a node publishes only lines of
 * its own tasks (broker.ts checks each message's node).
 */
export const logBrokerRules: MethodRules = {
  [LOGBROKER_RPC.subscribeLogs]: { authorize: requireCurrentManager, maxRequestBytes: 64 * KiB },
  [LOGBROKER_RPC.listenSubscriptions]: { authorize: requireNode, maxRequestBytes: 4 * KiB },
  [LOGBROKER_RPC.publishLogs]: { authorize: requireNode, maxRequestBytes: 4 * 1024 * KiB },
};

export const logBrokerServiceDefinition: grpc.ServiceDefinition = {
  SubscribeLogs: serverStream(LOGBROKER_RPC.subscribeLogs),
  ListenSubscriptions: serverStream(LOGBROKER_RPC.listenSubscriptions),
  PublishLogs: unary(LOGBROKER_RPC.publishLogs),
} as grpc.ServiceDefinition;

const notLeader = () => new ApiError(503, 'this manager is not the leader');

/** The log broker on the cluster port, answered by the leader's broker. */
export function logBrokerServiceHandlers(d: LogBrokerServiceDeps): grpc.UntypedServiceImplementation {
  const leader = () => {
    const l = d.local();
    if (!l) throw notLeader();
    return l;
  };
  /** The caller's node, once it is known to own the session it names. */
  const ownSession = (call: AuthCall, sessionId: unknown) => {
    const id = requireNode(d.auth, call);
    if (typeof sessionId !== 'string') throw new ApiError(400, 'sessionId: a string is required');
    const l = leader();
    const owner = l.sessionNode(sessionId);
    if (owner === undefined) throw new ApiError(404, 'session invalid');
    checkSessionOwner(id, owner);
    return { nodeId: id.nodeId, broker: l.broker };
  };
  const fail = (call: grpc.ServerWritableStream<unknown, unknown>, err: unknown) => call.emit('error', grpcStatus(err, grpc.status.UNAVAILABLE));
  return {
    SubscribeLogs: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      let sub: { close(): void } | undefined;
      try {
        requireCurrentManager(d.auth, call);
        const req = call.request as SubscribeLogsRequest;
        if (!req || typeof req.selector !== 'object' || typeof req.options !== 'object') throw new ApiError(400, 'selector and options are required');
        sub = leader().broker.subscribe(req, {
          messages: (messages) => call.write({ messages } satisfies SubscribeLogsMessage),
          end: (error) => {
            if (error) call.write({ error } satisfies SubscribeLogsMessage);
            call.end();
          },
        });
      } catch (err) {
        fail(call, err);
        return;
      }
      call.on('cancelled', () => sub?.close());
      call.on('close', () => sub?.close());
    },
    ListenSubscriptions: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      let listening: { close(): void } | undefined;
      try {
        const { nodeId, broker } = ownSession(call, (call.request as { sessionId?: unknown })?.sessionId);
        listening = broker.listen(nodeId, {
          send: (m) => call.write(m),
          end: (err) => { if (err) fail(call, err); else call.end(); },
        });
      } catch (err) {
        fail(call, err);
        return;
      }
      call.on('cancelled', () => listening?.close());
      call.on('close', () => listening?.close());
    },
    PublishLogs: unaryHandler(async (req: PublishLogsRequest, call) => {
      const { nodeId, broker } = ownSession(call, req?.sessionId);
      if (typeof req.subscriptionId !== 'string' || (req.messages !== undefined && !Array.isArray(req.messages))) {
        throw new ApiError(400, 'subscriptionId and messages are required');
      }
      broker.publish(nodeId, req);
      return {};
    }, (err) => grpcStatus(err, grpc.status.UNAVAILABLE)),
  };
}
