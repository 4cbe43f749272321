import type { Clock } from '../../clock.js';
import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import { TABLES, type StoreEvent, type TableName } from '../../store/tables.js';
import { nanosOf, nanosOfMs, type EventMessage } from './event-message.js';
import { EventRing } from './event-ring.js';
import { ACTIONS, SWARM_EVENT_TABLES, actorName } from './swarm-event-tables.js';

const log = logger('events');

type Meta = { ID: string; CreatedAt?: string; UpdatedAt?: string };

/** The event Docker makes of one store change (moby's logClusterEvent), undefined for tables without events. */
export function swarmEvent(e: StoreEvent, nowMs: number): EventMessage | undefined {
  const t = SWARM_EVENT_TABLES[e.table];
  if (!t) return undefined;
  if (e.action === 'update' && e.old && t.quiet?.(e.object, e.old)) return undefined;
  const o = e.object as Meta;
  const attrs: Record<string, string> = { name: actorName(t, e.object) };
  if (e.action === 'update' && e.old && t.changes) Object.assign(attrs, t.changes(e.object, e.old));
  // Creation and update carry the object's own time; a removal happens now.
  const at = e.action === 'create' ? nanosOf(o.CreatedAt) : e.action === 'update' ? nanosOf(o.UpdatedAt) : undefined;
  return { Type: t.type, Action: ACTIONS[e.action], Actor: { ID: o.ID, Attributes: attrs }, scope: 'swarm', timeNano: at ?? nanosOfMs(nowMs) };
}

/**
 * A manager's swarm events: every manager turns the store changes it
 * applies into events (so any manager answers /events), kept in its ring.
 */
export class SwarmEvents {
  readonly ring = new EventRing();
  private unwatch?: () => void;

  constructor(private store: MemoryStore, private clock: Clock) {}

  start(): void {
    const tables = TABLES.filter((t) => Object.hasOwn(SWARM_EVENT_TABLES, t)) as TableName[];
    this.unwatch = this.store.watch((events) => {
      const now = this.clock.now();
      for (const e of events) {
        const m = swarmEvent(e, now);
        if (!m) continue;
        this.ring.publish(m);
        if (e.action === 'create' && SWARM_EVENT_TABLES[e.table]?.allocatedAfterCreate) {
          this.ring.publish({ ...m, Action: 'update', Actor: { ID: m.Actor.ID, Attributes: { ...m.Actor.Attributes } }, timeNano: m.timeNano + 1n });
        }
      }
    }, {
      tables,
      // Events were dropped (or the store replaced by a snapshot): nothing to replay, the stream goes on.
      onResync: () => { log.warn('swarm events fell behind the store; some were not recorded'); },
    });
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }
}
