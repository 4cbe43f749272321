import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

// The health check flags of `service create` and `service update`: tswarm's CLI against the docker CLI on the
// same daemon (sim executor), each on a service of its own (Xsvc is dsvc / tsvc) made with the same flags:
// the same output, exit status and stored health check.

const norm = (s: string) => s.replace(/\b[dt]svc\b/g, 'X').replace(/\b[a-z0-9]{25}\b/g, '<id>').replaceAll('tswarm', 'docker');
// the docker CLI looks the image up in a registry before it sends a spec: not the daemon's output
const registryWarning = /^image \S+ could not be accessed on a registry[^]*?versions of the image\.\n\n?/m;
const outcome = (r: RunResult) => ({ code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr.replace(registryWarning, '')) });

test('tswarm service create/update --health-* and --no-healthcheck: docker\'s output and stored check', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const same = async (args: string[]) => {
    const [a, b] = await Promise.all([
      docker(d.host, ...args.map((x) => x.replaceAll('Xsvc', 'dsvc'))), tswarm(d.host, ...args.map((x) => x.replaceAll('Xsvc', 'tsvc')))]);
    assert.deepEqual(outcome(b), outcome(a), args.join(' '));
    return a;
  };
  const check = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}', name)).stdout.trim();
  const sameCheck = async (what: string) => {
    const [a, b] = await Promise.all([check('dsvc'), check('tsvc')]);
    assert.equal(b, a, what);
    return a;
  };

  await t.test('create with a command, interval and retries; update one setting, then the command away', async () => {
    assert.equal((await same(['service', 'create', '-d', '--name', 'Xsvc', '--health-cmd', 'curl -f localhost', '--health-interval', '2s', '--health-retries', '3', 'busybox', 'top'])).code, 0);
    assert.equal(await sameCheck('create'), '{"Test":["CMD-SHELL","curl -f localhost"],"Interval":2000000000,"Retries":3}');
    assert.equal((await same(['service', 'update', '-d', '--health-timeout', '1s', '--health-start-period', '5s', 'Xsvc'])).code, 0);
    assert.equal(await sameCheck('update of timeout and start period'), '{"Test":["CMD-SHELL","curl -f localhost"],"Interval":2000000000,"Timeout":1000000000,"StartPeriod":5000000000,"Retries":3}');
    assert.equal((await same(['service', 'update', '-d', '--health-cmd', '', '--health-retries', '0', 'Xsvc'])).code, 0);
    assert.equal(await sameCheck('command and retries cleared'), '{"Interval":2000000000,"Timeout":1000000000,"StartPeriod":5000000000}');
  });

  await t.test('--no-healthcheck, then a setting after it, and its conflicts', async () => {
    assert.equal((await same(['service', 'update', '-d', '--no-healthcheck', 'Xsvc'])).code, 0);
    assert.equal(await sameCheck('no healthcheck'), '{"Test":["NONE"]}');
    assert.equal((await same(['service', 'update', '-d', '--health-retries', '2', 'Xsvc'])).code, 0);
    assert.equal(await sameCheck('a setting after NONE'), '{"Retries":2}');
    const before = await sameCheck('before the conflicts');
    assert.notEqual((await same(['service', 'update', '-d', '--no-healthcheck', '--health-cmd', 'true', 'Xsvc'])).code, 0);
    assert.notEqual((await same(['service', 'create', '-d', '--name', 'Xbad', '--no-healthcheck', '--health-retries', '2', 'busybox', 'top'])).code, 0);
    assert.equal(await sameCheck('nothing changed'), before);
    assert.equal((await docker(d.host, 'service', 'ls', '-q', '--filter', 'name=Xbad')).stdout, '');
  });

  await t.test('create with --no-healthcheck alone, and with no health flag at all', async () => {
    for (const n of ['dsvc', 'tsvc']) assert.equal((await docker(d.host, 'service', 'rm', n)).code, 0);
    assert.equal((await same(['service', 'create', '-d', '--name', 'Xsvc', '--no-healthcheck', 'busybox', 'top'])).code, 0);
    assert.equal(await sameCheck('create --no-healthcheck'), '{"Test":["NONE"]}');
    for (const n of ['dsvc', 'tsvc']) assert.equal((await docker(d.host, 'service', 'rm', n)).code, 0);
    assert.equal((await same(['service', 'create', '-d', '--name', 'Xsvc', 'busybox', 'top'])).code, 0);
    assert.equal(await sameCheck('no health flags'), 'null');
  });
});
