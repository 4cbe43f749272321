// bench/dashboard: the live dashboard at scale. A sim daemon with N nodes; one
// service scaled from 1 to T tasks, twice: without a page open, then with the
// dashboard open in headless chromium. Prints the snapshot's size and first
// render, when the page shows the new desired count and all tasks running
// (against when GET /services?status=true says so), the page's long tasks
// (main thread busy > 50 ms) while it follows, filtering at full size, and
// the daemon's time to RUNNING with and without a page (the hub's cost).
// Usage: npm run bench:dashboard [-- TASKSxNODES]   (default 10000x1000)
import { chromium } from 'playwright-core';
import { freePort, startTswarmd } from '../test/helpers/tswarmd.js';
import { api } from './api-client.js';

const [tasks, nodes] = (process.argv[2] ?? '10000x1000').split('x').map(Number);
const CHROMIUM = process.env.TSWARM_CHROMIUM ?? '/usr/bin/chromium';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function running(socket: string, want: number): Promise<void> {
  for (;;) {
    const [s] = await api<{ ServiceStatus: { RunningTasks: number } }[]>(socket, 'GET', '/services?status=true');
    if (s.ServiceStatus.RunningTasks >= want) return;
    await sleep(100);
  }
}

/** The first message of /api/live: its size in bytes. */
async function snapshotBytes(web: string): Promise<number> {
  const ac = new AbortController();
  const res = await fetch(`http://${web}/api/live`, { signal: ac.signal });
  const reader = res.body!.getReader();
  let text = '';
  const dec = new TextDecoder();
  for (;;) {
    const { value } = await reader.read();
    text += dec.decode(value, { stream: true });
    const m = /data: (.*)\n\n/.exec(text);
    if (m) { ac.abort(); return Buffer.byteLength(m[1]); }
  }
}

/** Reads the live stream and drops it: the daemon's cost of a page, without a browser on the same cores. */
async function drain(web: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(`http://${web}/api/live`, { signal });
  const reader = res.body!.getReader();
  for (;;) { const { done } = await reader.read(); if (done) return; }
}

async function run(withPage: boolean, streamOnly = false) {
  const web = `127.0.0.1:${await freePort()}`;
  const d = await startTswarmd({ executor: 'sim', extra: ['--sim-nodes', String(nodes), '--web-addr', web] });
  const browser = withPage ? await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }) : undefined;
  try {
    await api(d.socket, 'POST', '/swarm/init', { AdvertiseAddr: d.listenAddr });
    while ((await api<unknown[]>(d.socket, 'GET', '/nodes')).length < nodes + 1) await sleep(200);
    await api(d.socket, 'POST', '/services/create', { Name: 'bench', TaskTemplate: { ContainerSpec: { Image: 'sim' } }, Mode: { Replicated: { Replicas: 1 } } });
    await running(d.socket, 1);
    const ac = new AbortController();
    if (streamOnly) drain(web, ac.signal).catch(() => undefined);
    const page = await browser?.newPage({ viewport: { width: 1500, height: 1000 } });
    let firstRenderMs = NaN;
    if (page) {
      await page.addInitScript(() => {
        const w = window as unknown as { longTasks: number[] };
        w.longTasks = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) w.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
      });
      const t0 = Date.now();
      await page.goto(`http://${web}/`);
      await page.waitForFunction(() => document.querySelector('tr[data-name="bench"] [data-replicas]')?.textContent === '1/1' && document.querySelectorAll('.node').length > 0);
      firstRenderMs = Date.now() - t0;
      await page.evaluate(() => { (window as unknown as { longTasks: number[] }).longTasks = []; });
    }
    const { Version } = await api<{ Version: { Index: number }; Spec: unknown }>(d.socket, 'GET', '/services/bench');
    const { Spec } = await api<{ Spec: { Mode: unknown } }>(d.socket, 'GET', '/services/bench');
    const t0 = Date.now();
    await api(d.socket, 'POST', `/services/bench/update?version=${Version.Index}`, { ...Spec, Mode: { Replicated: { Replicas: tasks } } });
    const pageDesired = page?.waitForFunction((n) => document.querySelector('tr[data-name="bench"] [data-replicas]')?.textContent?.endsWith(`/${n}`), tasks, { polling: 'raf' }).then(() => Date.now() - t0);
    const pageAll = page?.waitForFunction((n) => document.querySelector('tr[data-name="bench"] [data-replicas]')?.textContent === `${n}/${n}`, tasks, { polling: 'raf', timeout: 600_000 }).then(() => Date.now() - t0);
    await running(d.socket, tasks);
    const apiAllMs = Date.now() - t0;
    ac.abort();
    const out: Record<string, number> = { apiAllMs };
    if (page) {
      out.pageDesiredMs = (await pageDesired)!;
      out.pageAllMs = (await pageAll)!;
      const long = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
      out.longTasks = long.length;
      out.longTaskMaxMs = Math.round(Math.max(0, ...long));
      out.longTaskSumMs = Math.round(long.reduce((a, b) => a + b, 0));
      Object.assign(out, await page.evaluate(() => (window as unknown as { tswarmDashboard: { stats: Record<string, number> } }).tswarmDashboard.stats));
      out.cardsAtFull = await page.evaluate(() => document.querySelectorAll('.card').length);
      const tf = Date.now();
      await page.fill('#node-filter', 'sim-09');
      await page.waitForFunction(() => [...document.querySelectorAll('.node-name')].every((e) => e.textContent!.startsWith('sim-09')));
      out.filterMs = Date.now() - tf;
      out.snapshotKiB = Math.round((await snapshotBytes(web)) / 1024);
      out.firstRenderMs = firstRenderMs;
      out.domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    }
    return out;
  } finally {
    await browser?.close();
    await d.stop('SIGKILL');
  }
}

const without = await run(false);
const streamed = await run(false, true);
const withPage = await run(true);
console.log(`\n${tasks} tasks on ${nodes} simulated nodes (scale 1 → ${tasks})`);
console.log(`  daemon to RUNNING (GET /services):   ${(without.apiAllMs / 1000).toFixed(1)} s without a page, ${(withPage.apiAllMs / 1000).toFixed(1)} s with the dashboard open (${(withPage.apiAllMs / without.apiAllMs).toFixed(2)}x; browser on the same cores), ${(streamed.apiAllMs / 1000).toFixed(1)} s with only its live stream read (${(streamed.apiAllMs / without.apiAllMs).toFixed(2)}x)`);
console.log(`  page shows the desired count after:  ${withPage.pageDesiredMs} ms`);
console.log(`  page shows ${tasks}/${tasks} after:        ${(withPage.pageAllMs / 1000).toFixed(1)} s (${withPage.pageAllMs - withPage.apiAllMs} ms after the API's poll saw it)`);
console.log(`  page main thread while following:    ${withPage.longTasks} long tasks (> 50 ms), longest ${withPage.longTaskMaxMs} ms, ${withPage.longTaskSumMs} ms in all`);
console.log(`  page's own work: ${withPage.messages} live messages (${Math.round(withPage.bytes / 1024)} KiB), applied in ${Math.round(withPage.applyMs)} ms (longest ${Math.round(withPage.applyMaxMs)}); ${withPage.renders} renders in ${Math.round(withPage.renderMs)} ms (longest ${Math.round(withPage.renderMaxMs)}) over ${withPage.frames} frames`);
console.log(`  snapshot: ${withPage.snapshotKiB} KiB, first render ${withPage.firstRenderMs} ms; filter at full size ${withPage.filterMs} ms; ${withPage.cardsAtFull} task cards in the DOM at full size, ${withPage.domNodes} DOM elements after the filter`);
