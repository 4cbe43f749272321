import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTswarmd, tswarm } from '../helpers/tswarmd.js';

const LABEL = 'com.tswarm.mesh.keep-source-ip';

// `--publish-keep-source-ip` sets and removes the label the routing mesh reads, and is refused where the mesh has no port to keep it on.
test('service create/update --publish-keep-source-ip', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await tswarm(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const labels = async (name: string) => JSON.parse((await tswarm(d.host, 'service', 'inspect', '--format', '{{json .Spec.Labels}}', name)).stdout) as Record<string, string> | null;
  const services = async () => (await tswarm(d.host, 'service', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter(Boolean).sort();

  const made = await tswarm(d.host, 'service', 'create', '-d', '--name', 'api', '-p', '18097:80', '--label', 'a=b', '--publish-keep-source-ip', 'busybox', 'sleep', '1000');
  assert.equal(made.code, 0, made.stderr);
  assert.deepEqual(await labels('api'), { a: 'b', [LABEL]: 'true' });

  // No port, or only host-mode ports: refused before anything is sent.
  const noPort = await tswarm(d.host, 'service', 'create', '-d', '--name', 'np', '--publish-keep-source-ip', 'busybox', 'sleep', '1000');
  assert.equal(noPort.code, 1);
  assert.match(noPort.stderr, /--publish-keep-source-ip applies to ports published through the routing mesh \(-p PUBLISHED:TARGET, mode=ingress\), and it publishes no port\n$/);
  const hostOnly = await tswarm(d.host, 'service', 'create', '-d', '--name', 'hp', '--publish', 'published=18098,target=80,mode=host', '--publish-keep-source-ip', 'busybox', 'sleep', '1000');
  assert.equal(hostOnly.code, 1);
  assert.match(hostOnly.stderr, /its ports are published in host mode, where the task sees the client's address already\n$/);
  assert.deepEqual(await services(), ['api']);

  // update: =false removes the label (others stay), the flag sets it again.
  assert.equal((await tswarm(d.host, 'service', 'update', '-d', '--publish-keep-source-ip=false', 'api')).code, 0);
  assert.deepEqual(await labels('api'), { a: 'b' });
  assert.equal((await tswarm(d.host, 'service', 'update', '-d', '--publish-keep-source-ip', 'api')).code, 0);
  assert.deepEqual(await labels('api'), { a: 'b', [LABEL]: 'true' });
  const bad = await tswarm(d.host, 'service', 'update', '-d', '--publish-keep-source-ip=maybe', 'api');
  assert.equal(bad.code, 125); // a bool flag's bad value, as docker's
  assert.match(bad.stderr, /invalid argument "maybe" for "--publish-keep-source-ip" flag/);

  // Removing the last mesh port in the same update: refused, the service unchanged.
  const before = (await tswarm(d.host, 'service', 'inspect', '--format', '{{.Version.Index}}', 'api')).stdout;
  // (--publish-rm names the target port, as docker's)
  const rmLast = await tswarm(d.host, 'service', 'update', '-d', '--publish-rm', '80', '--publish-keep-source-ip', 'api');
  assert.equal(rmLast.code, 1);
  assert.match(rmLast.stderr, /it publishes no port\n$/);
  assert.equal((await tswarm(d.host, 'service', 'inspect', '--format', '{{.Version.Index}}', 'api')).stdout, before);

  // A service made without ports gets one and the label in one update.
  assert.equal((await tswarm(d.host, 'service', 'create', '-d', '--name', 'plain', 'busybox', 'sleep', '1000')).code, 0);
  const added = await tswarm(d.host, 'service', 'update', '-d', '--publish-add', '18099:80', '--publish-keep-source-ip', 'plain');
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual(await labels('plain'), { [LABEL]: 'true' });
});
