import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { docker, eventually, startTswarmd, httpGet } from '../helpers/tswarmd.js';
import { runningTasks, swarmScenario } from './scenario.js';

// The README's walk-through with the real docker CLI, tasks as host processes (no engine).
test('docker CLI drives a single-node swarm on the process executor', { timeout: 600_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(() => d.stop('SIGKILL'));
  await swarmScenario(t, d, {
    image: 'busybox',
    webCommand: ['sh', '-c', 'd=$(mktemp -d) && echo $$ > $d/index.html && exec busybox httpd -f -p $PORT_80 -h $d'],
    idleCommand: ['sleep', '86400'],
    publishedPort: 18080,
  });

  await t.test('a service of an image without a command is refused at create, not rejected forever', async () => {
    const r = await docker(d.host, 'service', 'create', '--detach', '--name', 'img', 'nginx');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no command specified: every node of this swarm runs tasks with the process executor.*\(nginx:latest\)/);
    assert.equal((await docker(d.host, 'service', 'ls', '-q', '--filter', 'name=img')).stdout.trim(), '', 'nothing created');
  });

  await t.test('restarts keep state and adopt running tasks (SIGTERM and SIGKILL)', async () => {
    const c = await docker(d.host, 'service', 'create', '--name', 'keep', '--replicas', '2', '-p', '18081:80', '--detach', 'busybox',
      'sh', '-c', 'd=$(mktemp -d) && echo $$ > $d/index.html && exec busybox httpd -f -p $PORT_80 -h $d');
    assert.equal(c.code, 0, c.stderr);
    await eventually(async () => (await runningTasks(d, 'keep')).length === 2, 60_000, 'keep running');
    // docker info counts the task processes as containers and tells the machine's OS and size
    const info = (await docker(d.host, 'info', '--format', '{{.ContainersRunning}}|{{.OperatingSystem}}|{{.NCPU}}|{{.MemTotal}}')).stdout.trim().split('|');
    assert.equal(Number(info[0]), 2);
    assert.equal(info[1], /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1]);
    assert.deepEqual(info.slice(2).map(Number), [cpus().length, totalmem()]);
    const pidsBefore = new Set<string>();
    await eventually(async () => { for (let i = 0; i < 6; i++) pidsBefore.add((await httpGet(18081)).trim()); return pidsBefore.size === 2; }, 20_000, 'two answers');
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await d.restart(signal);
      await eventually(async () => (await runningTasks(d, 'keep')).length === 2, 60_000, `running after ${signal}`);
      const ids = await docker(d.host, 'service', 'ps', '-q', 'keep');
      assert.equal(ids.stdout.trim().split('\n').length, 2, `no task replaced after ${signal}`);
      const after = new Set<string>();
      await eventually(async () => { for (let i = 0; i < 6; i++) after.add((await httpGet(18081)).trim()); return after.size === 2; }, 20_000, 'two answers again');
      assert.deepEqual([...after].sort(), [...pidsBefore].sort(), `same processes after ${signal}`);
    }
    assert.equal((await docker(d.host, 'service', 'rm', 'keep')).code, 0);
    // The kernel's routing mesh needs containers: this node says at start that its proxy serves published ports.
    assert.match(d.log(), /routing mesh: the userspace proxy \(on the managers\) serves published ports, as tasks of the process executor are not containers/);
    const leave = await docker(d.host, 'swarm', 'leave', '--force');
    assert.equal(leave.code, 0, leave.stderr);
    assert.match(leave.stdout, /Node left the swarm/);
  });
});
