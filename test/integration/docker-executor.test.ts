import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd, run } from '../helpers/tswarmd.js';
import { onTestEngine, skipWithoutTestEngine } from '../helpers/docker-executor-setup.js';
import { runningTasks, swarmScenario } from './scenario.js';

// The README's walk-through with the real docker CLI, tasks as containers of a private engine.
test('docker CLI drives a single-node swarm on the docker executor', { timeout: 600_000, skip: skipWithoutTestEngine }, async (t) => {
  const { engine, image, atEnd } = await onTestEngine(t);
  const d = await startTswarmd({ executor: 'docker', dockerHost: engine });
  atEnd(() => d.stop('SIGKILL'));
  // Other tests may run tasks on the same engine at the same time: count this daemon's node only.
  let nodeId = '';
  const ours = async () => (await run('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.node.id=${nodeId}`], { DOCKER_HOST: engine })).stdout.trim().split('\n').filter(Boolean);

  await swarmScenario(t, d, {
    image,
    webCommand: ['sh', '-c', 'hostname > /www/index.html && exec httpd -f -p 80 -h /www'],
    idleCommand: ['sleep', '86400'],
    publishedPort: 18180,
  });

  nodeId = (await docker(d.host, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
  assert.ok(nodeId);

  await t.test('containers really run on the engine, are restarted when killed, and go with service rm', async () => {
    assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'c', '--replicas', '2', '--restart-delay', '200ms', image, 'sleep', '86400')).code, 0);
    await eventually(async () => (await runningTasks(d, 'c')).length === 2, 60_000, '2 running');
    const names = (await run('docker', ['ps', '--format', '{{.Names}}', '--filter', 'label=com.docker.swarm.service.name=c', '--filter', `label=com.docker.swarm.node.id=${nodeId}`], { DOCKER_HOST: engine })).stdout.trim().split('\n');
    assert.equal(names.length, 2);
    for (const n of names) assert.match(n, /^c\.[12]\.\w{25}$/);
    // docker ps through tswarm's own socket reaches the same engine
    const viaTswarm = await docker(d.host, 'ps', '--format', '{{.Names}}', '--filter', 'label=com.docker.swarm.service.name=c', '--filter', `label=com.docker.swarm.node.id=${nodeId}`);
    assert.deepEqual(viaTswarm.stdout.trim().split('\n').sort(), names.sort());
    await run('docker', ['kill', names[0]], { DOCKER_HOST: engine });
    await eventually(async () => {
      const ps = await docker(d.host, 'service', 'ps', 'c');
      return /Failed/.test(ps.stdout) && (await runningTasks(d, 'c')).length === 2;
    }, 60_000, 'killed container replaced');
    assert.equal((await docker(d.host, 'service', 'rm', 'c')).code, 0);
    await eventually(async () => (await ours()).length === 0, 60_000, 'containers removed');
  });

  await t.test('docker info tells the engine\'s containers, images and machine', async () => {
    const fmt = '{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}} {{.OperatingSystem}} {{.KernelVersion}} {{.NCPU}} {{.MemTotal}} {{.Driver}}';
    assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'i', '--replicas', '2', image, 'sleep', '86400')).code, 0);
    await eventually(async () => (await runningTasks(d, 'i')).length === 2, 60_000, '2 running');
    // Other tests may start containers on the engine meanwhile: the same answer from both within a few tries.
    const viaTswarm = await eventually(async () => {
      const [a, b] = await Promise.all([docker(d.host, 'info', '--format', fmt), docker(engine, 'info', '--format', fmt)]);
      return a.code === 0 && a.stdout === b.stdout && a;
    }, 20_000, 'docker info through tswarm to match the engine');
    const [containers, running, , images] = viaTswarm.stdout.split(' ').map(Number);
    assert.ok(running >= 2 && containers >= running && images >= 1, viaTswarm.stdout);
    assert.equal((await docker(d.host, 'service', 'rm', 'i')).code, 0);
    await eventually(async () => (await ours()).length === 0, 60_000, 'containers removed');
  });

  await t.test('a restarted daemon adopts the running containers (SIGKILL)', async () => {
    assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'keep', '--replicas', '2', image, 'sleep', '86400')).code, 0);
    await eventually(async () => (await runningTasks(d, 'keep')).length === 2, 60_000, 'running');
    const before = (await ours()).sort();
    await d.restart('SIGKILL');
    await eventually(async () => (await runningTasks(d, 'keep')).length === 2, 60_000, 'running after restart');
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual((await ours()).sort(), before, 'the same containers, none added');
    assert.equal((await docker(d.host, 'service', 'rm', 'keep')).code, 0);
    await eventually(async () => (await ours()).length === 0, 60_000, 'containers removed');
    assert.equal((await docker(d.host, 'swarm', 'leave', '--force')).code, 0);
  });
});
