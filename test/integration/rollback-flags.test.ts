import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { docker, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';
import { lockEngines, referenceEngine } from './invalid-input-engine.js';

/** The settings as stored and as `inspect --pretty` prints them. */
const SETTINGS = '{{json .Spec.UpdateConfig}} {{json .Spec.RollbackConfig}}';
const pretty = (r: RunResult) => r.stdout.replace(/^ID:.*$/m, '').replace(/^(Created|Updated)At:.*$/gm, '').replace(/ +\n/g, '\n');

// Every --rollback-* flag and --update-max-failure-ratio through the docker CLI: stored and shown as Docker 20.10 stores and
// shows them; tswarm's CLI sends the same; a bad value gets Docker's answer and changes nothing.
test('--rollback-* and --update-max-failure-ratio: the same settings as Docker 20.10, from the docker CLI and from tswarm\'s', { timeout: 120_000 }, async (t) => {
  const release = await lockEngines();
  const ref = await referenceEngine();
  const d = await startTswarmd({ executor: 'sim' });
  const p = `rbf${randomBytes(3).toString('hex')}`;
  t.after(async () => { await docker(ref, 'service', 'rm', p); await d.stop('SIGKILL'); await release(); });
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const flags = ['--rollback-parallelism', '2', '--rollback-delay', '3s', '--rollback-order', 'start-first', '--rollback-monitor', '4s',
    '--rollback-failure-action', 'continue', '--rollback-max-failure-ratio', '0.3', '--update-max-failure-ratio', '0.2',
    '--update-failure-action', 'rollback', '--update-monitor', '5s'];
  const both = (...a: string[]) => Promise.all([docker(d.host, ...a), docker(ref, ...a)]);
  const same = async (what: string, ...a: string[]) => {
    const [mine, theirs] = await both(...a);
    const norm = (x: string) => x.replaceAll(p, 'P').replace(/\b[a-z0-9]{25}\b/g, '<id>');
    assert.deepEqual([mine.code, norm(mine.stdout), norm(mine.stderr)], [theirs.code, norm(theirs.stdout), norm(theirs.stderr)], what);
    return mine;
  };
  const created = await same('create', 'service', 'create', '-d', '-q', '--name', p, '--replicas', '0', ...flags, 'busybox', 'true');
  assert.equal(created.code, 0, created.stderr);
  const stored = await same('stored', 'service', 'inspect', '--format', SETTINGS, p);
  assert.equal(stored.stdout.trim(), '{"Parallelism":1,"FailureAction":"rollback","Monitor":5000000000,"MaxFailureRatio":0.2,"Order":"stop-first"} '
    + '{"Parallelism":2,"Delay":3000000000,"FailureAction":"continue","Monitor":4000000000,"MaxFailureRatio":0.3,"Order":"start-first"}');
  const [mp, tp] = await both('service', 'inspect', '--pretty', p);
  assert.equal(pretty(mp), pretty(tp), 'inspect --pretty');
  assert.match(mp.stdout, /RollbackConfig:\n Parallelism:\t2\n Delay:\t\t3s\n On failure:\tcontinue\n Monitoring Period: 4s\n Max failure ratio: 0.3\n Rollback order:    start-first/);
  // Each changed by service update on its own.
  for (const [flag, value] of [['--rollback-parallelism', '0'], ['--rollback-delay', '0s'], ['--rollback-order', 'stop-first'], ['--rollback-monitor', '1s'],
    ['--rollback-failure-action', 'pause'], ['--rollback-max-failure-ratio', '1'], ['--update-max-failure-ratio', '0']]) {
    await same(`update ${flag}`, 'service', 'update', '-d', '-q', flag, value, p);
    await same(`after ${flag}`, 'service', 'inspect', '--format', SETTINGS, p);
  }
  // Bad values: the CLI's or the daemon's words, the same on both, and nothing changed.
  const before = (await docker(d.host, 'service', 'inspect', '--format', '{{json .Spec}}', p)).stdout;
  for (const [flag, value] of [['--rollback-order', 'sideways'], ['--rollback-failure-action', 'explode'], ['--update-max-failure-ratio', 'x']]) {
    const r = await same(`bad ${flag}`, 'service', 'update', '-d', flag, value, p);
    assert.notEqual(r.code, 0, `${flag} ${value}`);
  }
  assert.equal((await docker(d.host, 'service', 'inspect', '--format', '{{json .Spec}}', p)).stdout, before, 'nothing changed');

  // tswarm's CLI: the same flags give the same stored settings.
  const mine = await tswarm(d.host, 'service', 'create', '-d', '-q', '--name', `${p}t`, '--replicas', '0', ...flags, 'busybox', 'true');
  assert.equal(mine.code, 0, mine.stderr);
  assert.equal((await docker(d.host, 'service', 'inspect', '--format', SETTINGS, `${p}t`)).stdout, stored.stdout);
  const rolled = await tswarm(d.host, 'service', 'update', '-d', '-q', '--rollback-order', 'stop-first', '--rollback-parallelism', '0', `${p}t`);
  assert.equal(rolled.code, 0, rolled.stderr);
  assert.match((await docker(d.host, 'service', 'inspect', '--format', '{{json .Spec.RollbackConfig}}', `${p}t`)).stdout, /^\{"Parallelism":0,.*"Order":"stop-first"\}$/m);
});
