// The swarm's events as GET /events streams them (one JSON object a line),
// newest first, bounded; reconnects where it left off.
import { useEffect, useState } from 'preact/hooks';
import type { EventMessage } from '../../manager/events/event-message.js';

/** An event as it arrives in JSON: timeNano a number (the page needs only its milliseconds), time in seconds. */
type WireEvent = Omit<EventMessage, 'timeNano'> & { time: number; timeNano: number };

interface Item { key: string; e: WireEvent }

/** Events the list keeps: the page never grows without bound. */
const KEEP = 200;

/** The attributes that say what changed, as "replicas 3→6". */
function changes(a: Record<string, string>): string {
  const out: string[] = [];
  for (const k of Object.keys(a)) {
    if (!k.endsWith('.new')) continue;
    const key = k.slice(0, -4);
    out.push(`${key} ${a[`${key}.old`] ?? ''}→${a[k]}`);
  }
  return out.join(', ');
}

/** Follows GET /events from `since`, retrying a second after the stream ends or fails, until stopped. */
async function follow(signal: AbortSignal, onEvents: (events: WireEvent[]) => void): Promise<void> {
  let since = Math.floor(Date.now() / 1000) - 3600;
  const filters = encodeURIComponent(JSON.stringify({ scope: ['swarm'] }));
  while (!signal.aborted) {
    try {
      const res = await fetch(`/api/engine/events?since=${since}&filters=${filters}`, { signal });
      if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        const got = lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as WireEvent);
        for (const e of got) since = Math.max(since, e.time);
        if (got.length) onEvents(got);
      }
    } catch {
      // the daemon went away or restarted (or the page stopped following): try again shortly
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function Events() {
  const [items, setItems] = useState<Item[]>([]);
  useEffect(() => {
    const ac = new AbortController();
    follow(ac.signal, (got) => setItems((prev) => {
      const seen = new Set(prev.map((i) => i.key));
      const added: Item[] = [];
      for (const e of got) {
        const key = `${e.timeNano}/${e.Type}/${e.Action}/${e.Actor.ID}`;
        if (!seen.has(key)) { seen.add(key); added.unshift({ key, e }); }
      }
      return added.length ? [...added, ...prev].slice(0, KEEP) : prev;
    })).catch(() => undefined);
    return () => ac.abort();
  }, []);
  return (
    <section id="events-section">
      <div class="bar"><h2>Events</h2></div>
      <ol id="events" class="events">
        {items.length === 0 ? <li class="empty">no events yet</li> : items.map(({ key, e }) => {
          const attrs = changes(e.Actor.Attributes);
          return (
            <li key={key} data-event-type={e.Type} data-event-action={e.Action}>
              <time>{new Date(e.timeNano / 1e6).toLocaleTimeString()}</time>
              <span class="what">{e.Type} {e.Action}</span> {e.Actor.Attributes.name ?? e.Actor.ID.slice(0, 12)}
              {attrs && <> <span class="attrs">{attrs}</span></>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
