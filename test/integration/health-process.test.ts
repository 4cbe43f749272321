import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { raw, socketOf } from './invalid-input-engine.js';

async function tasksOf(host: string, service: string): Promise<any[]> {
  const f = encodeURIComponent(JSON.stringify({ service: [service] }));
  return (await raw(socketOf(host), 'GET', `/v1.41/tasks?filters=${f}`)).json ?? [];
}

// The process executor has no engine: the agent runs the health check itself, with the task's env and directory.
test('health checks on the process executor: STARTING until healthy, unhealthy tasks fail and are replaced; jobs run there too', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);

  await t.test('a check that passes after 2 s: STARTING, then RUNNING', async () => {
    // the task's directory is its working directory, where the check looks too
    const c = await docker(d.host, 'service', 'create', '-d', '--name', 'slow', '--health-cmd', 'test -f ready', '--health-interval', '300ms',
      '--health-retries', '20', 'busybox', 'sh', '-c', 'sleep 2; touch ready; exec sleep 86400');
    assert.equal(c.code, 0, c.stderr);
    let starting = 0;
    let running = 0;
    await eventually(async () => {
      const [x] = await tasksOf(d.host, 'slow');
      if (x?.Status.State === 'starting' && !starting) starting = Date.now();
      if (x?.Status.State === 'running') running = Date.now();
      return running > 0;
    }, 30_000, 'running');
    assert.ok(starting > 0, 'STARTING seen');
    assert.ok(running - starting >= 1500, `RUNNING only once healthy (${running - starting} ms)`);
    assert.ok(running - starting <= 5000, `RUNNING soon after (${running - starting} ms)`);
  });

  await t.test('a failing check: the task is stopped, failed with Docker\'s error, and replaced', async () => {
    const c = await docker(d.host, 'service', 'create', '-d', '--name', 'sick', '--health-cmd', 'false', '--health-interval', '300ms', '--health-retries', '2',
      '--stop-grace-period', '1s', '--restart-delay', '500ms', 'busybox', 'sleep', '86400');
    assert.equal(c.code, 0, c.stderr);
    const failed = await eventually(async () => (await tasksOf(d.host, 'sick')).find((x) => x.Status.State === 'failed'), 30_000, 'failed');
    assert.equal(failed.Status.Err, 'task: non-zero exit (137): dockerexec: unhealthy container');
    await eventually(async () => (await tasksOf(d.host, 'sick')).some((x) => x.ID !== failed.ID && x.Slot === failed.Slot), 30_000, 'replaced');
    const ps = await docker(d.host, 'service', 'ps', '--no-trunc', 'sick');
    assert.match(ps.stdout, /Shutdown +Failed .*"task: non-zero exit \(137\): dockerexec: unhealthy container"/);
  });

  await t.test('a replicated job: its first three attempts fail and are retried per restart policy, then it completes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tswarm-jobtest-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // every attempt leaves a mark; the first three fail, later ones succeed
    const c = await docker(d.host, 'service', 'create', '-d', '--name', 'job', '--mode', 'replicated-job', '--replicas', '3', '--max-concurrent', '3',
      '--restart-delay', '200ms', 'busybox', 'sh', '-c', `mktemp -d -p ${dir} >/dev/null; [ $(ls ${dir} | wc -l) -gt 3 ]`);
    assert.equal(c.code, 0, c.stderr);
    await eventually(async () => (await docker(d.host, 'service', 'ls', '--filter', 'name=job', '--format', '{{.Replicas}}')).stdout.trim() === '0/3 (3/3 completed)', 30_000, 'completed');
    const ts = await tasksOf(d.host, 'job');
    assert.equal(ts.filter((x) => x.Status.State === 'failed').length, 3);
    assert.equal(ts.filter((x) => x.Status.State === 'complete').length, 3);
    assert.ok(ts.filter((x) => x.Status.State === 'failed').every((x) => x.Status.Err === 'task: non-zero exit (1)' && x.DesiredState === 'shutdown'));
  });
});
