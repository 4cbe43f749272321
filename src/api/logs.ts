import type { ServerResponse } from 'node:http';
import { boolParam, type ApiRequest } from './http.js';
import type { DaemonBackend, TaskLogLine } from './backend.js';
import { IncompleteLogs, type LogSelector } from '../types/logbroker.js';
import { badRequest } from '../types/errors.js';

/** Go's url.QueryEscape for detail keys and values. */
function qe(s: string) { return encodeURIComponent(s).replace(/%20/g, '+'); }

/** Docker's stdcopy header: stream (1 stdout, 2 stderr, 3 the daemon's error), 3 zero bytes, big-endian length. */
function frame(stream: 1 | 2 | 3, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

function sinceMs(v: string | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isNaN(n)) return n * 1000;
  const d = Date.parse(v);
  if (Number.isNaN(d)) throw badRequest(`invalid value for "since": ${v}`);
  return d;
}

/** Docker's router refuses a logs request without a stream before it looks the service or task up. */
export function checkLogStreams(req: ApiRequest): void {
  if (!boolParam(req.query, 'stdout') && !boolParam(req.query, 'stderr')) throw badRequest('Bad parameters: you must choose at least one stream');
}

/** Service and task logs as Docker streams them (multiplexed unless the task has a TTY). */
export async function streamLogs(req: ApiRequest, res: ServerResponse, backend: DaemonBackend, selector: LogSelector, tty: boolean) {
  const q = req.query;
  checkLogStreams(req);
  const stdout = boolParam(q, 'stdout');
  const stderr = boolParam(q, 'stderr');
  const tailRaw = q.get('tail');
  const tail = !tailRaw || tailRaw === 'all' ? undefined : Number(tailRaw);
  const follow = boolParam(q, 'follow');
  const details = boolParam(q, 'details');
  const timestamps = boolParam(q, 'timestamps');
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
  res.flushHeaders();
  const lines = backend.taskLogs(selector, { follow, tail, stdout, stderr, since: sinceMs(q.get('since')), signal: abort.signal });
  try {
    await writeLines(lines, res, { details, timestamps, tty, signal: abort.signal });
  } catch (err) {
    // Past the headers an error goes on the daemon's error stream, as Docker's (the CLI prints "error from daemon in stream").
    const why = err instanceof IncompleteLogs ? `rpc error: code = Unknown desc = ${err.message}` : String((err as Error)?.message ?? err);
    const text = Buffer.from(`Error grabbing logs: ${why}\n`);
    res.write(tty ? text : frame(3, text));
  }
  res.end();
}

async function writeLines(lines: AsyncIterable<TaskLogLine>, res: ServerResponse, o: { details: boolean; timestamps: boolean; tty: boolean; signal: AbortSignal }) {
  const { details, timestamps, tty } = o;
  for await (const l of lines) {
    if (o.signal.aborted) break;
    let text = l.line;
    if (details) {
      const attrs = [
        ['com.docker.swarm.node.id', l.task.NodeID ?? ''],
        ['com.docker.swarm.service.id', l.task.ServiceID],
        ['com.docker.swarm.task.id', l.task.ID],
      ].map(([k, v]) => `${qe(k)}=${qe(v)}`).join(',');
      text = `${attrs} ${text}`;
    }
    if (timestamps) text = `${l.timestamp} ${text}`;
    const payload = Buffer.from(text + '\n');
    res.write(tty ? payload : frame(l.stream === 'stderr' ? 2 : 1, payload));
  }
}
