// One service in the side panel: its state, its task history (GET /tasks,
// finished tasks included) and its logs, followed (GET /services/{id}/logs).
import type { Task } from '../../types/objects.js';
import { ago, esc } from './html.js';
import type { Model } from './model.js';

/** Log lines the panel keeps. */
const LOG_LINES = 300;

export class ServiceDetail {
  serviceId?: string;
  private history: Task[] = [];
  private historyError = '';
  private logLines: string[] = [];
  private logAbort?: AbortController;
  private historyAt = 0;
  private historyTimer?: number;

  constructor(private el: HTMLElement, private model: Model, private onScale: (service: string, replicas: number) => void) {}

  open(serviceId: string): void {
    if (this.serviceId === serviceId) return;
    this.close();
    this.serviceId = serviceId;
    this.el.hidden = false;
    this.refreshHistory();
    this.followLogs(serviceId);
    this.render();
  }

  close(): void {
    this.logAbort?.abort();
    this.logAbort = undefined;
    clearTimeout(this.historyTimer);
    this.serviceId = undefined;
    this.history = [];
    this.logLines = [];
    this.el.hidden = true;
    this.el.innerHTML = '';
  }

  /** The service's tasks changed: re-read its history, at most once a second. */
  tasksChanged(): void {
    if (!this.serviceId || this.historyTimer !== undefined) return;
    const wait = Math.max(0, 1000 - (Date.now() - this.historyAt));
    this.historyTimer = window.setTimeout(() => { this.historyTimer = undefined; this.refreshHistory(); }, wait);
  }

  private refreshHistory(): void {
    const id = this.serviceId;
    if (!id) return;
    this.historyAt = Date.now();
    const filters = encodeURIComponent(JSON.stringify({ service: [id] }));
    fetch(`/api/engine/tasks?filters=${filters}`).then(async (res) => {
      if (this.serviceId !== id) return;
      if (!res.ok) { this.historyError = ((await res.json()) as { message: string }).message; this.render(); return; }
      this.history = ((await res.json()) as Task[]).sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || b.CreatedAt.localeCompare(a.CreatedAt));
      this.historyError = '';
      this.render();
    }).catch(() => undefined);
  }

  private followLogs(id: string): void {
    const abort = new AbortController();
    this.logAbort = abort;
    const url = `/api/engine/services/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&follow=1&tail=100&details=1`;
    const run = async () => {
      const res = await fetch(url, { signal: abort.signal });
      if (!res.ok || !res.body) { this.logLines.push(`(logs: ${res.status})`); this.render(); return; }
      const multiplexed = (res.headers.get('content-type') ?? '').includes('multiplexed');
      const reader = res.body.getReader();
      let buf: Uint8Array = new Uint8Array(0);
      let text = '';
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!multiplexed) { text += dec.decode(value, { stream: true }); } else {
          buf = concat(buf, value);
          // Docker's frames: stream byte, three zero bytes, a big-endian length, the payload.
          while (buf.length >= 8) {
            const len = new DataView(buf.buffer, buf.byteOffset).getUint32(4);
            if (buf.length < 8 + len) break;
            text += dec.decode(buf.subarray(8, 8 + len));
            buf = buf.subarray(8 + len);
          }
        }
        const nl = text.lastIndexOf('\n');
        if (nl >= 0) {
          for (const line of text.slice(0, nl).split('\n')) this.logLines.push(this.logLine(line));
          text = text.slice(nl + 1);
          if (this.logLines.length > LOG_LINES) this.logLines.splice(0, this.logLines.length - LOG_LINES);
          this.render();
        }
      }
    };
    run().catch(() => undefined);
  }

  /** "web.2@node-1 | text", as `docker service logs` prefixes a line (details give the task and node). */
  private logLine(line: string): string {
    const m = /^com\.docker\.swarm\.node\.id=([^,]*),com\.docker\.swarm\.service\.id=([^,]*),com\.docker\.swarm\.task\.id=(\S*) (.*)$/.exec(line);
    if (!m) return line;
    const task = this.model.tasks.get(m[3]) ?? this.history.find((t) => t.ID === m[3]);
    const node = this.model.nodes.get(m[1])?.Name ?? m[1].slice(0, 12);
    const name = `${this.model.serviceName(m[2])}${task?.Slot ? `.${task.Slot}` : ''}`;
    return `${name}@${node} | ${m[4]}`;
  }

  /** The panel's frame, once per service: the parts render() fills, and the scale form (kept while typing). */
  private frame(id: string): void {
    const s = this.model.services.get(id);
    const scalable = !!this.model.info?.actions && !!s && (s.Mode === 'replicated' || s.Mode === 'replicated-job');
    this.el.innerHTML = '<div class="d-head"></div>'
      + (scalable ? `<form class="scale" data-scale="${esc(id)}"><label>replicas <input name="replicas" type="number" min="0" value="${esc(s.Replicas ?? 0)}"></label><button type="submit">scale</button></form>` : '')
      + '<h3>Tasks (history)</h3><div class="history"></div><h3>Logs</h3><pre class="logs"></pre>';
    const form = this.el.querySelector('form[data-scale]') as HTMLFormElement | null;
    form?.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.onScale(id, Number((form.elements.namedItem('replicas') as HTMLInputElement).value));
    });
  }

  render(): void {
    const id = this.serviceId;
    if (!id) return;
    if (!this.el.querySelector('.d-head')) this.frame(id);
    const head = this.el.querySelector('.d-head')!;
    const s = this.model.services.get(id);
    if (!s) { head.innerHTML = '<h2>service removed <button class="close" data-close>close</button></h2>'; return; }
    const { running, desired } = this.model.replicas(s);
    head.innerHTML = `<h2>${esc(s.Name)} <span class="badge">${esc(s.Mode)}</span><button class="close" data-close>close</button></h2>`
      + `<div class="mono">${esc(s.Image)}</div>`
      + `<div>replicas <b data-detail-replicas>${running}/${desired}</b>${s.UpdateState ? ` · update <b>${esc(s.UpdateState)}</b>` : ''}`
      + `${s.UpdateMessage ? ` <span class="${s.UpdateState === 'paused' || s.UpdateState === 'rollback_paused' ? 'err' : 'muted'}">${esc(s.UpdateMessage)}</span>` : ''}</div>`;
    const rows = this.history.map((t) => `<tr class="${t.DesiredState === 'running' ? '' : 'past'}">`
      + `<td>${esc(this.model.serviceName(t.ServiceID))}${t.Slot ? `.${t.Slot}` : ''}</td>`
      + `<td>${esc(t.NodeID ? this.model.nodes.get(t.NodeID)?.Name ?? t.NodeID.slice(0, 12) : '')}</td>`
      + `<td>${esc(t.DesiredState)}</td><td>${esc(t.Status.State)} ${esc(ago(t.Status.Timestamp))}`
      + `${t.Status.Err ? `<div class="err">${esc(t.Status.Err)}</div>` : ''}</td></tr>`).join('');
    this.el.querySelector('.history')!.innerHTML = (this.historyError ? `<div class="err">${esc(this.historyError)}</div>` : '')
      + `<table><thead><tr><th>Task</th><th>Node</th><th>Desired</th><th>Current</th></tr></thead><tbody>${rows}</tbody></table>`;
    const logs = this.el.querySelector('.logs') as HTMLElement;
    const stick = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
    logs.textContent = this.logLines.join('\n') || '(no lines yet)';
    if (stick) logs.scrollTop = logs.scrollHeight;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
