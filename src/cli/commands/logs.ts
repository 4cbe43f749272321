import type { Node, Service, Task } from '../../types/objects.js';
import { has, one } from '../args.js';
import { checkArgs, parseCommand } from '../usage.js';
import { ClientError, type Client } from '../client.js';
import { apiTimestamp } from '../timestamp.js';

const B = { value: false } as const;
const V = { value: true } as const;

/** An error the CLI prints as it is and exits 1 with. */
class LogsError extends Error {}

const digits = (n: number) => String(n).length;

/** Docker's logs.ParseLogDetails: `k=v,k=v`, each part query-escaped. */
function parseDetails(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const pair of s.split(',').filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i < 0) throw new LogsError(`invalid details format: ${s}`);
    const unq = (x: string) => decodeURIComponent(x.replace(/\+/g, ' '));
    m.set(unq(pair.slice(0, i)), unq(pair.slice(i + 1)));
  }
  return m;
}

/**
 * `service logs SERVICE|TASK` as the docker CLI does it: lines framed by
 * stream, each prefixed with `service.slot.task@node` (names resolved and
 * cached, IDs with --no-resolve), followed with -f, the daemon's in-stream
 * error on stderr.
 */
export async function serviceLogs(c: Client, args: string[], out: (s: string) => void): Promise<number> {
  const cmd = { path: 'service logs', use: '[OPTIONS] SERVICE|TASK' };
  const p = parseCommand(cmd, args, {
    follow: { short: 'f', value: false }, tail: { short: 'n', value: true }, timestamps: { short: 't', value: false },
    raw: B, 'no-task-ids': B, 'no-trunc': B, 'no-resolve': B, since: V, details: B,
  });
  checkArgs(cmd, p.args, 1, 1);
  const ref = p.args[0];
  const raw = has(p, 'raw');
  let tty = false;
  let maxLength = 1;
  let path: string;
  try {
    const s = await c.get<Service>(`/services/${encodeURIComponent(ref)}`);
    tty = !!s.Spec.TaskTemplate?.ContainerSpec?.TTY;
    const replicas = s.Spec.Mode?.Replicated?.Replicas;
    if (replicas !== undefined) maxLength = digits(replicas);
    path = `/services/${encodeURIComponent(ref)}/logs`;
  } catch (e) {
    if (!(e instanceof ClientError) || e.status !== 404) throw e;
    let t: Task;
    try { t = await c.get<Task>(`/tasks/${encodeURIComponent(ref)}`); } catch (e2) {
      if (e2 instanceof ClientError && e2.status === 404) throw new Error(`no such task or service: ${ref}`);
      throw e2;
    }
    tty = !!t.Spec.ContainerSpec?.TTY;
    maxLength = digits(t.Slot ?? 0);
    path = `/tasks/${encodeURIComponent(ref)}/logs`;
  }
  if (tty && !raw) throw new Error('tty service logs only supported with --raw');
  const timestamps = has(p, 'timestamps');
  const query = new URLSearchParams({ stdout: '1', stderr: '1' });
  if (has(p, 'details') || !raw) query.set('details', '1');
  if (has(p, 'follow')) query.set('follow', '1');
  if (timestamps) query.set('timestamps', '1');
  const tail = one(p, 'tail');
  query.set('tail', tail ?? 'all');
  const since = one(p, 'since');
  if (since) query.set('since', apiTimestamp(since));

  const names = new Prefixes(c, { noResolve: has(p, 'no-resolve'), noTaskIds: has(p, 'no-task-ids'), noTrunc: has(p, 'no-trunc'), padding: maxLength });
  const err = (s: string) => { process.stderr.write(s); };
  // Lines are formatted in order: each waits for the one before (names resolve asynchronously).
  let chain = Promise.resolve();
  let failure: Error | undefined;
  const emit = (stream: number, payload: Buffer) => {
    chain = chain.then(async () => {
      if (failure) return;
      if (stream === 3) { failure = new LogsError(`error from daemon in stream: ${payload.toString('utf8')}`); return; }
      const w = stream === 2 ? err : out;
      w(raw ? payload.toString('utf8') : await names.line(payload.toString('utf8'), timestamps, has(p, 'details')));
    }).catch((e) => { failure = e as Error; });
  };
  let buf = Buffer.alloc(0);
  // -f ends on ^C as docker's does: what came is printed, the exit status is 130
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  await c.stream(`${path}?${query}`, (chunk) => {
    if (tty) { out(chunk.toString('utf8')); return; }
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      emit(buf[0], buf.subarray(8, 8 + len));
      buf = buf.subarray(8 + len);
    }
  }, interrupt.signal).finally(() => process.off('SIGINT', onSigint));
  await chain;
  if (interrupt.signal.aborted) return 130;
  if (failure) {
    process.stderr.write(`${failure.message}\n`);
    return 1;
  }
  return 0;
}

/** The docker CLI's task formatter: `service.slot[.task]@node`, names looked up once each. */
class Prefixes {
  private cache = new Map<string, Promise<string>>();
  private nodes = new Map<string, Promise<string>>();
  private services = new Map<string, Promise<string>>();

  constructor(private c: Client, private o: { noResolve: boolean; noTaskIds: boolean; noTrunc: boolean; padding: number }) {}

  /** One framed line (timestamp?, details, message) as Docker's logWriter prints it. */
  async line(text: string, timestamps: boolean, details: boolean): Promise<string> {
    const parts = splitN(text, ' ', timestamps ? 3 : 2);
    if (parts.length !== (timestamps ? 3 : 2)) throw new LogsError(`invalid context in log message: ${text}`);
    const attrs = parseDetails(parts[timestamps ? 1 : 0]);
    const take = (k: string) => {
      const v = attrs.get(k);
      if (v === undefined) throw new LogsError(`missing ${k.split('.').slice(-2).join(' ')} in details`);
      attrs.delete(k);
      return v;
    };
    const nodeId = take('com.docker.swarm.node.id');
    const serviceId = take('com.docker.swarm.service.id');
    const taskId = take('com.docker.swarm.task.id');
    let outText = timestamps ? `${parts[0]} ` : '';
    outText += `${await this.prefix(nodeId, serviceId, taskId)}    | `;
    if (details) outText += `${[...attrs].map(([k, v]) => `${k}=${v}`).sort().join(',')} `;
    return outText + parts[timestamps ? 2 : 1];
  }

  private prefix(nodeId: string, serviceId: string, taskId: string): Promise<string> {
    const key = `${nodeId}/${serviceId}/${taskId}`;
    let p = this.cache.get(key);
    if (!p) {
      p = (async () => {
        const [node, service, task] = await Promise.all([this.node(nodeId), this.service(serviceId), this.c.get<Task>(`/tasks/${taskId}`)]);
        const slot = task.Slot ?? 0;
        let name = `${service}.${slot}`;
        if (!this.o.noTaskIds) name += `.${this.o.noTrunc ? task.ID : task.ID.slice(0, 12)}`;
        return `${name}@${node}${' '.repeat(Math.max(0, this.o.padding - digits(slot)))}`;
      })();
      this.cache.set(key, p);
    }
    return p;
  }

  private node(id: string): Promise<string> {
    if (this.o.noResolve) return Promise.resolve(id);
    let p = this.nodes.get(id);
    if (!p) {
      p = this.c.get<Node>(`/nodes/${id}`).then((n) => n.Spec?.Name || n.Description?.Hostname || id);
      this.nodes.set(id, p);
    }
    return p;
  }

  private service(id: string): Promise<string> {
    if (this.o.noResolve) return Promise.resolve(id);
    let p = this.services.get(id);
    if (!p) {
      p = this.c.get<Service>(`/services/${id}`).then((s) => s.Spec.Name ?? id);
      this.services.set(id, p);
    }
    return p;
  }
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}
