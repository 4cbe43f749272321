import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd } from '../helpers/tswarmd.js';
import { lockEngines, referenceEngine } from './invalid-input-engine.js';

// `docker service create IMAGE` without --name: Docker 20.10 names the service itself (adjective_surname);
// tswarm does the same, and the name works as any other (ls, ps, rm).
const SHAPE = /^[a-z]+_[a-z]+\d?$/;

test('a service created without --name gets a generated name, on tswarm as on Docker 20.10', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const release = await lockEngines();
  t.after(release);
  const reference = await referenceEngine();
  for (const host of [d.host, reference]) {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await docker(host, 'service', 'create', '-d', '--no-resolve-image', 'busybox', 'top');
      assert.equal(r.code, 0, r.stderr);
      ids.push(r.stdout.trim());
    }
    try {
      const names = await Promise.all(ids.map(async (id) => (await docker(host, 'service', 'inspect', '-f', '{{.Spec.Name}}', id)).stdout.trim()));
      for (const n of names) assert.match(n, SHAPE, host);
      assert.equal(new Set(names).size, 3, `three names: ${names}`);
      const ps = await docker(host, 'service', 'ps', '--format', '{{.Name}}', names[0]);
      assert.equal(ps.code, 0, ps.stderr);
      assert.equal((await docker(host, 'service', 'rm', names[0])).stdout.trim(), names[0]);
    } finally {
      await docker(host, 'service', 'rm', ...ids);
    }
  }
});
