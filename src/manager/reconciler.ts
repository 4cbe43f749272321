import type { Clock } from '../clock.js';
import type { LeaderComponent } from './component.js';
import type { MemoryStore } from '../store/store.js';
import type { StoreEvent, TableName } from '../store/tables.js';
import { logger } from '../log.js';

const log = logger('manager');
const RETRY_MS = 200;

export interface ReconcilerOptions {
  /** A full pass about this often (up to half again, at random), as a safety net under the event-driven ones (none when absent). */
  fullEveryMs?: number;
  /** Events within this window after the first one share a pass (bigger batches under load). */
  windowMs?: number;
  clock?: Clock;
}

/**
 * Base of the leader components that converge cluster state. Events of the
 * tables they watch go to onEvents, which records what they touch and asks
 * for a pass; passes are coalesced and run one at a time. A full pass runs
 * at start, after the watch had to resync, after a failed pass, and
 * periodically when fullEveryMs is set. By default every event asks for a
 * full pass (components whose tables are small).
 */
export abstract class Reconciler implements LeaderComponent {
  abstract readonly name: string;
  private unwatch?: () => void;
  private running = false;
  private scheduled = false;
  private fullPending = false;
  private safetyNet?: { cancel(): void };
  private pass: Promise<void> = Promise.resolve();

  constructor(protected store: MemoryStore, private tables: TableName[], private opts: ReconcilerOptions = {}) {}

  start(): void {
    this.running = true;
    this.unwatch = this.store.watch((events) => { if (this.running) this.onEvents(events); }, {
      tables: this.tables, onResync: () => this.requestFull(),
    });
    this.requestFull();
    this.armSafetyNet();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    this.safetyNet?.cancel();
    await this.pass;
  }

  /** Records what the events touch and asks for a pass; the default asks for a full one. */
  protected onEvents(_events: StoreEvent[]): void {
    this.requestFull();
  }

  protected requestFull(): void {
    this.fullPending = true;
    this.kick();
  }

  /** Schedules a pass (e.g. when a timer of the component fires). */
  kick(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    const windowMs = this.opts.windowMs;
    const wait = () => new Promise<void>((r) => (windowMs ? setTimeout(r, windowMs) : setImmediate(r)));
    this.pass = this.pass.then(wait).then(async () => {
      this.scheduled = false;
      if (!this.running) return;
      const full = this.fullPending;
      this.fullPending = false;
      try {
        await this.reconcile(full);
      } catch (err) {
        log.warn({ component: this.name, err: String(err) }, 'reconcile failed; a full pass follows');
        this.fullPending = true;
        setTimeout(() => this.kick(), RETRY_MS);
      }
    });
  }

  private armSafetyNet() {
    const { fullEveryMs, clock } = this.opts;
    if (!fullEveryMs || !clock || !this.running) return;
    // Spread over [1, 1.5) periods: the components' full passes (each a sync walk of every task) must not all fall together.
    this.safetyNet = clock.setTimeout(() => { this.requestFull(); this.armSafetyNet(); }, fullEveryMs * (1 + Math.random() / 2));
  }

  /** One pass: everything when full, else what onEvents recorded since the last pass. */
  protected abstract reconcile(full: boolean): Promise<void>;
}
