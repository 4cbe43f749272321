import { logger } from '../log.js';
import type { StoreEvent, TableName } from './tables.js';

const log = logger('store');

/** A subscriber's handler; a returned promise is awaited before the next delivery. */
export type Watcher = (events: StoreEvent[], version: number) => void | Promise<void>;

export interface WatchOptions {
  /** Only events of these tables (all when absent). */
  tables?: TableName[];
  /** Events held for the subscriber before it is dropped to a resync (swarmkit bounds its watch queues too). */
  limit?: number;
  /**
   * Called instead of the dropped events when the subscriber fell behind its
   * limit or the store was replaced by a snapshot: it must re-read what it
   * needs from the store. Without it, a dropped subscriber is closed.
   */
  onResync?: () => void | Promise<void>;
}

export const DEFAULT_WATCH_LIMIT = 200_000;

/**
 * One subscriber's bounded, asynchronous queue: Raft's apply only appends
 * here; delivery happens later on the event loop, one batch at a time, so a
 * slow subscriber never stalls the store's writers.
 */
export class WatchQueue {
  private buffered: StoreEvent[] = [];
  private version = 0;
  private scheduled = false;
  private busy = false;
  private resync = false;
  closed = false;

  constructor(private fn: Watcher, private opts: WatchOptions, private onClosed: (q: WatchQueue) => void) {}

  push(events: StoreEvent[], version: number): void {
    if (this.closed || this.resync) return;
    const tables = this.opts.tables;
    let n = 0;
    for (const e of events) {
      if (tables && !tables.includes(e.table)) continue;
      this.buffered.push(e);
      n++;
    }
    if (n === 0) return;
    this.version = version;
    if (this.buffered.length > (this.opts.limit ?? DEFAULT_WATCH_LIMIT)) this.dropToResync('fell behind');
    this.schedule();
  }

  /** The store's contents were replaced (snapshot restore): events no longer describe them. */
  dropToResync(why: string): void {
    if (this.closed) return;
    this.buffered = [];
    if (!this.opts.onResync) {
      log.warn({ why }, 'watch subscriber dropped');
      this.close();
      return;
    }
    log.info({ why }, 'watch subscriber must resync');
    this.resync = true;
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffered = [];
    this.onClosed(this);
  }

  private schedule() {
    if (this.scheduled || this.busy || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.deliver().catch((err) => log.error({ err: String(err) }, 'watch delivery failed'));
    });
  }

  private async deliver() {
    this.scheduled = false;
    if (this.closed) return;
    this.busy = true;
    try {
      if (this.resync) {
        // Events that arrive from here on follow the state the subscriber re-reads.
        this.resync = false;
        await this.opts.onResync!();
      } else {
        const events = this.buffered;
        this.buffered = [];
        await this.fn(events, this.version);
      }
    } catch (err) {
      log.warn({ err: String((err as Error)?.stack ?? err) }, 'watch subscriber failed');
    } finally {
      this.busy = false;
    }
    if (this.buffered.length > 0 || this.resync) this.schedule();
  }
}
