import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSWARM_BIN, run } from '../helpers/tswarmd.js';

// A command used wrongly: the tswarm CLI says what the docker CLI (28.2) says, `tswarm` for `docker`, on the
// same stream, with the same exit status (125 for a flag, 1 for the arguments). Both are pointed at a socket
// that does not exist: docker finds these errors before it connects, so no daemon is needed.
const CASES: string[][] = [
  // unknown flags, long and short, clustered shorthands, bad syntax
  ['service', 'create', '--bogus', 'x'],
  ['service', 'create', '-Z', 'nginx'],
  ['service', 'create', '-dZ', 'nginx'],
  ['service', 'update', '--env', 'A=1', 'web'],
  ['service', 'ls', '--bogus=1'],
  ['service', 'ls', '---x'],
  ['service', 'ls', '--=x'],
  ['node', 'ls', '-qx'],
  ['node', 'ps', '--bogus'],
  ['node', 'promote', '--force', 'n1'],
  ['stack', 'deploy', '--bogus', 's'],
  ['secret', 'create', '--bogus', 's', 'f'],
  ['config', 'rm', '-x', 'c'],
  ['events', '--bogus'],
  ['info', '--bogus'],
  // typed values: uint64, int, float, duration, positive duration, decimal, bytes, bool, filter, label, placement
  ['service', 'create', '--replicas', 'abc', 'nginx'],
  ['service', 'create', '--replicas', '99999999999999999999', 'nginx'],
  ['service', 'create', '--replicas', '', 'nginx'],
  ['service', 'create', '--restart-max-attempts', '-1', 'nginx'],
  ['service', 'create', '--replicas-max-per-node', '1_', 'nginx'],
  ['service', 'create', '--replicas=3', '--replicas=x', 'nginx'],
  ['service', 'create', '--limit-cpu', 'x', 'nginx'],
  ['service', 'create', '--reserve-cpu', '0.0000000001', 'nginx'],
  ['service', 'update', '--limit-cpu', '1/3', 'web'],
  ['service', 'create', '--limit-memory', '5q', 'nginx'],
  ['service', 'create', '--reserve-memory', '-1', 'nginx'],
  ['service', 'update', '--limit-memory', '5kibb', 'web'],
  ['service', 'create', '--update-delay', '5', 'nginx'],
  ['service', 'create', '--update-monitor', '', 'nginx'],
  ['service', 'update', '--rollback-delay', '5x', 'web'],
  ['service', 'create', '--stop-grace-period', 'x', 'nginx'],
  ['service', 'create', '--health-interval', '-5s', 'nginx'],
  ['service', 'create', '--health-retries', 'x', 'nginx'],
  ['service', 'create', '--update-max-failure-ratio', '1e400', 'nginx'],
  ['service', 'update', '--rollback-max-failure-ratio', 'x', 'web'],
  ['service', 'create', '--quiet=maybe', 'nginx'],
  ['service', 'create', '-q=maybe', 'nginx'],
  ['service', 'create', '-l', 'a b=c', 'nginx'],
  ['service', 'create', '--container-label', '=x', 'nginx'],
  ['service', 'update', '--label-add', 'a b', 'web'],
  ['service', 'create', '--placement-pref', 'x', 'nginx'],
  ['service', 'create', '--placement-pref', 'pack=node.id', 'nginx'],
  ['service', 'ls', '--filter', 'bad'],
  ['service', 'ps', '-f', 'x', 'web'],
  ['stack', 'services', '-f', 'nofilter', 's'],
  ['events', '--filter', 'x'],
  // published ports, short and long syntax (docker's PortOpt and nat.ParsePortSpec)
  ...[['8080:x'], ['x'], ['1.2.3.4:8080:80'], ['[::1]:8080:80'], ['300.1.1.1:80:80'], ['[::1:80:80'], ['8080:80/foo'], ['70000:80'], ['8080:99999'],
    ['8000-8002:80-81'], ['90-80'], ['/tcp'], ['8080:80:90'], ['8080:'], ['published=8080'], ['target=80,mode=x'], ['target=80,protocol=icmp'],
    ['target=x'], ['target=70000'], ['target=80,foo=1'], ['target=80,published'], ['target=80,=1'], ['Target=80,Published=x'],
    ['target=80,published="8080']].map(([v]) => ['service', 'create', '-p', v, 'nginx']),
  ['service', 'update', '--publish-add', 'x', 'web'],
  ['service', 'update', '--publish-rm', '8080:y', 'web'],
  ['swarm', 'init', '--task-history-limit', 'x'],
  ['swarm', 'init', '--cert-expiry', '5'],
  ['swarm', 'update', '--snapshot-interval', '-1'],
  ['swarm', 'update', '--dispatcher-heartbeat', '1h1'],
  ['swarm', 'join-token', '--rotate=2', 'worker'],
  // a flag without its value, long and short
  ['service', 'create', '--name'],
  ['service', 'create', '-e'],
  ['service', 'ls', '-f'],
  ['node', 'ls', '-qq', '-f'],
  ['node', 'inspect', '--format'],
  ['service', 'logs', '-n'],
  ['events', '--since'],
  ['stack', 'deploy', '-c'],
  // too few or too many arguments
  ['service', 'create'],
  ['service', 'create', '-d'],
  ['service', 'update'],
  ['service', 'update', 'a', 'b'],
  ['service', 'ls', 'x'],
  ['service', 'ps'],
  ['service', 'rm'],
  ['service', 'inspect'],
  ['service', 'inspect', '--pretty'],
  ['service', 'scale'],
  ['service', 'scale', 'web'],
  ['service', 'scale', 'web=2', '=3'],
  ['service', 'scale', 'web='],
  ['service', 'logs'],
  ['service', 'logs', 'a', 'b'],
  ['service', 'rollback'],
  ['service', 'rollback', 'a', 'b'],
  ['node', 'ls', 'x'],
  ['node', 'update'],
  ['node', 'update', 'a', 'b'],
  ['node', 'rm'],
  ['node', 'inspect'],
  ['node', 'promote'],
  ['node', 'demote'],
  ['swarm', 'init', 'extra'],
  ['swarm', 'join-token'],
  ['swarm', 'join-token', 'worker', 'manager'],
  ['swarm', 'update', 'x'],
  ['swarm', 'leave', 'x'],
  ['stack', 'deploy'],
  ['stack', 'deploy', 'a', 'b'],
  ['stack', 'ls', 'x'],
  ['stack', 'rm'],
  ['stack', 'ps'],
  ['stack', 'services'],
  ['stack', 'services', 'a', 'b'],
  ['secret', 'create'],
  ['secret', 'create', 'a', 'b', 'c'],
  ['secret', 'rm'],
  ['secret', 'ls', 'x'],
  ['config', 'create', 'a'],
  ['config', 'rm'],
  ['config', 'inspect'],
  ['events', 'x'],
  ['info', 'x'],
  // values checked before connecting
  ['service', 'create', '--mode', 'x', 'nginx'],
  ['service', 'create', '--mode', 'global', '--replicas', '2', 'nginx'],
  ['service', 'scale', 'web=x'],
  ['service', 'scale', 'web=99999999999999999999'],
  ['swarm', 'join-token', 'nobody'],
  ['stack', 'deploy', 's'],
  ['stack', 'deploy', '--resolve-image', 'x', '-c', '{dir}/compose.yml', 's'],
  ['service', 'create', '--limit-cpu', '0x1p-31', 'nginx'],
  ['service', 'create', '--update-max-failure-ratio', '0xp1', 'nginx'],
  ['service', 'create', '--limit-memory', '1.5.2m', 'nginx'],
  ['service', 'create', '--replicas', '08', 'nginx'],
  ['service', 'create', '--replicas', '1__0', 'nginx'],
  ['service', 'create', '--rollback-monitor', '99999999999h', 'nginx'],
  // a subcommand the group does not have
  ['service', 'bogus'],
  ['node', 'bogus'],
  ['swarm', 'bogus'],
  ['stack', 'bogus'],
  ['secret', 'bogus'],
  ['config', 'bogus'],
];

test('a command used wrongly: docker\'s words and exit status', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-usage-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const host = `unix://${join(dir, 'nobody-listens.sock')}`;
  const env = { DOCKER_HOST: host, TSWARM_HOST: host, DOCKER_CONTEXT: '' };
  await writeFile(join(dir, 'compose.yml'), 'services:\n  web:\n    image: nginx\n');
  assert.ok(CASES.length >= 25);
  for (const c of CASES) {
    const args = c.map((a) => a.replace('{dir}', dir));
    await t.test(c.join(' '), async () => {
      const [d, s] = await Promise.all([run('docker', args, env), run(process.execPath, [TSWARM_BIN, ...args], env)]);
      // docker must not have tried to connect: then it is not a usage error and the case does not belong here
      assert.doesNotMatch(d.stderr, /Cannot connect to the Docker daemon/, 'docker connected: not a usage error');
      assert.notEqual(d.code, 0);
      const tsw = (r: typeof s) => ({ code: r.code, stdout: r.stdout.replaceAll('tswarm', 'docker'), stderr: r.stderr.replaceAll('tswarm', 'docker') });
      assert.deepEqual(tsw(s), { code: d.code, stdout: d.stdout, stderr: d.stderr });
    });
  }
});
