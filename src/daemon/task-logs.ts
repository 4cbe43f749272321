import type { TaskLogLine } from '../api/backend.js';
import type { Executor, LogOptions } from '../executor/executor.js';
import { logger } from '../log.js';
import { ApiError } from '../types/errors.js';
import type { Task } from '../types/objects.js';
import { mergeAsync } from './merge.js';

const log = logger('daemon');

/** What this node runs: read when the logs are first asked for, not when the call is made. */
export interface LocalTasks {
  executor: Executor;
  tasks(): Task[];
  nodeId(): string | undefined;
}

/**
 * `service logs` on this node: the lines of the tasks it runs (or was given),
 * followed as they come, else all at once in time order.
 */
export async function* taskLogs(tasks: Task[], opts: LogOptions, here: LocalTasks): AsyncIterable<TaskLogLine> {
  const local = new Map(here.tasks().map((t) => [t.ID, t]));
  const nodeId = here.nodeId();
  const sources = tasks.filter((t) => local.has(t.ID) || t.NodeID === nodeId).map((task) =>
    (async function* (executor: Executor) {
      try {
        for await (const line of executor.logs(task, opts)) yield { ...line, task };
      } catch (err) {
        if (!(err instanceof ApiError)) log.debug({ task: task.ID, err: String(err) }, 'no logs');
      }
    })(here.executor));
  if (opts.follow) {
    yield* mergeAsync(sources);
    return;
  }
  // Without --follow, lines of all tasks come in time order, as the engine's.
  const all: TaskLogLine[] = [];
  for (const s of sources) for await (const l of s) all.push(l);
  all.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  yield* all;
}
