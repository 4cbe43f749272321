import type * as grpc from '@grpc/grpc-js';
import type { TaskLogLine } from '../api/backend.js';
import type { Executor, LogLine, LogOptions } from '../executor/executor.js';
import { logger } from '../log.js';
import type { LogBroker } from '../manager/logbroker/broker.js';
import type { LogSink } from '../manager/logbroker/subscription.js';
import { serverStream } from '../raft/transport/rpc.js';
import { ApiError, unavailable } from '../types/errors.js';
import { LogResume } from './log-resume.js';
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

/** How long a following `service logs` waits before subscribing again at the (new) leader. */
export const RESUBSCRIBE_MS = 500;

/**
 * `service logs` / `task logs` on a manager: the selected tasks' lines from
 * every node that runs them, through the leader's log broker. Following,
 * lines come as they are published (in order per task) and the stream
 * outlives a change of leader: it subscribes again at the new one, from the
 * last line it passed on, without repeating it. Otherwise they come once
 * every node has sent its part, each task's lines together and in order, as
 * Docker 20.10 gives them (not merged by time). Ends by throwing
 * IncompleteLogs when some part could not be had.
 */
export async function* clusterTaskLogs(selector: LogSelector, opts: LogOptions, via: BrokerAccess): AsyncIterable<TaskLogLine> {
  const queue: PublishedLog[] = [];
  let done = false;
  let incomplete: string | undefined;
  let wake: (() => void) | undefined;
  const notify = () => { wake?.(); wake = undefined; };
  const { signal, ...options } = opts;
  const resume = new LogResume((m) => { for (const x of m) queue.push(x); notify(); });
  let close: () => void = () => undefined;
  let generation = 0;
  let retry: NodeJS.Timeout | undefined;
  const open = (o: Omit<LogOptions, 'signal'>) => {
    const gen = ++generation;
    close = subscribe({ selector, options: o }, {
      messages: (m) => {
        if (gen !== generation) return;
        if (opts.follow) { resume.accept(m); return; }
        for (const x of m) queue.push(x);
        notify();
      },
      end: (err) => {
        if (gen !== generation) return;
        // A following stream ends only when the leader's broker goes (leadership moved, or the leader died).
        if (opts.follow && !signal?.aborted) { log.debug({ err }, 'log subscription lost; subscribing again'); reopen(); return; }
        done = true; incomplete = err; notify();
      },
    }, via);
  };
  const reopen = () => {
    generation++;
    close();
    retry = setTimeout(() => {
      if (signal?.aborted || done) return;
      const since = resume.since(options.since);
      resume.resubscribed();
      try { open({ ...options, tail: undefined, since }); } catch (err) { log.debug({ err: String(err) }, 'no leader yet for the log subscription'); reopen(); }
    }, RESUBSCRIBE_MS);
  };
  open(options);
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
      // Each task's lines together, in order, tasks as their first lines came.
      const byTask = new Map<string, PublishedLog[]>();
      for (const m of queue) {
        const list = byTask.get(m.context.taskId);
        if (list) list.push(m); else byTask.set(m.context.taskId, [m]);
      }
      for (const list of byTask.values()) for (const m of list) yield line(m);
    }
    if (incomplete && !signal?.aborted) throw new IncompleteLogs(incomplete);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(retry);
    resume.close();
    generation++;
    close();
  }
}
