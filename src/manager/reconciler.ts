import type { LeaderComponent } from './component.js';
import type { MemoryStore } from '../store/store.js';
import type { TableName } from '../store/tables.js';
import { logger } from '../log.js';

const log = logger('manager');

/**
 * Base of the leader components that converge cluster state: any change to
 * the tables they watch schedules one reconcile pass (coalesced), which
 * reads the whole state and writes what differs in one transaction.
 */
export abstract class Reconciler implements LeaderComponent {
  abstract readonly name: string;
  private unwatch?: () => void;
  private running = false;
  private scheduled = false;
  private pass: Promise<void> = Promise.resolve();

  constructor(protected store: MemoryStore, private tables: TableName[]) {}

  start(): void {
    this.running = true;
    this.unwatch = this.store.watch((events) => {
      if (events.some((e) => this.tables.includes(e.table))) this.kick();
    });
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    await this.pass;
  }

  /** Schedules a reconcile pass (e.g. when a timer of the component fires). */
  kick(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    this.pass = this.pass.then(() => new Promise<void>((r) => setImmediate(r))).then(async () => {
      this.scheduled = false;
      if (!this.running) return;
      try { await this.reconcile(); } catch (err) { log.warn({ component: this.name, err: String(err) }, 'reconcile failed'); this.retryLater(); }
    });
  }

  private retryLater() {
    setTimeout(() => this.kick(), 200);
  }

  protected abstract reconcile(): Promise<void>;
}
