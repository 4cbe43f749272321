import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBusyboxImage, TEST_IMAGE } from '../helpers/image.js';
import { docker, eventually, freePort, httpGet, run } from '../helpers/tswarmd.js';

const repo = resolve(import.meta.dirname, '../../..');
const exists = (p: string) => access(p).then(() => true, () => false);

// The README's first command on a fresh clone: up.sh gives tswarm a Docker
// engine (a private one here: none answers on /var/run/docker.sock in CI),
// `service create -p` of an image answers, and down.sh leaves nothing behind.
test('scripts/up.sh runs images from the first command and scripts/down.sh leaves nothing behind', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-up-'));
  const clone = join(dir, 'clone');
  const env = {
    TSWARM_SOCKET: join(dir, 'tswarm.sock'), TSWARM_DATA_ROOT: join(dir, 'data'), TSWARM_ENGINE_DIR: join(dir, 'engine'),
    TSWARM_ENGINE_BRIDGE: 'tswupt0', TSWARM_ENGINE_CIDR: '172.30.96.1/24',
  };
  const host = `unix://${env.TSWARM_SOCKET}`;
  const port = await freePort();
  // The dashboard up.sh serves (127.0.0.1:9080 by default), on a free port here.
  const web = await freePort();
  Object.assign(env, { TSWARM_WEB_ADDR: `127.0.0.1:${web}` });
  try {
    assert.equal((await run('git', ['clone', '-q', repo, clone])).code, 0);
    const up = await run('bash', [join(clone, 'scripts/up.sh'), '--listen-addr', `127.0.0.1:${await freePort()}`], env, 240_000);
    assert.equal(up.code, 0, up.stderr + up.stdout);
    assert.match(up.stdout, /Docker engine: a private one tswarm started/);
    assert.match(up.stdout, /using the docker executor/);
    assert.match(up.stdout, /scripts\/down\.sh/);
    assert.match(up.stdout, new RegExp(`Dashboard .*http://127\\.0\\.0\\.1:${web}/`));
    assert.match(await httpGet(web), /<title>tswarm<\/title>/);
    const engine = `unix://${env.TSWARM_ENGINE_DIR}/docker.sock`;
    await ensureBusyboxImage(engine);
    const created = await docker(host, 'service', 'create', '-d', '--name', 'web', '-p', `${port}:80`, TEST_IMAGE,
      'sh', '-c', 'echo served-by-tswarm > /www/index.html && exec httpd -f -p 80 -h /www');
    assert.equal(created.code, 0, created.stderr);
    assert.match(await eventually(() => httpGet(port).catch(() => undefined), 60_000, 'the published port to answer'), /served-by-tswarm/);
    assert.equal((await docker(engine, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=web')).stdout.trim().split('\n').length, 1);

    const down = await run('bash', [join(clone, 'scripts/down.sh')], env, 120_000);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await exists(env.TSWARM_SOCKET), false, 'the tswarm socket is gone');
    assert.equal(await exists(join(env.TSWARM_ENGINE_DIR, 'docker.sock')), false, 'the private engine is stopped');
    assert.notEqual((await run('ip', ['link', 'show', 'tswupt0'])).code, 0, 'the engine bridge is gone');
    const left = await run('pgrep', ['-f', dir]);
    assert.equal(left.stdout.trim(), '', `no process of this swarm is left: ${left.stdout}`);
    assert.equal(await exists(join(env.TSWARM_DATA_ROOT, 'swarm')), true, 'the swarm data stays without --purge');
  } finally {
    await run('bash', [join(clone, 'scripts/down.sh'), '--purge'], env, 120_000).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});
