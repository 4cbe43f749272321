import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { docker, eventually, freePort, startTswarmd, TSWARM_BIN } from '../helpers/tswarmd.js';

interface Family { name: string; type: string; metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[] }

async function scrape(port: number): Promise<Map<string, Family>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await res.text()) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

const value = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
  Number(m.get(name)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v))?.value ?? NaN);

test('/metrics: swarm metrics with Docker\'s names move with a scale-up and parse as Prometheus text', { timeout: 120_000 }, async (t) => {
  const port = await freePort();
  const d = await startTswarmd({ executor: 'sim', extra: ['--metrics-addr', `127.0.0.1:${port}`] });
  t.after(() => d.stop('SIGKILL'));
  const before = await scrape(port);
  assert.equal(value(before, 'swarm_node_manager'), 0, 'no swarm yet');
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', d.listenAddr)).code, 0);
  assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'm', '--replicas', '2', 'img')).code, 0);
  await eventually(async () => value(await scrape(port), 'swarm_manager_tasks_total', { state: 'running' }) === 2, 30_000, '2 running');
  assert.equal((await docker(d.host, 'service', 'scale', '-d', 'm=12')).code, 0);
  const after = await eventually(async () => { const m = await scrape(port); return value(m, 'swarm_manager_tasks_total', { state: 'running' }) === 12 && m; }, 30_000, '12 running');

  assert.equal(after.get('swarm_manager_tasks_total')!.type, 'GAUGE');
  assert.equal(value(after, 'swarm_manager_nodes', { state: 'ready' }), 1);
  assert.equal(value(after, 'swarm_manager_services_total'), 1);
  assert.equal(value(after, 'swarm_manager_leader'), 1);
  assert.equal(value(after, 'swarm_node_manager'), 1);
  assert.ok(value(after, 'tswarm_raft_commit_index') > 0);
  for (const name of ['swarm_raft_transaction_latency_seconds', 'swarm_store_write_tx_latency_seconds', 'swarm_store_read_tx_latency_seconds', 'swarm_dispatcher_scheduling_delay_seconds', 'tswarm_raft_wal_fsync_seconds']) {
    const f = after.get(name);
    assert.equal(f?.type, 'HISTOGRAM', name);
    assert.ok(Number(f!.metrics[0].count) > 0, `${name} observed`);
  }
  assert.ok(Number(after.get('swarm_dispatcher_scheduling_delay_seconds')!.metrics[0].count) >= 12, 'each task that ran counted once at least');
  assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
});

test('--metrics-addr already in use: a clear error at start and a non-zero exit', { timeout: 30_000 }, async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const addr = `127.0.0.1:${(busy.address() as { port: number }).port}`;
  try {
    const p = spawn(process.execPath, [TSWARM_BIN, 'daemon', '--data-root', `/tmp/tswarm-metrics-${process.pid}`, '--host', `unix:///tmp/tswarm-metrics-${process.pid}.sock`,
      '--executor', 'sim', '--listen-addr', `127.0.0.1:${await freePort()}`, '--metrics-addr', addr], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => p.once('exit', r));
    assert.equal(code, 1);
    assert.match(err, new RegExp(`failed to listen on --metrics-addr ${addr}: listen tcp ${addr}: bind: address already in use`));
  } finally {
    busy.close();
    await rm(`/tmp/tswarm-metrics-${process.pid}`, { recursive: true, force: true });
  }
});
