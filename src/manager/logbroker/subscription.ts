import type { ReadTx } from '../../store/store.js';
import { taskStateRank, type Task } from '../../types/objects.js';
import type { LogSubscription, PublishedLog } from '../../types/logbroker.js';

/** Where a subscription's lines and its end go (the SubscribeLogs caller). */
export interface LogSink {
  messages(m: PublishedLog[]): void;
  /** The subscription is over; err says which parts are missing. */
  end(err?: string): void;
}

/**
 * One SubscribeLogs call at the leader (swarmkit's logbroker subscription):
 * the nodes that run its tasks, the nodes that have not yet sent all they
 * will (not following), and why parts are missing.
 */
export class Subscription {
  /** Nodes running selected tasks: each is sent the subscription. */
  readonly nodes = new Set<string>();
  /** Not following: nodes whose part has not ended yet. */
  private pending = new Set<string>();
  private unscheduled = new Set<string>();
  private errors: string[] = [];
  private ended = false;

  constructor(readonly message: LogSubscription, readonly sink: LogSink) {}

  get follow(): boolean { return !!this.message.options.follow; }

  matches(t: Task): boolean {
    const s = this.message.selector;
    return !!s.taskIds?.includes(t.ID) || !!s.serviceIds?.includes(t.ServiceID);
  }

  /** The selected tasks' nodes now; not following, only tasks that have run (a task not yet running has no logs). */
  match(tx: ReadTx): void {
    const s = this.message.selector;
    for (const id of s.taskIds ?? []) {
      const t = tx.tasks.get(id);
      if (t) this.add(t);
    }
    for (const id of s.serviceIds ?? []) {
      for (const t of tx.tasks.find({ serviceId: id })) {
        if (!this.follow && taskStateRank(t.Status.State) < taskStateRank('running')) continue;
        this.add(t);
      }
    }
  }

  /** A selected task; true when its node is new to the subscription. */
  add(t: Task): boolean {
    if (!t.NodeID) { this.unscheduled.add(t.ID); return false; }
    this.unscheduled.delete(t.ID);
    if (this.nodes.has(t.NodeID)) return false;
    this.nodes.add(t.NodeID);
    if (!this.follow) this.pending.add(t.NodeID);
    return true;
  }

  /** A node's part is over (its close, or the node went away with err): a subscription that is not following ends with its last node. */
  done(nodeId: string, err?: string): void {
    if (err) this.errors.push(err);
    if (this.follow || !this.pending.delete(nodeId)) return;
    this.endIfComplete();
  }

  endIfComplete(): void {
    if (!this.follow && this.pending.size === 0) this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end(this.err());
  }

  get isEnded(): boolean { return this.ended; }

  /** swarmkit's words when parts of the logs could not be had. */
  private err(): string | undefined {
    const why = [...this.errors, ...[...this.unscheduled].map((t) => `task ${t} has not been scheduled`)];
    if (why.length === 0) return undefined;
    return `warning: incomplete log stream. some logs could not be retrieved for the following reasons: ${why.join(', ')}`;
  }
}
