import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd, tswarm } from '../helpers/tswarmd.js';

// The image a service gets from `service create` and `service update --image`: the docker CLI and
// tswarm's on the same daemon (sim executor) store the same reference (Docker Hub names shortened,
// :latest added, a reference that does not parse sent as written).
const IMAGES = ['docker.io/library/busybox', 'busybox', 'docker.io/foo/bar', 'index.docker.io/library/busybox:1', 'localhost:5000/x', 'reg.example:5000/a/b:2'];

test('service create/update: the same stored image as the docker CLI', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const image = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', name)).stdout.trim();
  for (const [i, ref] of IMAGES.entries()) {
    assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', `d${i}`, ref)).code, 0, ref);
    assert.equal((await tswarm(d.host, 'service', 'create', '-d', '--name', `t${i}`, ref)).code, 0, ref);
    assert.equal(await image(`t${i}`), await image(`d${i}`), `create ${ref}`);
  }
  assert.equal(await image('t0'), 'busybox:latest');
  for (const [i, ref] of IMAGES.entries()) {
    const next = IMAGES[(i + 1) % IMAGES.length];
    assert.equal((await docker(d.host, 'service', 'update', '-d', '--image', next, `d${i}`)).code, 0, next);
    assert.equal((await tswarm(d.host, 'service', 'update', '-d', '--image', next, `t${i}`)).code, 0, next);
    assert.equal(await image(`t${i}`), await image(`d${i}`), `update ${ref} → ${next}`);
  }
});
