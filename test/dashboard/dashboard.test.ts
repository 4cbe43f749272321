import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dk, formSwarm, startNodes, type Daemon } from '../helpers/cluster.js';
import { freePort, TSWARM_BIN } from '../helpers/tswarmd.js';
import { parseDaemonArgs, type DaemonOptions } from '../../src/daemon/options.js';
import { WORKER_NOT_MANAGER } from '../../src/types/errors.js';
import { ACTIONS_DISABLED } from '../../src/dashboard/server.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
/** Where CI finds the screenshot (an artifact of the run). */
export const ARTIFACTS = process.env.TSWARM_ARTIFACTS ?? join(repo, 'test-artifacts');
/** Debian's chromium (apt-get install chromium); playwright-core drives it, no browser download. */
const CHROMIUM = process.env.TSWARM_CHROMIUM ?? '/usr/bin/chromium';

let leader: Daemon;
let follower: Daemon;
let worker: Daemon;
let leaderWeb: string;
let followerWeb: string;
let workerWeb: string;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
  leaderWeb = `127.0.0.1:${await freePort()}`;
  followerWeb = `127.0.0.1:${await freePort()}`;
  workerWeb = `127.0.0.1:${await freePort()}`;
  // Three daemons on loopback: the leader's dashboard is read-only, the follower's allows actions.
  [leader] = await startNodes(1, { first: 151, prefix: 'dash-m', extra: ['--web-addr', leaderWeb] });
  [follower] = await startNodes(1, { first: 152, prefix: 'dash-f', extra: ['--web-addr', followerWeb, '--web-actions'] });
  [worker] = await startNodes(1, { first: 153, prefix: 'dash-w', extra: ['--web-addr', workerWeb] });
  await formSwarm([leader, follower], [worker]);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  for (const d of [worker, follower, leader]) await d?.stop('SIGKILL');
});

/** A page with every console error and uncaught exception kept (the test asserts there are none). */
async function open(addr: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://${addr}/`);
  return { page, errors };
}

const text = (page: Page, sel: string) => page.locator(sel).first().textContent({ timeout: 5_000 });
const replicas = (page: Page, service: string) => text(page, `tr[data-name="${service}"] [data-replicas]`);
const nodeCol = (name: string) => `.node[data-node-name="${name}"]`;

/** A POST to the dashboard as a script would send it (outside the page: its refusals are no console errors of the page). */
async function post(addr: string, path: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) {
  const r = await fetch(`http://${addr}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, message: ((await r.json()) as { message: string }).message };
}

/** GET with another Host header (fetch sets its own). */
function statusWithHost(addr: string, path: string, hostHeader: string): Promise<number> {
  const [host, port] = addr.split(':');
  return new Promise((res, rej) => {
    const r = request({ host, port: Number(port), path, headers: { Host: hostHeader } }, (resp) => { resp.resume(); res(resp.statusCode!); });
    r.on('error', rej);
    r.end();
  });
}

/** How long until fn holds in the page, in ms (fails after `ms`). */
async function within(page: Page, ms: number, fn: (arg: string) => boolean, arg = ''): Promise<number> {
  const t0 = Date.now();
  await page.waitForFunction(fn, arg, { timeout: ms, polling: 'raf' });
  return Date.now() - t0;
}

test('dashboard: nodes, services, a scale and a drain appear live, events listed, read-only by default', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(leaderWeb);
  await page.waitForSelector('#conn.live');

  // The three nodes as columns, with role, state and availability.
  await page.waitForFunction(() => document.querySelectorAll('.node').length === 3);
  const names = await page.locator('.node .node-name').allTextContents();
  assert.deepEqual(names, ['dash-m1', 'dash-f1', 'dash-w1'], 'the leader first, then managers, then workers');
  assert.match(await text(page, `${nodeCol('dash-m1')} .node-meta`) ?? '', /leader\s*ready\s*active/);
  assert.match(await text(page, `${nodeCol('dash-f1')} .node-meta`) ?? '', /manager\s*ready\s*active/);
  assert.match(await text(page, `${nodeCol('dash-w1')} .node-meta`) ?? '', /worker\s*ready\s*active/);
  assert.match(await text(page, '#summary') ?? '', /3 nodes \(3 ready, 2 managers\)/);
  assert.equal(await page.locator('button[data-availability]').count(), 0, 'no drain buttons on a read-only dashboard');

  // The page is never reloaded from here on: what changes, changes live.
  await page.evaluate(() => { (window as unknown as { loadedOnce: number }).loadedOnce = 1; });

  // A service created with the docker CLI appears with its replicas, its tasks as cards under their nodes.
  assert.equal((await dk(leader, 'service', 'create', '-d', '--name', 'web', '--replicas', '3', 'img')).code, 0);
  await within(page, 20_000, () => document.querySelector('tr[data-name="web"] [data-replicas]')?.textContent === '3/3');
  const serviceId = (await dk(leader, 'service', 'inspect', '-f', '{{.ID}}', 'web')).stdout.trim();
  await page.waitForFunction((id) => document.querySelectorAll(`.card.running[data-service-id="${id}"]`).length === 3, serviceId);
  assert.match(await text(page, `.card[data-service-id="${serviceId}"] .svc`) ?? '', /^web\.[1-3]$/);

  // Scaled with the docker CLI: the new desired count shows within a second, then the running count follows.
  assert.equal(await replicas(page, 'web'), '3/3', 'before the scale');
  assert.equal((await dk(leader, 'service', 'scale', '-d', 'web=6')).code, 0);
  const scaleMs = await within(page, 1_000, () => /\/6$/.test(document.querySelector('tr[data-name="web"] [data-replicas]')?.textContent ?? ''));
  await within(page, 20_000, () => document.querySelector('tr[data-name="web"] [data-replicas]')?.textContent === '6/6');

  // A drained node shows as drained within a second, and its tasks leave it.
  assert.ok(await page.locator(`${nodeCol('dash-w1')} .card`).count() > 0, 'the worker runs some of web before the drain');
  assert.equal((await dk(leader, 'node', 'update', '--availability', 'drain', 'dash-w1')).code, 0);
  const drainMs = await within(page, 1_000, (sel: string) => document.querySelector(`${sel} [data-availability-state]`)?.textContent === 'drain', nodeCol('dash-w1'));
  await page.waitForFunction((sel: string) => document.querySelectorAll(`${sel} .card`).length === 0, nodeCol('dash-w1'), { timeout: 20_000 });
  await within(page, 20_000, () => document.querySelector('tr[data-name="web"] [data-replicas]')?.textContent === '6/6');

  // The events, as GET /events streams them.
  await page.waitForFunction(() => [...document.querySelectorAll('#events li[data-event-type="service"][data-event-action="update"]')].some((li) => /web replicas 3→6/.test(li.textContent ?? '')));
  await page.waitForFunction(() => [...document.querySelectorAll('#events li[data-event-type="node"][data-event-action="update"]')].some((li) => /dash-w1 availability active→drain/.test(li.textContent ?? '')));
  assert.ok(await page.locator('#events li[data-event-type="service"][data-event-action="create"]', { hasText: 'web' }).count() === 1);

  assert.equal(await page.evaluate(() => (window as unknown as { loadedOnce?: number }).loadedOnce), 1, 'the page was not reloaded');
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  // Read-only: actions and Engine API writes are refused, and change nothing; the swarm object (join tokens) is not served.
  const refused = {
    scale: await post(leaderWeb, '/api/actions/scale', { service: 'web', replicas: 1 }),
    drain: await post(leaderWeb, '/api/actions/availability', { node: 'dash-m1', availability: 'drain' }),
    update: await post(leaderWeb, '/api/engine/services/web/update?version=1', {}),
    swarm: (await fetch(`http://${leaderWeb}/api/engine/swarm`)).status,
  };
  assert.deepEqual(refused.scale, { status: 403, message: ACTIONS_DISABLED });
  assert.deepEqual(refused.drain, { status: 403, message: ACTIONS_DISABLED });
  assert.deepEqual(refused.update, { status: 403, message: ACTIONS_DISABLED });
  assert.equal(refused.swarm, 403);
  // A name rebound to loopback by another site is not this dashboard's.
  assert.equal(await statusWithHost(leaderWeb, '/api/engine/services', 'evil.example'), 403);
  assert.equal(await statusWithHost(leaderWeb, '/api/engine/services', `localhost:${leaderWeb.split(':')[1]}`), 200);
  assert.equal((await dk(leader, 'service', 'inspect', '-f', '{{.Spec.Mode.Replicated.Replicas}}', 'web')).stdout.trim(), '6');
  assert.equal((await dk(leader, 'node', 'inspect', '-f', '{{.Spec.Availability}}', 'dash-m1')).stdout.trim(), 'active');

  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
  process.stdout.write(`# dashboard: scale shown in ${scaleMs} ms, drain in ${drainMs} ms after the docker CLI returned\n`);
});

test('dashboard with --web-actions on a follower: task history, logs, scale and activate through the leader, bad input refused', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(followerWeb);
  await page.waitForSelector('#conn.live');
  await page.waitForFunction(() => document.querySelector('tr[data-name="web"] [data-replicas]')?.textContent === '6/6');
  assert.match(await text(page, '#summary') ?? '', /actions on/);

  // A service's panel: its task history and its logs (every node's tasks, through the log broker).
  await page.click('tr[data-name="web"]');
  await page.waitForFunction(() => document.querySelectorAll('#detail .history tbody tr').length >= 6);
  await page.waitForFunction(() => /web\.\d+@dash-\w+ \| sim task \w+ started/.test(document.querySelector('#detail .logs')?.textContent ?? ''), null, { timeout: 20_000 });

  // Scale from the page: the follower forwards the update to the leader, as the docker CLI's would be.
  await page.fill('#detail input[name=replicas]', '2');
  await page.click('#detail form[data-scale] button');
  await within(page, 20_000, () => document.querySelector('tr[data-name="web"] [data-replicas]')?.textContent === '2/2');
  assert.equal((await dk(leader, 'service', 'inspect', '-f', '{{.Spec.Mode.Replicated.Replicas}}', 'web')).stdout.trim(), '2');

  // The drained worker is made active again from its column.
  await page.click(`${nodeCol('dash-w1')} button[data-availability="active"]`);
  await within(page, 5_000, (sel: string) => document.querySelector(`${sel} [data-availability-state]`)?.textContent === 'active', nodeCol('dash-w1'));
  assert.equal((await dk(leader, 'node', 'inspect', '-f', '{{.Spec.Availability}}', 'dash-w1')).stdout.trim(), 'active');

  // Bad input gets the control API's own validation and changes nothing; a cross-site request is refused.
  const bad = {
    availability: await post(followerWeb, '/api/actions/availability', { node: 'dash-w1', availability: 'bogus' }),
    negative: await post(followerWeb, '/api/actions/scale', { service: 'web', replicas: -1 }),
    missing: await post(followerWeb, '/api/actions/scale', { service: 'nope', replicas: 1 }),
    form: await post(followerWeb, '/api/actions/scale', 'service=web&replicas=9', { 'Content-Type': 'application/x-www-form-urlencoded' }),
    crossSite: await post(followerWeb, '/api/actions/scale', { service: 'web', replicas: 9 }, { 'Content-Type': 'application/json', Origin: 'http://evil.example' }),
  };
  assert.deepEqual(bad.availability, { status: 400, message: 'invalid Availability: "bogus"' });
  assert.equal(bad.negative.status, 400);
  assert.deepEqual(bad.missing, { status: 404, message: 'service nope not found' });
  assert.equal(bad.form.status, 400);
  assert.deepEqual(bad.crossSite, { status: 403, message: 'cross-site action refused (Origin http://evil.example)' });
  assert.equal((await dk(leader, 'service', 'inspect', '-f', '{{.Spec.Mode.Replicated.Replicas}}', 'web')).stdout.trim(), '2');
  assert.equal((await dk(leader, 'node', 'inspect', '-f', '{{.Spec.Availability}}', 'dash-w1')).stdout.trim(), 'active');

  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
});

test('--web-addr already in use: a clear error at start and a non-zero exit', { timeout: 30_000 }, async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const addr = `127.0.0.1:${(busy.address() as { port: number }).port}`;
  const dataRoot = `/tmp/tswarm-web-${process.pid}`;
  try {
    const p = spawn(process.execPath, [TSWARM_BIN, 'daemon', '--data-root', dataRoot, '--host', `unix://${dataRoot}.sock`,
      '--executor', 'sim', '--listen-addr', `127.0.0.1:${await freePort()}`, '--web-addr', addr], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => p.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, new RegExp(`failed to listen on --web-addr ${addr}: listen tcp ${addr}: bind: address already in use`));
  } finally {
    busy.close();
    await rm(dataRoot, { recursive: true, force: true });
  }
});

test('a worker\'s dashboard says why it shows nothing; the dashboard is off by default', { timeout: 60_000 }, async () => {
  assert.equal((parseDaemonArgs([]) as DaemonOptions).webAddr, undefined);
  const { page, errors } = await open(workerWeb);
  await page.waitForSelector('#conn.live');
  await page.waitForFunction((msg) => document.querySelector('#notice')?.textContent === msg, WORKER_NOT_MANAGER);
  assert.equal(await page.locator('.node').count(), 0);
  assert.deepEqual(errors, [], 'no console errors');
  await page.close();
  assert.match(leader.log(), new RegExp(`dashboard on http://${leaderWeb}/ \\(read-only\\)`));
  assert.match(follower.log(), new RegExp(`dashboard on http://${followerWeb}/ \\(scale and drain allowed\\)`));
});
