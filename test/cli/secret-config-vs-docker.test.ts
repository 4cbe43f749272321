import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSWARM_BIN, docker, startTswarmd, type RunResult } from '../helpers/tswarmd.js';

/** A command with `input` on its standard input (closed at once when there is none). */
function runWithInput(cmd: string, args: string[], host: string, input = ''): Promise<RunResult> {
  return new Promise((res) => {
    const p = execFile(cmd, args, { env: { ...process.env, DOCKER_HOST: host }, timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    p.stdin!.end(input);
  });
}

/** What differs between two objects made one after the other and is not behaviour: IDs, times, versions, the CLI's name. */
const normalize = (s: string, prefix: string) => s.replaceAll(prefix, 'X_')
  .replace(/\b[a-z0-9]{25}\b/g, '<id>')
  .replace(/"Index": ?\d+/g, '"Index":N')
  .replace(/\d{4}-\d\d-\d\d[T ][\d:.]+(Z| \+0000 utc)/g, '<time>')
  .replaceAll('tswarm', 'docker');

// `secret` and `config` create / inspect / rm: tswarm's CLI against the docker CLI on the same daemon, each on
// objects of its own (X_ is d_ for docker, t_ for tswarm), the same output, streams and exit status.
test('tswarm secret / config create, inspect, rm: docker\'s output, errors and exit status', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-payload-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'app.conf'), 'listen 80\nname {{.Service.Name}}\n');
  await writeFile(join(dir, 'empty'), '');
  await mkdir(join(dir, 'adir'));
  const file = (f: string) => join(dir, f);

  const failures: string[] = [];
  const same = async (args: string[], input?: string) => {
    const [a, b] = [await runWithInput('docker', args.map((x) => x.replaceAll('X_', 'd_')), d.host, input),
      await runWithInput(process.execPath, [TSWARM_BIN, ...args.map((x) => x.replaceAll('X_', 't_'))], d.host, input)];
    const mine = { code: b.code, stdout: normalize(b.stdout, 't_'), stderr: normalize(b.stderr, 't_') };
    const theirs = { code: a.code, stdout: normalize(a.stdout, 'd_'), stderr: normalize(a.stderr, 'd_') };
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) failures.push(`${args.join(' ')}\n  docker: ${JSON.stringify(theirs)}\n  tswarm: ${JSON.stringify(mine)}`);
    return a;
  };

  // create
  const made = [
    await same(['secret', 'create', 'X_s1', '-'], 's3cret'),
    await same(['secret', 'create', '--label', 'env=prod', '--label', 'tier', '-l', 'e=', '--template-driver', 'golang', 'X_tmpl', '-'], 'user {{.Service.Name}}'),
    await same(['secret', 'create', '-l', 'a=b', 'X_f', file('app.conf')]),
    await same(['config', 'create', '--label', 'a=1', '--label', 'z=', '--template-driver', 'golang', 'X_c', file('app.conf')]),
    await same(['config', 'create', 'X_c2', '-'], 'data\n'),
  ];
  for (const r of made) assert.equal(r.code, 0, r.stderr);
  for (const [args, input] of [
    [['secret', 'create', 'X_s1', '-'], 'again'], [['config', 'create', 'X_c', '-'], 'again'],
    [['secret', 'create', 'X_e']], [['secret', 'create', 'X_e', '-'], ''], [['secret', 'create', 'X_e', file('empty')]],
    [['secret', 'create', 'X_e', file('nope')]], [['secret', 'create', 'X_e', file('adir')]], [['secret', 'create', '--driver', 'd', 'X_e', file('app.conf')]],
    [['secret', 'create', '--label', '=x', 'X_e', '-'], 'x'], [['secret', 'create', '--label', ' a b=c', 'X_e', '-'], 'x'],
    [['secret', 'create']], [['secret', 'create', 'a', 'b', 'c']], [['secret', 'create', '--bogus', 'X_e', '-'], 'x'], [['secret', 'create', '-z', 'X_e', '-'], 'x'],
    [['config', 'create', 'X_e']], [['config', 'create', 'a', 'b', 'c']], [['config', 'create', 'X_e', file('empty')]], [['config', 'create', 'X_e', '-'], ''],
    [['config', 'create', 'X_e', file('nope')]], [['config', 'create', '--driver', 'x', 'X_e', '-'], 'x'], [['config', 'create', '-l', '', 'X_e', '-'], 'x'],
  ] as [string[], string?][]) await same(args, input);

  // inspect what was made
  for (const args of [['secret', 'inspect', 'X_s1', 'X_tmpl'], ['secret', 'inspect', '--pretty', 'X_tmpl', 'X_s1', 'X_f'], ['secret', 'inspect', 'X_tmpl', 'X_nope'],
    ['secret', 'inspect', '-f', '{{.Spec.Name}} {{json .Spec.Labels}} {{.Spec.Templating.Name}} {{.Spec.Data}}', 'X_tmpl', 'X_nope'],
    ['secret', 'inspect', '-f', 'json', 'X_tmpl'], ['secret', 'inspect', '-f', '{{.Spec.Foo}}', 'X_s1'], ['secret', 'inspect', '-f', 'prettyx', 'X_s1'],
    ['secret', 'inspect', '--pretty', '-f', '{{.ID}}', 'X_s1'], ['secret', 'inspect', '--pretty', 'X_s1', 'X_nope'], ['secret', 'inspect'], ['secret', 'inspect', 'X_nope'],
    ['config', 'inspect', 'X_c', 'X_c2'], ['config', 'inspect', '--pretty', 'X_c', 'X_c2'], ['config', 'inspect', '--format', '{{printf "%s" .Spec.Data}}', 'X_c'],
    ['config', 'inspect', '-f', 'json', 'X_c', 'X_nope'], ['config', 'inspect', '-f', 'prettyx', 'X_c'], ['config', 'inspect']]) await same(args);

  // rm: several names, one in use, missing ones
  for (const x of ['d_', 't_']) {
    const svc = await docker(d.host, 'service', 'create', '-d', '-q', '--name', `${x}svc`, '--replicas', '0', '--secret', `${x}s1`, '--config', `${x}c`, 'busybox', 'true');
    assert.equal(svc.code, 0, svc.stderr);
  }
  for (const args of [['secret', 'rm', 'X_s1'], ['secret', 'rm', 'X_nope', 'X_f', 'X_nope2'], ['config', 'rm', 'X_c', 'X_c2'], ['secret', 'rm'], ['config', 'rm'],
    ['secret', 'rm', '-f', 'X_tmpl'], ['secret', 'rm', 'X_s1', 'X_tmpl']]) await same(args);
  assert.equal(failures.length, 0, `${failures.length} differ:\n${failures.join('\n')}`);

  // what is left is what docker left: the ones in use, on both sides
  const ls = await docker(d.host, 'secret', 'ls', '--format', '{{.Name}}');
  assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['d_s1', 't_s1']);
  assert.deepEqual((await docker(d.host, 'config', 'ls', '--format', '{{.Name}}')).stdout.trim().split('\n').sort(), ['d_c', 't_c']);
});
