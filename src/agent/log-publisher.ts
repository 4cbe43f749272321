import type { Clock } from '../clock.js';
import type { LogLine, LogOptions } from '../executor/executor.js';
import { logger } from '../log.js';
import type { LogSubscription, PublishedLog } from '../types/logbroker.js';
import type { Task } from '../types/objects.js';
import type { LogBrokerClient } from './remote-logbroker.js';

const log = logger('logs');
const RETRY_MS = 1000;
/** A following subscription looks for newly assigned tasks this often. */
const NEW_TASKS_MS = 250;
/** Lines go out together when they come within this window, up to these bounds. */
const BATCH_MS = 20;
const BATCH_LINES = 500;
const BATCH_BYTES = 1024 * 1024;

export interface LogPublisherOptions {
  broker: LogBrokerClient;
  clock: Clock;
  nodeId(): string | undefined;
  /** The tasks this node runs. */
  tasks(): Task[];
  /** One task's lines from the executor. */
  read(task: Task, opts: LogOptions): AsyncIterable<LogLine>;
}

/**
 * The agent's side of the log broker (swarmkit agent's Subscribe): while
 * the node has a session it listens for subscriptions; for each, it reads
 * the lines of the selected tasks it runs and publishes them in order, in
 * batches; a following one also takes up tasks assigned later and lasts
 * until the broker closes it; otherwise it ends with a close.
 */
export class LogPublisher {
  private sessionId?: string;
  private listening?: { close(): void };
  private active = new Map<string, AbortController>();
  private retry?: { cancel(): void };

  constructor(private o: LogPublisherOptions) {}

  /** The agent's session changed (undefined: lost). */
  onSession(sessionId: string | undefined): void {
    if (sessionId === this.sessionId) return;
    this.stopListening();
    this.sessionId = sessionId;
    if (sessionId) this.listen(sessionId);
  }

  stop(): void {
    this.sessionId = undefined;
    this.stopListening();
  }

  private stopListening() {
    this.retry?.cancel();
    this.retry = undefined;
    this.listening?.close();
    this.listening = undefined;
    for (const a of this.active.values()) a.abort();
    this.active.clear();
  }

  private listen(sessionId: string) {
    try {
      this.listening = this.o.broker.listen(sessionId, {
        onMessage: (m) => this.onSubscription(sessionId, m),
        onClose: (err) => {
          if (this.sessionId !== sessionId) return;
          log.debug({ err: err?.message }, 'log subscriptions stream closed; listening again');
          for (const a of this.active.values()) a.abort();
          this.active.clear();
          this.listening = undefined;
          this.retry = this.o.clock.setTimeout(() => { if (this.sessionId === sessionId && !this.listening) this.listen(sessionId); }, RETRY_MS);
        },
      });
    } catch (err) {
      log.debug({ err: String(err) }, 'cannot listen for log subscriptions yet');
      this.retry = this.o.clock.setTimeout(() => { if (this.sessionId === sessionId && !this.listening) this.listen(sessionId); }, RETRY_MS);
    }
  }

  private onSubscription(sessionId: string, m: LogSubscription) {
    if (m.close) {
      this.active.get(m.id)?.abort();
      this.active.delete(m.id);
      return;
    }
    if (this.active.has(m.id)) return;
    const abort = new AbortController();
    this.active.set(m.id, abort);
    this.serve(sessionId, m, abort)
      .catch((err) => log.debug({ id: m.id, err: String(err) }, 'publishing logs ended'))
      .finally(() => { if (this.active.get(m.id)?.signal === abort.signal) this.active.delete(m.id); });
  }

  private async serve(sessionId: string, m: LogSubscription, abort: AbortController) {
    const signal = abort.signal;
    const nodeId = this.o.nodeId() ?? '';
    // A refused publication (the subscriber left, the leader changed) ends this subscription here.
    const out = new Batcher(this.o.clock, (messages, close) => this.o.broker.publish({ sessionId, subscriptionId: m.id, messages, ...(close ? { close } : {}) })
      .catch((err) => { abort.abort(); throw err; }));
    const opts: LogOptions = { ...m.options, signal };
    const selected = (t: Task) => !!m.selector.taskIds?.includes(t.ID) || !!m.selector.serviceIds?.includes(t.ServiceID);
    const started = new Set<string>();
    const readers: Promise<void>[] = [];
    const startNew = () => {
      for (const task of this.o.tasks()) {
        if (started.has(task.ID) || !selected(task)) continue;
        started.add(task.ID);
        const context = { nodeId, serviceId: task.ServiceID, taskId: task.ID };
        readers.push((async () => {
          for await (const line of this.o.read(task, opts)) {
            if (signal.aborted) return;
            out.add({ ...line, context });
          }
        })().catch((err) => log.debug({ task: task.ID, err: String(err) }, 'reading logs failed')));
      }
    };
    startNew();
    if (m.options.follow) {
      // Tasks assigned later join in; the broker's close (or the session's end) stops it all.
      await new Promise<void>((resolve) => {
        const tick = () => {
          if (signal.aborted) { resolve(); return; }
          startNew();
          this.o.clock.setTimeout(tick, NEW_TASKS_MS);
        };
        this.o.clock.setTimeout(tick, NEW_TASKS_MS);
      });
      await Promise.all(readers);
      return;
    }
    await Promise.all(readers);
    if (!signal.aborted) await out.close();
  }
}

/**
 * Publishes lines in order, in batches: one call at a time, lines that
 * come meanwhile wait for the next one.
 */
class Batcher {
  private buf: PublishedLog[] = [];
  private bytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer?: { cancel(): void };
  private failed?: unknown;

  constructor(private clock: Clock, private send: (messages: PublishedLog[], close: boolean) => Promise<void>) {}

  add(m: PublishedLog) {
    if (this.failed) throw this.failed;
    this.buf.push(m);
    this.bytes += m.line.length + 120;
    if (this.buf.length >= BATCH_LINES || this.bytes >= BATCH_BYTES) this.flush(false);
    else this.timer ??= this.clock.setTimeout(() => { this.timer = undefined; this.flush(false); }, BATCH_MS);
  }

  close(): Promise<void> {
    this.flush(true);
    return this.chain;
  }

  private flush(close: boolean) {
    this.timer?.cancel();
    this.timer = undefined;
    const batch = this.buf;
    this.buf = [];
    this.bytes = 0;
    if (batch.length === 0 && !close) return;
    this.chain = this.chain.then(() => this.send(batch, close)).catch((err) => { this.failed = err; throw err; });
    // Failures surface through add() or close(); none goes unhandled meanwhile.
    this.chain.catch(() => undefined);
  }
}
