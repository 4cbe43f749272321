import { randomBytes } from 'node:crypto';
import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import { ApiError } from '../../types/errors.js';
import type { LogSubscription, PublishLogsRequest, SubscribeLogsRequest } from '../../types/logbroker.js';
import type { Node, Task } from '../../types/objects.js';
import type { LeaderComponent } from '../component.js';
import { Subscription, type LogSink } from './subscription.js';

const log = logger('logbroker');

/** A node's open ListenSubscriptions stream. */
export interface SubscriptionListener {
  send(m: LogSubscription): void;
  end(err?: Error): void;
}

/**
 * The leader's log broker (swarmkit manager/logbroker): subscriptions from
 * managers, the nodes listening for them, and the lines nodes publish. A
 * node is told only the subscriptions that select its tasks; a following
 * subscription picks up tasks as they are scheduled and lasts until its
 * subscriber leaves; otherwise it ends when every node has sent its part,
 * saying which nodes could not.
 */
export class LogBroker implements LeaderComponent {
  readonly name = 'logbroker';
  private subs = new Map<string, Subscription>();
  private listeners = new Map<string, SubscriptionListener>();
  private unwatch?: () => void;
  private running = false;

  constructor(private store: MemoryStore) {}

  start(): void {
    this.running = true;
    this.unwatch = this.store.watch((events) => this.onEvents(events), { tables: ['tasks', 'nodes'], onResync: () => this.rematch() });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    for (const l of this.listeners.values()) l.end(new Error('log broker stopped'));
    this.listeners.clear();
    for (const s of this.subs.values()) { s.done('', 'log broker stopped: leadership changed'); s.end(); }
    this.subs.clear();
  }

  /** A subscriber's logs; close() when it goes away. */
  subscribe(req: SubscribeLogsRequest, sink: LogSink): { close(): void } {
    this.ensureRunning();
    const message: LogSubscription = { id: randomBytes(12).toString('hex'), selector: req.selector, options: req.options };
    const sub = new Subscription(message, sink);
    this.store.view((tx) => sub.match(tx));
    this.subs.set(message.id, sub);
    for (const nodeId of sub.nodes) this.tell(sub, nodeId);
    log.debug({ id: message.id, nodes: [...sub.nodes] }, 'logs subscribed');
    sub.endIfComplete();
    // Nothing to wait for (no node, or none there): it is over already.
    if (sub.isEnded) this.subs.delete(message.id);
    return { close: () => this.unsubscribe(sub) };
  }

  private unsubscribe(sub: Subscription) {
    if (!this.subs.delete(sub.message.id)) return;
    for (const nodeId of sub.nodes) this.listeners.get(nodeId)?.send({ ...sub.message, close: true });
  }

  /** Sends a subscription to a node; a node not listening cannot serve it. */
  private tell(sub: Subscription, nodeId: string) {
    const l = this.listeners.get(nodeId);
    if (l) l.send(sub.message);
    else sub.done(nodeId, `node ${nodeId} is not available`);
  }

  /** A node's agent listens (one stream per node: a new one replaces the old); it is sent the subscriptions that select its tasks. */
  listen(nodeId: string, l: SubscriptionListener): { close(): void } {
    this.ensureRunning();
    // The new stream is in place before the old one ends, so the old one's close finds nothing to undo.
    const previous = this.listeners.get(nodeId);
    this.listeners.set(nodeId, l);
    previous?.end(new Error('subscription stream replaced'));
    for (const sub of this.subs.values()) if (sub.nodes.has(nodeId) && sub.follow) l.send(sub.message);
    return {
      close: () => {
        if (this.listeners.get(nodeId) !== l) return;
        this.listeners.delete(nodeId);
        this.nodeGone(nodeId, `node ${nodeId} disconnected unexpectedly`);
      },
    };
  }

  /** Lines (or the close) a node publishes for a subscription it was sent. */
  publish(nodeId: string, req: PublishLogsRequest): void {
    const sub = this.subs.get(req.subscriptionId);
    if (!sub) throw new ApiError(404, 'unknown subscription ID');
    if (!sub.nodes.has(nodeId)) throw new ApiError(403, `Permission denied: subscription ${req.subscriptionId} was not sent to node ${nodeId}`);
    // A node speaks only for its own tasks.
    const other = req.messages?.find((m) => m.context?.nodeId !== nodeId);
    if (other) throw new ApiError(403, `Permission denied: invalid NodeID: expected=${nodeId};received=${other.context?.nodeId}`);
    if (req.messages?.length) sub.sink.messages(req.messages);
    if (req.close) {
      sub.done(nodeId);
      if (sub.isEnded) this.subs.delete(sub.message.id);
    }
  }

  private nodeGone(nodeId: string, why: string) {
    for (const sub of [...this.subs.values()]) {
      if (!sub.nodes.has(nodeId)) continue;
      sub.done(nodeId, why);
      if (sub.isEnded) this.subs.delete(sub.message.id);
    }
  }

  private onEvents(events: StoreEvent[]) {
    for (const e of events) {
      if (e.table === 'nodes') {
        const n = e.object as Node;
        if (e.action === 'remove' || n.Status?.State === 'down') this.dropListener(n.ID, `node ${n.ID} is down`);
        continue;
      }
      if (e.action === 'remove') continue;
      const t = e.object as Task;
      for (const sub of this.subs.values()) {
        if (sub.follow && sub.matches(t) && sub.add(t)) this.listeners.get(t.NodeID!)?.send(sub.message);
      }
    }
  }

  /** After dropped events: following subscriptions look for new nodes again. */
  private rematch() {
    this.store.view((tx) => {
      for (const sub of this.subs.values()) {
        if (!sub.follow) continue;
        const before = new Set(sub.nodes);
        sub.match(tx);
        for (const nodeId of sub.nodes) if (!before.has(nodeId)) this.listeners.get(nodeId)?.send(sub.message);
      }
    });
  }

  private dropListener(nodeId: string, why: string) {
    const l = this.listeners.get(nodeId);
    if (!l) return;
    this.listeners.delete(nodeId);
    l.end(new Error(why));
    this.nodeGone(nodeId, why);
  }

  private ensureRunning() {
    if (!this.running) throw new ApiError(503, 'log broker is not running: this manager does not lead');
  }
}
