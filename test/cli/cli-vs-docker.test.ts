import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd, tswarm } from '../helpers/tswarmd.js';

// The tswarm CLI prints what the real docker CLI prints, on the same daemon and the same state.
test('tswarm and docker print the same tables', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  const port = d.listenAddr.split(':')[1];
  t.after(() => d.stop('SIGKILL'));
  const init = await tswarm(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1');
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, new RegExp(String.raw`^Swarm initialized: current node \(\w{25}\) is now a manager\.\n\nTo add a worker to this swarm, run the following command:\n\n    docker swarm join --token SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25} 127\.0\.0\.1:${port}\n`));
  const created = await tswarm(d.host, 'service', 'create', '--name', 'web', '--replicas', '2', '-p', '18095:80', 'busybox', 'sh', '-c', 'exec busybox httpd -f -p $PORT_80');
  assert.equal(created.code, 0, created.stderr);
  // as docker: the wait names the service by the ID it printed, after the monitor period (5s)
  assert.match(created.stdout, /^(\w{25})\n[^]*overall progress: 2 out of 2 tasks\n(verify: Waiting [1-5] seconds to verify that tasks are stable\.\.\.\n)+verify: Service \1 converged\n$/);
  assert.equal((await tswarm(d.host, 'service', 'create', '-d', '--name', 'g', '--mode', 'global', 'busybox', 'sleep', '1000')).code, 0);
  await eventually(async () => /g\s+global\s+1\/1/.test((await docker(d.host, 'service', 'ls')).stdout), 30_000, 'global running');
  for (const cmd of [['service', 'ls'], ['node', 'ls'], ['service', 'ls', '-q'], ['node', 'ls', '-q'],
    ['service', 'ls', '--format', '{{.Name}}: {{.Replicas}} {{.Ports}}'], ['service', 'ls', '--format', 'table {{.Name}}\t{{.Mode}}'],
    ['service', 'ps', '-q', 'web'], ['service', 'inspect', '--format', '{{json .Spec.Mode}}', 'web'],
    ['node', 'inspect', '--format', '{{.Status.State}} {{.Spec.Availability}}', 'self']]) {
    const [a, b] = await Promise.all([docker(d.host, ...cmd), tswarm(d.host, ...cmd)]);
    assert.equal(b.stdout, a.stdout, `tswarm ${cmd.join(' ')}`);
    assert.equal(b.code, a.code);
  }
  const ps = await Promise.all([docker(d.host, 'service', 'ps', 'web'), tswarm(d.host, 'service', 'ps', 'web')]);
  // "N seconds ago" may tick between the two calls, and with it the column widths
  const strip = (s: string) => s.replace(/Running \S+( \S+)? ago/g, 'Running ago').replace(/ +/g, ' ');
  assert.equal(strip(ps[1].stdout), strip(ps[0].stdout));
  const scaled = await tswarm(d.host, 'service', 'scale', '-d', 'web=3');
  assert.equal(scaled.stdout, 'web scaled to 3\n');
  const bad = await tswarm(d.host, 'service', 'update', '--detach', '--replicas', '1', 'nope');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Error response from daemon: service nope not found\n');
  const rm = await tswarm(d.host, 'service', 'rm', 'web', 'g');
  assert.equal(rm.stdout, 'web\ng\n');
  assert.equal((await tswarm(d.host, 'swarm', 'leave', '--force')).stdout, 'Node left the swarm.\n');
});
