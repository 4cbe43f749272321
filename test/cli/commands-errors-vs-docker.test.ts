import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { docker, startTswarmd, tswarm } from '../helpers/tswarmd.js';

// Commands over several objects and their partial failures: service scale (global, missing, a bad count,
// a job), service rm with a missing one, node promote/demote/update (already in the role; "self" is only
// inspect's and ps's), secret rm. Each CLI on its own objects (dX / tX) of one daemon: the same output.
test('scale, rm, promote/demote/update, secret rm: the docker CLI\'s output and exit status', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const file = join(tmpdir(), `cmd-errors-${process.pid}.txt`);
  await writeFile(file, 'x');
  for (const p of ['d', 't']) {
    assert.equal((await docker(d.host, 'secret', 'create', `${p}sec`, file)).code, 0);
    for (const args of [['--name', `${p}a`, '--secret', `${p}sec`], ['--name', `${p}b`], ['--name', `${p}g`, '--mode', 'global'], ['--name', `${p}j`, '--mode', 'replicated-job']]) {
      assert.equal((await docker(d.host, 'service', 'create', '-d', '--no-resolve-image', ...args, 'busybox', 'top')).code, 0, args.join(' '));
    }
  }
  const nodeId = (await docker(d.host, 'node', 'ls', '-q')).stdout.trim();
  const norm = (s: string) => s.replace(/\b[dt](a|b|g|j|sec)\b/g, 'X$1').replace(/\b[a-z0-9]{25}\b/g, '<id>').replaceAll('tswarm', 'docker');
  const cases = [['service', 'scale', '-d', 'Xa=3', 'Xb=2'], ['service', 'scale', '-d', 'Xg=2', 'Xb=1'], ['service', 'scale', '-d', 'nope=2'], ['service', 'scale', '-d', 'Xa=x', 'Xb=3'],
    ['service', 'scale', '-d', 'Xj=4'], ['service', 'update', '-d', '--replicas', '2', 'Xg'], ['secret', 'rm', 'Xsec'], ['secret', 'rm', 'nope', 'Xsec'], ['service', 'rm', 'Xb', 'nope'],
    ['node', 'update', '--availability', 'drain', 'self'], ['node', 'promote', 'self'], ['node', 'demote', 'self'], ['node', 'promote', nodeId], ['node', 'demote', 'nope']];
  for (const args of cases) {
    const a = await docker(d.host, ...args.map((x) => x.replace(/^X/, 'd')));
    const b = await tswarm(d.host, ...args.map((x) => x.replace(/^X/, 't')));
    assert.deepEqual({ code: b.code, out: norm(b.stdout), err: norm(b.stderr) }, { code: a.code, out: norm(a.stdout), err: norm(a.stderr) }, args.join(' '));
  }
  const completions = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{.Spec.Mode.ReplicatedJob.TotalCompletions}}', name)).stdout.trim();
  assert.equal(await completions('tj'), '4');
  assert.equal(await completions('tj'), await completions('dj'));
});
