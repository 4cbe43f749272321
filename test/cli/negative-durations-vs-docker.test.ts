import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

// Negative durations: the docker CLI sends them (Go's ParseDuration takes a sign) and the daemon
// refuses those swarmkit refuses (restart delay and window, update delay and monitor) with its
// words; the health flags refuse them at parse time. tswarm's CLI on the same daemon does the same.
const registryWarning = /^image \S+ could not be accessed on a registry[^]*?versions of the image\.\n\n?/m;
const outcome = (r: RunResult) => ({ code: r.code, stderr: r.stderr.replace(registryWarning, '').replaceAll('tswarm', 'docker').trim() });

test('service create with negative durations: the docker CLI\'s outcome', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const cases: [string, string, number][] = [
    ['--update-delay', '-5s', 1], ['--update-monitor', '-2s', 1], ['--restart-delay', '-1s', 1], ['--restart-window', '-1m', 1],
    ['--rollback-delay', '-1s', 0], ['--stop-grace-period', '-3s', 0], ['--health-interval', '-1s', 125], ['--restart-delay', '-0s', 0],
  ];
  for (const [i, [flag, value, code]] of cases.entries()) {
    const a = await docker(d.host, 'service', 'create', '-d', '--name', `d${i}`, flag, value, 'busybox');
    const b = await tswarm(d.host, 'service', 'create', '-d', '--name', `t${i}`, flag, value, 'busybox');
    assert.equal(a.code, code, `docker ${flag} ${value}: ${a.stderr}`);
    assert.deepEqual(outcome(b), outcome(a), `${flag} ${value}`);
  }
  const stored = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{json .Spec.TaskTemplate.ContainerSpec.StopGracePeriod}} {{json .Spec.RollbackConfig}}', name)).stdout;
  assert.equal(await stored('t5'), await stored('d5'));
  assert.equal(await stored('t4'), await stored('d4'));
});
