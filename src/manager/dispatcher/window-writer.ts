import type { Clock } from '../../clock.js';
import { logger } from '../../log.js';
import type { MemoryStore, WriteTx } from '../../store/store.js';

const log = logger('dispatcher');

interface Waiting<T> { item: T; done: (err?: unknown) => void }

/**
 * Items arriving within a window are written together, in one store batch
 * (bounded transactions), one callback per item; each caller hears whether
 * its items were written. Registrations and status reports both come from
 * thousands of nodes at once: a few Raft entries instead of one each.
 */
export class WindowWriter<T> {
  private waiting: Waiting<T>[] = [];
  private timer?: { cancel(): void };
  private inflight: Promise<void> = Promise.resolve();

  constructor(private o: {
    store: MemoryStore;
    clock: Clock;
    windowMs: number;
    /** What is written, for the log line of a failed batch. */
    what: string;
    write(tx: WriteTx, item: T): void;
    /** Items with the same key within a window: only the last is written. */
    keyOf?(item: T): string;
  }) {}

  /** Resolves once the items are written; rejects when they could not be (the caller sends them again). */
  add(items: T[]): Promise<void> {
    const all = items.map((item) => new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, done: (err) => (err ? reject(err as Error) : resolve()) });
    }));
    this.timer ??= this.o.clock.setTimeout(() => { this.timer = undefined; this.flush().catch(() => undefined); }, this.o.windowMs);
    return Promise.all(all).then(() => undefined);
  }

  /** Writes what is waiting; never rejects (each caller hears of a failure). */
  flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return this.inflight;
    this.inflight = this.inflight.then(() => this.writeAll(batch));
    return this.inflight;
  }

  private async writeAll(batch: Waiting<T>[]) {
    const keyOf = this.o.keyOf;
    const items = keyOf ? [...new Map(batch.map((w) => [keyOf(w.item), w.item])).values()] : batch.map((w) => w.item);
    try {
      await this.o.store.batch((b) => { for (const item of items) b.update((tx) => this.o.write(tx, item)); });
      for (const w of batch) w.done();
    } catch (err) {
      log.warn({ err: String(err), items: batch.length }, `${this.o.what} batch failed; the nodes send again`);
      for (const w of batch) w.done(err);
    }
  }
}
