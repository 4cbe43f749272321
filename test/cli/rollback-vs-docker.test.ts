import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { TSWARM_BIN, docker, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

/**
 * The progress a CLI prints while it waits, made comparable: the service's
 * name and IDs written X, repeated lines once (how many 200 ms polls saw the
 * same thing is timing), and an "overall progress" count caught between 0
 * and all (a poll may or may not fall while some tasks run) dropped.
 */
function progress(r: RunResult, name: string): string {
  const lines = r.stdout.replaceAll(name, 'X').replace(/\b[a-z0-9]{25}\b/g, 'X').split('\n');
  const out: string[] = [];
  for (const l of lines) {
    const m = /^overall progress: (?:rolling back update: )?(\d+) out of (\d+) tasks$/.exec(l);
    if (m && m[1] !== '0' && m[1] !== m[2]) continue;
    if (out.at(-1) !== l) out.push(l);
  }
  // the docker CLI looks the image up in a registry before it creates a service: not the daemon's nor the wait's output
  const stderr = r.stderr.replace(/^image \S+ could not be accessed on a registry[^]*?versions of the image\.\n\n?/m, '');
  return `${r.code}\n${out.join('\n')}\n${stderr.replaceAll(name, 'X').replace(/\b[a-z0-9]{25}\b/g, 'X').replaceAll('tswarm', 'docker')}`;
}

// `service rollback` (and the progress of create / update that shares its wait): tswarm's CLI against the docker
// CLI on the same daemon, each on a service of its own made the same way.
test('tswarm service rollback prints what docker service rollback prints', { timeout: 240_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const cli = { d: docker, t: tswarm } as const;
  const state = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{.UpdateStatus.State}}', name)).stdout.trim();
  const running = (name: string, n: string) => eventually(async () =>
    (await docker(d.host, 'service', 'ls', '--filter', `name=${name}`, '--format', '{{.Replicas}}')).stdout.trim() === n, 30_000, `${name} running`);

  await t.test('create waits as docker waits: its progress, then "verify: Service ID converged"', async () => {
    const [a, b] = await Promise.all(Object.entries(cli).map(([k, run]) =>
      run(d.host, 'service', 'create', '--name', `c${k}`, '--replicas', '2', '--update-monitor', '1s', 'busybox', 'top')));
    assert.equal(progress(b, 'ct'), progress(a, 'cd'));
    assert.match(b.stdout, /^\w{25}\noverall progress: 0 out of 2 tasks\n1\/2:  \n2\/2:  \n[^]*verify: Waiting 1 seconds to verify that tasks are stable\.\.\.\nverify: Service \w{25} converged\n$/);
  });

  await t.test('^C while tasks cannot be placed: their error shown, the operation left to go on in the background', async () => {
    const runs = [['docker', 'sd'], [process.execPath, 'st']].map(([cmd, name]) => {
      const args = [...(cmd === 'docker' ? [] : [TSWARM_BIN]), 'service', 'create', '--name', name, '--constraint', 'node.labels.none==1', 'busybox', 'top'];
      const p = spawn(cmd, args, { env: { ...process.env, DOCKER_HOST: d.host }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      p.stdout.on('data', (c) => (stdout += c));
      const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
      return { p, out: () => stdout, exited };
    });
    await eventually(() => runs.every((r) => r.out().includes('1/1: no suitable node')), 20_000, 'the placement error shown');
    for (const r of runs) r.p.kill('SIGINT');
    const codes = await Promise.all(runs.map((r) => r.exited));
    assert.deepEqual(codes, [0, 0]);
    const [a, b] = runs.map((r) => r.out().replace(/\b[a-z0-9]{25}\b/g, 'X'));
    // How many renders come before the ^C, and whether the slot's error comes in the first one's, is timing.
    const shape = /^X\noverall progress: 0 out of 1 tasks\n1\/1:  \n((overall progress: 0 out of 1 tasks|1\/1: no suitable node \(scheduling constraints not satisfied on 1 node\))\n)+Operation continuing in background\.\n/;
    assert.match(a, shape);
    assert.match(b, shape);
    // docker's last line races with its exit; tswarm always prints it
    assert.match(b, /Operation continuing in background\.\nUse `docker service ps X` to check progress\.\n$/);
  });

  for (const [mode, flags, n] of [['replicated', ['--replicas', '2'], '2/2'], ['global', ['--mode', 'global'], '1/1']] as const) {
    await t.test(`a ${mode} service, rolled back after an update`, async () => {
      for (const k of ['d', 't']) {
        const name = `${mode[0]}${k}`;
        assert.equal((await docker(d.host, 'service', 'create', '-d', '-q', '--name', name, ...flags, '--update-monitor', '1s', '--rollback-monitor', '1s', 'busybox', 'top')).code, 0);
        await running(name, n);
        assert.equal((await docker(d.host, 'service', 'update', '-d', '-q', '--env-add', 'A=1', name)).code, 0);
        await eventually(async () => await state(name) === 'completed', 30_000, `${name} updated`);
      }
      const [a, b] = await Promise.all([docker(d.host, 'service', 'rollback', `${mode[0]}d`), tswarm(d.host, 'service', 'rollback', `${mode[0]}t`)]);
      assert.equal(progress(b, `${mode[0]}t`), progress(a, `${mode[0]}d`));
      assert.match(b.stdout, new RegExp(`^${mode[0]}t\\nrollback: manually requested rollback\\noverall progress: rolling back update: 0 out of 1?\\d tasks\\n[^]*verify: Service ${mode[0]}t converged\\n`));
      for (const k of ['d', 't']) assert.match(await state(`${mode[0]}${k}`), /^rollback_(started|completed)$/);
      assert.equal((await docker(d.host, 'service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Env}}', `${mode[0]}t`)).stdout, '[]\n', 'the spec before the update');
    });
  }

  await t.test('-d returns at once, -q waits without a word; errors and exit status', async () => {
    for (const k of ['d', 't']) {
      for (const x of ['q', 'b']) {
        const name = `${x}${k}`;
        assert.equal((await docker(d.host, 'service', 'create', '-d', '-q', '--name', name, '--update-monitor', '1s', '--rollback-monitor', '1s', 'busybox', 'top')).code, 0);
        await running(name, '1/1');
        assert.equal((await docker(d.host, 'service', 'update', '-d', '-q', '--env-add', 'A=1', name)).code, 0);
        await eventually(async () => await state(name) === 'completed', 30_000, `${name} updated`);
      }
    }
    const detached = await Promise.all([docker(d.host, 'service', 'rollback', '-d', 'bd'), tswarm(d.host, 'service', 'rollback', '--detach', 'bt')]);
    assert.deepEqual(detached.map((r) => [r.code, r.stdout.replace(/^b[dt]\n$/, 'NAME'), r.stderr]), [[0, 'NAME', ''], [0, 'NAME', '']]);
    const started = Date.now();
    const quiet = await Promise.all([docker(d.host, 'service', 'rollback', '-q', 'qd'), tswarm(d.host, 'service', 'rollback', '-q', 'qt')]);
    assert.deepEqual(quiet.map((r) => [r.code, r.stdout.replace(/^q[dt]\n$/, 'NAME'), r.stderr]), [[0, 'NAME', ''], [0, 'NAME', '']]);
    // quiet still waits for the tasks to converge and stay so for the monitor period (1s)
    assert.ok(Date.now() - started >= 1000, `-q returned after ${Date.now() - started} ms`);
    assert.match(await state('qt'), /^rollback_(started|completed)$/);
    await docker(d.host, 'service', 'create', '-d', '-q', '--name', 'fresh', 'busybox', 'top');
    for (const args of [['nosuch'], ['fresh'], [], ['a', 'b'], ['--bogus', 'fresh'], ['-x', 'fresh']]) {
      const [a, b] = await Promise.all([docker(d.host, 'service', 'rollback', ...args), tswarm(d.host, 'service', 'rollback', ...args)]);
      assert.equal(progress(b, 'fresh'), progress(a, 'fresh'), `rollback ${args.join(' ')}`);
      assert.notEqual(a.code, 0);
    }
  });
});
