// The dashboard page: Preact, bundled by esbuild at `npm run build` into
// dist/web/app.js (no CDN), typed with the API's own types (live-types.ts,
// src/types). The live stream is applied once per animation frame, and the
// page renders once per frame at most.
import { render } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useState } from 'preact/hooks';
import type { Model } from './model.js';
import { ServiceDetail } from './detail.js';
import { Events } from './events.js';
import { Live } from './live.js';
import { Nodes, type Act } from './nodes.js';
import { Services } from './services.js';

const live = new Live();
(window as unknown as { tswarmDashboard: unknown }).tswarmDashboard = { stats: live.stats };

function Summary({ m }: { m: Model }) {
  const managers = m.countNodes((x) => x.Role === 'manager');
  const drained = m.countNodes((x) => x.Availability !== 'active');
  return (
    <div id="summary" class="summary">
      <span><b>{m.nodes.size}</b> nodes (<b>{m.countNodes((x) => x.State === 'ready')}</b> ready, {managers} managers{drained ? `, ${drained} not active` : ''})</span>
      <span><b>{m.services.size}</b> services</span>
      <span><b>{m.runningTasks()}</b> tasks running</span>
      {m.info && <span>serving: {m.info.hostname}{m.info.actions ? ' · actions on' : ' · read-only'}</span>}
    </div>
  );
}

const CONN_TEXT = { connecting: 'connecting…', live: 'live', down: 'reconnecting…' };

function App() {
  const [, setFrame] = useState(0);
  const [detailId, setDetailId] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  useEffect(() => live.subscribe(() => setFrame((f) => f + 1)), []);
  const t0 = performance.now();
  useLayoutEffect(() => {
    // Runs once the whole tree is in the DOM: the render's cost.
    const ms = performance.now() - t0;
    live.stats.renders++;
    live.stats.renderMs += ms;
    live.stats.renderMaxMs = Math.max(live.stats.renderMaxMs, ms);
  });

  /** An action (only with --web-actions): the daemon runs it as the Engine API's update, with its validation. */
  const act: Act = useCallback((name, body) => {
    fetch(`/api/actions/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(async (res) => {
        if (res.ok) { setActionError(undefined); return; }
        const msg = ((await res.json().catch(() => ({}))) as { message?: string }).message ?? res.statusText;
        setActionError(`${name}: ${msg}`);
      })
      .catch((err: unknown) => setActionError(`${name}: ${String(err)}`));
  }, []);
  const scale = useCallback((service: string, replicas: number) => act('scale', { service, replicas }), [act]);
  const open = useCallback((id: string) => setDetailId(id), []);
  const close = useCallback(() => setDetailId(undefined), []);

  const m = live.model;
  const info = m.info;
  const notice = actionError ?? (info && !info.manager ? info.message ?? 'This node is not a swarm manager.' : undefined);
  return (
    <>
      <header>
        <h1>tswarm</h1>
        <Summary m={m} />
        <div id="conn" class={`conn ${live.conn}`} title="live stream">{CONN_TEXT[live.conn]}</div>
      </header>
      <div id="notice" class={actionError ? 'notice error' : 'notice'} hidden={!notice}>{notice}</div>
      <main>
        <div class="left">
          <Services m={m} selected={detailId} onOpen={open} />
          <Nodes m={m} actions={!!info?.actions} onAct={act} onOpen={open} />
        </div>
        <aside>
          {detailId && <ServiceDetail key={detailId} id={detailId} m={m} rev={m.serviceRev(detailId)} onScale={scale} onClose={close} />}
          <Events />
        </aside>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
live.connect();
