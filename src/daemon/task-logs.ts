import type * as grpc from '@grpc/grpc-js';
import type { TaskLogLine } from '../api/backend.js';
import type { Executor, LogLine, LogOptions } from '../executor/executor.js';
import { logger } from '../log.js';
import type { LogBroker } from '../manager/logbroker/broker.js';
import type { LogSink } from '../manager/logbroker/subscription.js';
import { serverStream } from '../raft/transport/rpc.js';
import { ApiError, unavailable } from '../types/errors.js';
import { IncompleteLogs, LOGBROKER_RPC, type LogSelector, type PublishedLog, type SubscribeLogsMessage, type SubscribeLogsRequest } from '../types/logbroker.js';
import type { Task } from '../types/objects.js';

const log = logger('daemon');

/** One task's lines from this node's executor; a task it has nothing of gives none. */
export async function* localTaskLines(executor: Executor, task: Task, opts: LogOptions): AsyncIterable<LogLine> {
  try {
    yield* executor.logs(task, opts);
  } catch (err) {
    if (!(err instanceof ApiError)) log.debug({ task: task.ID, err: String(err) }, 'no logs');
  }
}

/** How this manager reaches the leader's log broker. */
export interface BrokerAccess {
  /** The broker when this manager leads. */
  local(): LogBroker | undefined;
  /** The leader's cluster address, and a channel to it. */
  leader(): { addr: string; client: grpc.Client } | undefined;
}

/** Subscribes at the leader's broker (here, or over the cluster port); returns the close. */
function subscribe(req: SubscribeLogsRequest, sink: LogSink, via: BrokerAccess): () => void {
  const broker = via.local();
  if (broker) {
    const sub = broker.subscribe(req, sink);
    return () => sub.close();
  }
  const leader = via.leader();
  if (!leader) throw unavailable('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online. Make sure more than half of the managers are online.');
  const def = serverStream(LOGBROKER_RPC.subscribeLogs);
  const stream = leader.client.makeServerStreamRequest(LOGBROKER_RPC.subscribeLogs, def.requestSerialize, def.responseDeserialize, req);
  let ended = false;
  let error: string | undefined;
  const end = (err?: string) => { if (!ended) { ended = true; leader.client.close(); sink.end(err); } };
  stream.on('data', (m: SubscribeLogsMessage) => {
    if (m.messages?.length) sink.messages(m.messages);
    if (m.error) error = m.error;
  });
  stream.on('end', () => end(error));
  stream.on('error', (err: grpc.ServiceError) => end(err.details || err.message));
  return () => {
    if (ended) return;
    ended = true;
    stream.cancel();
    leader.client.close();
  };
}

/**
 * `service logs` / `task logs` on a manager: the selected tasks' lines from
 * every node that runs them, through the leader's log broker. Following,
 * lines come as they are published (in order per task); otherwise they come
 * in time order once every node has sent its part. Ends by throwing
 * IncompleteLogs when some part could not be had.
 */
export async function* clusterTaskLogs(selector: LogSelector, opts: LogOptions, via: BrokerAccess): AsyncIterable<TaskLogLine> {
  const queue: PublishedLog[] = [];
  let done = false;
  let incomplete: string | undefined;
  let wake: (() => void) | undefined;
  const notify = () => { wake?.(); wake = undefined; };
  const { signal, ...options } = opts;
  const close = subscribe({ selector, options }, {
    messages: (m) => { for (const x of m) queue.push(x); notify(); },
    end: (err) => { done = true; incomplete = err; notify(); },
  }, via);
  const onAbort = () => { done = true; notify(); };
  signal?.addEventListener('abort', onAbort);
  const line = (m: PublishedLog): TaskLogLine => ({
    stream: m.stream, timestamp: m.timestamp, line: m.line,
    task: { ID: m.context.taskId, ServiceID: m.context.serviceId, NodeID: m.context.nodeId },
  });
  try {
    if (opts.follow) {
      while (!done || queue.length) {
        if (queue.length) {
          const batch = queue.splice(0);
          for (const m of batch) yield line(m);
          continue;
        }
        await new Promise<void>((r) => { wake = r; });
      }
    } else {
      while (!done) await new Promise<void>((r) => { wake = r; });
      // Lines of all tasks in time order, as one engine's would be.
      const all = queue.map(line);
      all.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
      yield* all;
    }
    if (incomplete && !signal?.aborted) throw new IncompleteLogs(incomplete);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    close();
  }
}
