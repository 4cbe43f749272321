// One service in the side panel: its state, its task history (GET /tasks,
// finished tasks included) and its logs, followed (GET /services/{id}/logs).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Task } from '../../types/objects.js';
import { ago } from './html.js';
import type { Model } from './model.js';

/** Log lines the panel keeps. */
const LOG_LINES = 300;

interface DetailProps {
  id: string;
  m: Model;
  /** The service's task revision: its history is re-read when it moves, at most once a second. */
  rev: number;
  onScale: (service: string, replicas: number) => void;
  onClose: () => void;
}

export function ServiceDetail({ id, m, rev, onScale, onClose }: DetailProps) {
  const history = useHistory(id, rev);
  const logLines = useLogs(id, m, history.tasks);
  const logsRef = useRef<HTMLPreElement>(null);
  const replicasRef = useRef<HTMLInputElement>(null);
  // Read before the lines change: a panel scrolled to its end follows new lines, one scrolled back stays put.
  const el = logsRef.current;
  const stick = !el || el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
  useLayoutEffect(() => { if (stick && logsRef.current) logsRef.current.scrollTop = logsRef.current.scrollHeight; });

  const s = m.services.get(id);
  if (!s) return <section id="detail"><h2>service removed <button class="close" data-close onClick={onClose}>close</button></h2></section>;
  const { running, desired } = m.replicas(s);
  const scalable = !!m.info?.actions && (s.Mode === 'replicated' || s.Mode === 'replicated-job');
  const paused = s.UpdateState === 'paused' || s.UpdateState === 'rollback_paused';
  return (
    <section id="detail">
      <div class="d-head">
        <h2>{s.Name} <span class="badge">{s.Mode}</span><button class="close" data-close onClick={onClose}>close</button></h2>
        <div class="mono">{s.Image}</div>
        <div>replicas <b data-detail-replicas>{running}/{desired}</b>{s.UpdateState && <> · update <b>{s.UpdateState}</b></>}
          {s.UpdateMessage && <> <span class={paused ? 'err' : 'muted'}>{s.UpdateMessage}</span></>}</div>
      </div>
      {scalable && (
        <form class="scale" data-scale={id} onSubmit={(e) => { e.preventDefault(); onScale(id, Number(replicasRef.current!.value)); }}>
          {/* defaultValue: what the operator types is kept while the service changes */}
          <label>replicas <input ref={replicasRef} name="replicas" type="number" min="0" defaultValue={String(s.Replicas ?? 0)} /></label>
          <button type="submit">scale</button>
        </form>
      )}
      <h3>Tasks (history)</h3>
      <div class="history">
        {history.error && <div class="err">{history.error}</div>}
        <table>
          <thead><tr><th>Task</th><th>Node</th><th>Desired</th><th>Current</th></tr></thead>
          <tbody>
            {history.tasks.map((t) => (
              <tr key={t.ID} class={t.DesiredState === 'running' ? undefined : 'past'}>
                <td>{m.serviceName(t.ServiceID)}{t.Slot ? `.${t.Slot}` : ''}</td>
                <td>{t.NodeID ? m.nodes.get(t.NodeID)?.Name ?? t.NodeID.slice(0, 12) : ''}</td>
                <td>{t.DesiredState}</td>
                <td>{t.Status.State} {ago(t.Status.Timestamp)}{t.Status.Err && <div class="err">{t.Status.Err}</div>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Logs</h3>
      <pre class="logs" ref={logsRef}>{logLines.length ? logLines.join('\n') : '(no lines yet)'}</pre>
    </section>
  );
}

/** The service's tasks, all of them (GET /tasks): read at once, then again when `rev` moves, at most once a second. */
function useHistory(id: string, rev: number): { tasks: Task[]; error: string } {
  const [state, setState] = useState<{ tasks: Task[]; error: string }>({ tasks: [], error: '' });
  const lastRead = useRef(0);
  // Answers are dropped once the panel closes; a read in flight is not cut short by the next change.
  const open = useRef(new AbortController());
  useEffect(() => () => open.current.abort(), []);
  useEffect(() => {
    const timer = setTimeout(() => {
      lastRead.current = Date.now();
      const filters = encodeURIComponent(JSON.stringify({ service: [id] }));
      fetch(`/api/engine/tasks?filters=${filters}`, { signal: open.current.signal }).then(async (res) => {
        if (!res.ok) {
          const { message } = (await res.json()) as { message: string };
          setState((s) => ({ ...s, error: message }));
          return;
        }
        const tasks = ((await res.json()) as Task[]).sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || b.CreatedAt.localeCompare(a.CreatedAt));
        setState({ tasks, error: '' });
      }).catch(() => undefined);
    }, Math.max(0, 1000 - (Date.now() - lastRead.current)));
    // A newer change waits for the same second: the deadline comes from the last read.
    return () => clearTimeout(timer);
  }, [id, rev]);
  return state;
}

/** The service's logs, followed, as `docker service logs` prefixes them ("web.2@node-1 | text"). */
function useLogs(id: string, m: Model, history: Task[]): string[] {
  const [lines, setLines] = useState<string[]>([]);
  const historyRef = useRef(history);
  historyRef.current = history;
  useEffect(() => {
    const ac = new AbortController();
    const add = (more: string[]) => setLines((prev) => [...prev, ...more].slice(-LOG_LINES));
    const label = (line: string) => logLine(line, m, historyRef.current);
    followLogs(id, ac.signal, (raw) => add(raw.map(label))).catch(() => undefined);
    return () => ac.abort();
  }, [id, m]);
  return lines;
}

async function followLogs(id: string, signal: AbortSignal, onLines: (lines: string[]) => void): Promise<void> {
  const res = await fetch(`/api/engine/services/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&follow=1&tail=100&details=1`, { signal });
  if (!res.ok || !res.body) { onLines([`(logs: ${res.status})`]); return; }
  const multiplexed = (res.headers.get('content-type') ?? '').includes('multiplexed');
  const reader = res.body.getReader();
  let buf: Uint8Array = new Uint8Array(0);
  let text = '';
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
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
      onLines(text.slice(0, nl).split('\n'));
      text = text.slice(nl + 1);
    }
  }
}

/** "web.2@node-1 | text": the details (node, service, task IDs) made names. */
function logLine(line: string, m: Model, history: Task[]): string {
  const r = /^com\.docker\.swarm\.node\.id=([^,]*),com\.docker\.swarm\.service\.id=([^,]*),com\.docker\.swarm\.task\.id=(\S*) (.*)$/.exec(line);
  if (!r) return line;
  const task = m.tasks.get(r[3]) ?? history.find((t) => t.ID === r[3]);
  const node = m.nodes.get(r[1])?.Name ?? r[1].slice(0, 12);
  return `${m.serviceName(r[2])}${task?.Slot ? `.${task.Slot}` : ''}@${node} | ${r[4]}`;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
