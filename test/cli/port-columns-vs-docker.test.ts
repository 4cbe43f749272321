import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd, tswarm } from '../helpers/tswarmd.js';

// service ls and service ps columns of a service with mesh, host-mode and UDP ports, consecutive and not:
// the docker CLI and tswarm's on the same daemon (sim executor) print the same.
test('service ls / ps PORTS: the same as the docker CLI', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const made = await docker(d.host, 'service', 'create', '--name', 'ports', '-p', '8081:81', '-p', '8080:80', '-p', '8090:80', '-p', '5353:53/udp',
    '--publish', 'published=9000,target=90,mode=host', '--publish', 'published=9001,target=91,mode=host', '--no-resolve-image', 'busybox', 'top');
  assert.equal(made.code, 0, made.stderr);
  for (const args of [['service', 'ls'], ['service', 'ls', '--format', '{{.Name}}|{{.Ports}}'], ['service', 'ps', '--format', '{{.Name}}|{{.Ports}}|{{.Error}}', 'ports']]) {
    const [a, b] = await Promise.all([docker(d.host, ...args), tswarm(d.host, ...args)]);
    assert.equal(b.stdout, a.stdout, args.join(' '));
    assert.equal(b.code, a.code);
  }
  const ls = await docker(d.host, 'service', 'ls', '--format', '{{.Ports}}');
  assert.equal(ls.stdout.trim(), '*:8080-8081->80-81/tcp, *:8090->80/tcp, *:5353->53/udp');
});
