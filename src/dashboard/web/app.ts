// The dashboard page: the live stream (GET /api/live: a snapshot, then
// deltas) into the model, renders at most every RENDER_MS, only the visible
// page of services and nodes; the event list from GET /events.
import type { LiveMessage } from '../live-types.js';
import { ServiceDetail } from './detail.js';
import { EventsFeed } from './events-feed.js';
import { page } from './html.js';
import { Model } from './model.js';
import { nodeMatches, nodesHtml, serviceMatches, servicesHtml, summaryHtml } from './render.js';

const RENDER_MS = 150;
const NODES_PER_PAGE = 40;
const SERVICES_PER_PAGE = 25;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

const model = new Model();
/** Where the page's time goes (bench/dashboard reads it): per live message, per render. */
const stats = { messages: 0, bytes: 0, applyMs: 0, applyMaxMs: 0, renders: 0, renderMs: 0, renderMaxMs: 0 };
(window as unknown as { tswarmDashboard: unknown }).tswarmDashboard = { stats };
const ui = { nodePage: 0, servicePage: 0, nodeWords: [] as string[], serviceWords: [] as string[] };
const detail = new ServiceDetail($('#detail'), model, (service, replicas) => {
  act('scale', { service, replicas });
});

/** What the node grid shows now: redrawn only when it or one of its nodes changed. */
let shownNodes = '';
let servicesChanged = true;
let renderTimer: number | undefined;
let lastRender = 0;
function schedule(): void {
  if (renderTimer !== undefined) return;
  renderTimer = window.setTimeout(() => {
    renderTimer = undefined;
    lastRender = Date.now();
    render();
  }, Math.max(0, RENDER_MS - (Date.now() - lastRender)));
}

function render(): void {
  const t0 = performance.now();
  renderParts();
  const ms = performance.now() - t0;
  stats.renders++;
  stats.renderMs += ms;
  stats.renderMaxMs = Math.max(stats.renderMaxMs, ms);
}

function renderParts(): void {
  $('#summary').innerHTML = summaryHtml(model);
  const info = model.info;
  const notice = $('#notice');
  if (info && !info.manager) { notice.hidden = false; notice.className = 'notice'; notice.textContent = info.message ?? 'This node is not a swarm manager.'; } else if (!notice.classList.contains('error')) notice.hidden = true;

  const services = model.sortedServiceList().filter((s) => serviceMatches(s, ui.serviceWords));
  const sp = page(services, ui.servicePage, SERVICES_PER_PAGE);
  ui.servicePage = sp.pageNo;
  $('#services tbody').innerHTML = servicesHtml(model, sp.items, detail.serviceId);
  $('#svc-pager').innerHTML = sp.pager;

  const nodes = model.sortedNodeList().filter((n) => nodeMatches(n, ui.nodeWords));
  const np = page(nodes, ui.nodePage, NODES_PER_PAGE);
  ui.nodePage = np.pageNo;
  const shown = `${!!info?.actions}|${np.items.map((n) => n.ID).join(',')}`;
  // Names in tasks' cards come from services: a service's change redraws the grid too.
  if (shown !== shownNodes || servicesChanged || np.items.some((n) => model.dirtyNodes.has(n.ID))) {
    $('#nodes').innerHTML = nodesHtml(model, np.items, !!info?.actions);
    shownNodes = shown;
  }
  model.dirtyNodes.clear();
  servicesChanged = false;
  $('#node-pager').innerHTML = np.pager;

  detail.render();
}

function connect(): void {
  const conn = $('#conn');
  const es = new EventSource('/api/live');
  es.onopen = () => { conn.className = 'conn live'; conn.textContent = 'live'; };
  es.onerror = () => { conn.className = 'conn down'; conn.textContent = 'reconnecting…'; };
  es.onmessage = (ev: MessageEvent<string>) => {
    const t0 = performance.now();
    const msg = JSON.parse(ev.data) as LiveMessage;
    if (msg.kind === 'snapshot' || msg.services.length || msg.removed.services.length) servicesChanged = true;
    model.apply(msg);
    const ms = performance.now() - t0;
    stats.messages++;
    stats.bytes += ev.data.length;
    stats.applyMs += ms;
    stats.applyMaxMs = Math.max(stats.applyMaxMs, ms);
    if (detail.serviceId && model.touchedServices.has(detail.serviceId)) detail.tasksChanged();
    schedule();
  };
}

/** An action (only with --web-actions): the daemon runs it as the Engine API's update, with its validation. */
function act(name: 'scale' | 'availability', body: object): void {
  const notice = $('#notice');
  fetch(`/api/actions/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (res) => {
      if (res.ok) { notice.hidden = true; notice.className = 'notice'; return; }
      const msg = ((await res.json().catch(() => ({}))) as { message?: string }).message ?? res.statusText;
      notice.hidden = false;
      notice.className = 'notice error';
      notice.textContent = `${name}: ${msg}`;
    })
    .catch((err: unknown) => { notice.hidden = false; notice.className = 'notice error'; notice.textContent = `${name}: ${String(err)}`; });
}

const words = (v: string) => v.toLowerCase().split(/\s+/).filter(Boolean);

function wire(): void {
  $<HTMLInputElement>('#node-filter').addEventListener('input', (e) => { ui.nodeWords = words((e.target as HTMLInputElement).value); ui.nodePage = 0; schedule(); });
  $<HTMLInputElement>('#svc-filter').addEventListener('input', (e) => { ui.serviceWords = words((e.target as HTMLInputElement).value); ui.servicePage = 0; schedule(); });
  $('#node-pager').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest('button[data-page]');
    if (b) { ui.nodePage += Number(b.getAttribute('data-page')); schedule(); }
  });
  $('#svc-pager').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest('button[data-page]');
    if (b) { ui.servicePage += Number(b.getAttribute('data-page')); schedule(); }
  });
  $('#services').addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest('tr[data-service]');
    if (row) { detail.open(row.getAttribute('data-service')!); schedule(); }
  });
  $('#nodes').addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const btn = t.closest('button[data-availability]');
    if (btn) { act('availability', { node: btn.getAttribute('data-node'), availability: btn.getAttribute('data-availability') }); return; }
    const card = t.closest('[data-service-id]');
    if (card) { detail.open(card.getAttribute('data-service-id')!); schedule(); }
  });
  $('#detail').addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('[data-close]')) { detail.close(); schedule(); }
  });
}

wire();
connect();
new EventsFeed($('#events')).start();
