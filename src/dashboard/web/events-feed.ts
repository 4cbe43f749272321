// The swarm's events as GET /events streams them (one JSON object a line),
// newest first, bounded; reconnects where it left off.
import { esc } from './html.js';

interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

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

export class EventsFeed {
  private items: { key: string; html: string }[] = [];
  private seen = new Set<string>();
  private since = Math.floor(Date.now() / 1000) - 3600;
  private stopped = false;

  constructor(private list: HTMLElement, private onChange: () => void = () => {}) {}

  start(): void {
    this.loop().catch(() => undefined);
  }

  stop(): void { this.stopped = true; }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.follow();
      } catch {
        // the daemon went away or restarted: try again shortly
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async follow(): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ scope: ['swarm'] }));
    const res = await fetch(`/api/engine/events?since=${this.since}&filters=${filters}`);
    if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let nl: number;
      let added = false;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line && this.add(JSON.parse(line) as EventMessage)) added = true;
      }
      if (added) this.render();
    }
  }

  private add(e: EventMessage): boolean {
    const key = `${e.timeNano}/${e.Type}/${e.Action}/${e.Actor.ID}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.since = Math.max(this.since, e.time);
    const name = e.Actor.Attributes.name ?? e.Actor.ID.slice(0, 12);
    const when = new Date(e.timeNano / 1e6).toLocaleTimeString();
    const attrs = changes(e.Actor.Attributes);
    const html = `<li data-event-type="${esc(e.Type)}" data-event-action="${esc(e.Action)}"><time>${esc(when)}</time>`
      + `<span class="what">${esc(e.Type)} ${esc(e.Action)}</span> ${esc(name)}`
      + (attrs ? ` <span class="attrs">${esc(attrs)}</span>` : '') + '</li>';
    this.items.unshift({ key, html });
    if (this.items.length > KEEP) for (const old of this.items.splice(KEEP)) this.seen.delete(old.key);
    return true;
  }

  private render(): void {
    this.list.innerHTML = this.items.map((i) => i.html).join('') || '<li class="empty">no events yet</li>';
    this.onChange();
  }
}
