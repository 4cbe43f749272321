import type * as grpc from '@grpc/grpc-js';
import { call, serverStream } from '../raft/transport/rpc.js';
import { LOGBROKER_RPC, type LogSubscription, type PublishLogsRequest } from '../types/logbroker.js';

const PUBLISH_TIMEOUT_MS = 10_000;

/** The leader's log broker as the agent reaches it: over its session's connection. */
export interface LogBrokerClient {
  listen(sessionId: string, h: { onMessage(m: LogSubscription): void; onClose(err?: Error): void }): { close(): void };
  publish(req: PublishLogsRequest): Promise<void>;
}

/** The broker on the manager that holds the agent's session (channel() throws while there is none). */
export function remoteLogBroker(channel: () => grpc.Client): LogBrokerClient {
  return {
    listen(sessionId, h) {
      const def = serverStream(LOGBROKER_RPC.listenSubscriptions);
      const stream = channel().makeServerStreamRequest(LOGBROKER_RPC.listenSubscriptions, def.requestSerialize, def.responseDeserialize, { sessionId });
      let ended = false;
      const end = (err?: Error) => { if (!ended) { ended = true; h.onClose(err); } };
      stream.on('data', (m: LogSubscription) => h.onMessage(m));
      stream.on('error', (err: Error) => end(err));
      stream.on('end', () => end(new Error('subscription stream ended')));
      return { close: () => { ended = true; stream.cancel(); } };
    },
    async publish(req) {
      await call(channel(), LOGBROKER_RPC.publishLogs, req, PUBLISH_TIMEOUT_MS);
    },
  };
}
