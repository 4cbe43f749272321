import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { docker, eventually, freePort, startTswarmd } from '../helpers/tswarmd.js';
import { dk, formSwarm, nodeList, runningByNode, type Daemon } from '../helpers/cluster.js';
import { onTestEngine, skipWithoutTestEngine } from '../helpers/docker-executor-setup.js';
// Each task prints numbered lines, 5 a second.
const COUNTER = 'i=0; while true; do i=$((i+1)); echo "n $i"; sleep 0.2; done';
const LINE = /^(dlg\.\d\.[a-z0-9]{12})@(ldk\d)\s+\| n (\d+)$/;

interface Line { task: string; node: string; n: number }
const parse = (out: string): Line[] => out.split('\n').filter(Boolean).map((raw) => {
  const m = LINE.exec(raw);
  assert.ok(m, `not a prefixed line: ${JSON.stringify(raw)}`);
  return { task: m[1], node: m[2], n: Number(m[3]) };
});
const byTask = (ls: Line[]) => {
  const m = new Map<string, number[]>();
  for (const l of ls) m.set(l.task, [...(m.get(l.task) ?? []), l.n]);
  return m;
};
/** In order per task, none missing. */
const consecutive = (ns: number[], what: string) => { for (let i = 1; i < ns.length; i++) assert.equal(ns[i], ns[i - 1] + 1, `${what}: ${ns.join(',')}`); };

/**
 * `docker service logs` on the docker executor across nodes: three tswarm daemons (a manager and two workers,
 * each its own address and node name) drive one Docker engine, the service's three tasks one per node; the
 * lines of every node's task come through the leader's log broker, read from the engine's container logs.
 */
test('service logs on the docker executor: lines of tasks on three nodes', { timeout: 180_000, skip: skipWithoutTestEngine }, async (t) => {
  const { engine, image, atEnd } = await onTestEngine(t);
  const ds: Daemon[] = [];
  atEnd(async () => {
    for (const d of ds) await d.stop('SIGKILL').catch(() => undefined);
    const left = (await docker(engine, 'ps', '-aq', '--filter', 'label=com.docker.swarm.service.name=dlg')).stdout.split('\n').filter(Boolean);
    if (left.length) await docker(engine, 'rm', '-f', ...left);
  });
  for (let i = 1; i <= 3; i++) {
    const ip = `127.0.0.${190 + i}`;
    const d = await startTswarmd({ executor: 'docker', dockerHost: engine, listenAddr: `${ip}:${await freePort(ip)}`, extra: ['--hostname', `ldk${i}`] });
    ds.push(Object.assign(d, { name: `ldk${i}` }));
  }
  const [m, ...workers] = ds;
  await formSwarm([m], workers);
  await eventually(async () => (await nodeList(m)).filter((l) => / Ready\b/.test(l)).length === 3, 30_000, 'three nodes ready');
  const created = await dk(m, 'service', 'create', '-d', '--name', 'dlg', '--replicas', '3', '--replicas-max-per-node', '1', '--stop-grace-period', '1s',
    image, 'sh', '-c', COUNTER);
  assert.equal(created.code, 0, created.stderr);
  await eventually(async () => (await runningByNode(m, 'dlg')).size === 3, 60_000, 'one task on each node');
  // Three containers on the one engine, each labelled with its own node.
  const nodeIds = (await docker(engine, 'ps', '--filter', 'label=com.docker.swarm.service.name=dlg', '--format', '{{.Label "com.docker.swarm.node.id"}}')).stdout.split('\n').filter(Boolean);
  assert.equal(new Set(nodeIds).size, 3, `containers per node: ${nodeIds.join(' ')}`);

  await t.test('every task\'s lines, from every node, in order per task', async () => {
    const lines = await eventually(async () => {
      const ls = parse((await dk(m, 'service', 'logs', 'dlg')).stdout);
      const counts = [...byTask(ls).values()].map((ns) => ns.length);
      return counts.length === 3 && counts.every((c) => c >= 5) ? ls : undefined;
    }, 30_000, 'five lines of each task');
    assert.deepEqual([...new Set(lines.map((l) => l.node))].sort(), ['ldk1', 'ldk2', 'ldk3']);
    for (const [task, ns] of byTask(lines)) { assert.equal(ns[0], 1, task); consecutive(ns, task); }
    const tail = parse((await dk(m, 'service', 'logs', '--tail', '2', 'dlg')).stdout);
    assert.equal(tail.length, 6);
    for (const [task, ns] of byTask(tail)) { assert.equal(ns.length, 2, task); consecutive(ns, task); }
  });

  await t.test('service logs -f: new lines of the three nodes\' tasks as they come', async () => {
    const p = spawn('docker', ['service', 'logs', '-f', '--tail', '0', 'dlg'], { env: { ...process.env, DOCKER_HOST: m.host } });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    const started = Date.now();
    try {
      await eventually(async () => {
        const done = out.slice(0, out.lastIndexOf('\n') + 1);
        const per = [...byTask(parse(done)).values()];
        return per.length === 3 && per.every((ns) => ns.length >= 10);
      }, 30_000, 'ten new lines of each task');
    } finally {
      p.kill();
    }
    // 10 lines at 5 a second: at least ~2 s of following, not a dump of the past (--tail 0).
    assert.ok(Date.now() - started >= 1500, `followed for ${Date.now() - started} ms`);
    const got = parse(out.slice(0, out.lastIndexOf('\n') + 1));
    assert.deepEqual([...new Set(got.map((l) => l.node))].sort(), ['ldk1', 'ldk2', 'ldk3']);
    for (const [task, ns] of byTask(got)) { assert.ok(ns[0] > 1, `${task} starts with a new line, not the first`); consecutive(ns, task); }
  });
});
