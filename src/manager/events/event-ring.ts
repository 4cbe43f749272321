import { includeEvent, type EventFilters } from './event-filter.js';
import type { EventMessage } from './event-message.js';

/** How many events a manager keeps for `--since` (Docker keeps 256; a swarm makes more). */
export const DEFAULT_EVENT_RING = Number(process.env.TSWARM_EVENT_RING ?? 1024);

export type EventListener = (e: EventMessage) => void;

/**
 * The events this node has seen, newest last, bounded (the oldest are
 * dropped), and the live listeners of /events.
 */
export class EventRing {
  private buf: EventMessage[] = [];
  private start = 0;
  private listeners = new Set<EventListener>();

  constructor(private limit = DEFAULT_EVENT_RING) {}

  publish(e: EventMessage): void {
    if (this.buf.length < this.limit) this.buf.push(e);
    else { this.buf[this.start] = e; this.start = (this.start + 1) % this.limit; }
    for (const l of this.listeners) l(e);
  }

  /** Kept events within [since, until] (bounds in ns, undefined: open) passing the filters, oldest first. */
  past(since: bigint | undefined, until: bigint | undefined, filters: EventFilters): EventMessage[] {
    const out: EventMessage[] = [];
    for (let i = 0; i < this.buf.length; i++) {
      const e = this.buf[(this.start + i) % this.buf.length];
      if (since !== undefined && e.timeNano < since) continue;
      if (until !== undefined && e.timeNano > until) continue;
      if (includeEvent(filters, e)) out.push(e);
    }
    return out;
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }

  get size(): number { return this.buf.length; }
}
