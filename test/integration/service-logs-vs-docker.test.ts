import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { docker, eventually, tswarm, type RunResult } from '../helpers/tswarmd.js';
import { dockerExecutorBesideDocker, skipWithoutTestEngine } from '../helpers/docker-executor-setup.js';

// Each task writes one line on stderr, then lines of several shapes on stdout (the pause keeps the streams' order fixed).
const SCRIPT = 'echo oops >&2; sleep 0.3; echo one; echo "  two  indented "; echo; echo "three | pipe"; echo four; sleep 86400';
const STDOUT_LINES = 5;

/**
 * What differs between two engines and is not behaviour: IDs (25 characters, and the 12 a task prefix shows), the
 * node's name, the run's prefix, the times' values (their shape kept: RFC 3339 with up to nine fraction digits, as
 * Go's RFC3339Nano writes them). Lines are grouped by task slot (tasks' lines interleave as they come) and kept in
 * order within a task; lines without a task prefix (--raw) are sorted.
 */
function shape(text: string, p: string): string {
  const lines = text.split('\n');
  const last = lines.pop();
  assert.equal(last, '', 'ends with a newline');
  const norm = lines.map((l) => l.replaceAll(p, 'P')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z\b/g, (_, f: string | undefined) => `<time${f ? `.${f.length}` : ''}>`)
    .replace(/\b[a-z0-9]{25}\b/g, '<id>')
    .replace(/((?:P_svc|<id>)\.\d+)\.[a-z0-9]{12}@/g, '$1.<id12>@')
    .replace(/@[^\s|]+?(\s+\|)/g, '@<node>$1'));
  const slot = (l: string) => /(?:P_svc|<id>)\.(\d+)[.@]/.exec(l)?.[1] ?? '';
  const slots = [...new Set(norm.map(slot))].sort();
  if (slots.length === 1 && slots[0] === '') return [...norm].sort().join('\n');
  return slots.map((s) => norm.filter((l) => slot(l) === s).join('\n')).join('\n--\n');
}
/** A time's fraction varies in length (Go trims its trailing zeros): only its presence is shape. */
const fractionFree = (s: string) => s.replace(/<time\.\d>/g, '<time.f>');

/**
 * `docker service logs` with its output options on the docker executor and on Docker 20.10, for the same service:
 * two tasks, each writing known lines on stdout and stderr. The docker CLI formats what each daemon streams (task
 * and node IDs from the details, timestamps, the details themselves); tswarm's CLI on tswarm's daemon prints the same.
 */
test('service logs output options as Docker 20.10: prefix, --tail, --timestamps, --no-task-ids, --no-trunc, --raw, --details', { timeout: 120_000, skip: skipWithoutTestEngine }, async (t) => {
  const { ref, image, d, atEnd } = await dockerExecutorBesideDocker(t);
  const p = `l${randomBytes(3).toString('hex')}`;
  atEnd(async () => {
    await docker(ref, 'service', 'rm', `${p}_svc`);
    await eventually(async () => (await docker(ref, 'ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${p}_svc`)).stdout.trim() === '', 30_000, 'reference tasks gone').catch(() => undefined);
  });
  for (const api of [d.host, ref]) {
    const r = await docker(api, 'service', 'create', '-d', '-q', '--name', `${p}_svc`, '--replicas', '2', '--stop-grace-period', '1s', image, 'sh', '-c', SCRIPT);
    assert.equal(r.code, 0, r.stderr);
  }
  for (const api of [d.host, ref]) {
    await eventually(async () => {
      const out = (await docker(api, 'service', 'logs', '--raw', `${p}_svc`)).stdout;
      return out.split('\n').filter((l) => l === 'four').length === 2;
    }, 60_000, `both tasks' lines on ${api}`);
  }

  for (const flags of [[], ['--tail', '2'], ['--timestamps'], ['--no-task-ids'], ['--no-trunc'], ['--raw'], ['--details'],
    ['--details', '--no-trunc', '--timestamps'], ['--raw', '--details'], ['--tail', '1', '--no-task-ids', '-t'], ['--no-resolve']]) {
    await t.test(flags.length ? flags.join(' ') : 'the default task prefix', async () => {
      const args = ['service', 'logs', ...flags, `${p}_svc`];
      const [mine, theirs, tswarmCli] = await Promise.all([docker(d.host, ...args), docker(ref, ...args), tswarm(d.host, ...args)]);
      const view = (r: RunResult) => ({ code: r.code, stdout: fractionFree(shape(r.stdout, p)), stderr: fractionFree(shape(r.stderr, p)) });
      assert.deepEqual(view(mine), view(theirs), 'the docker CLI on tswarm and on Docker 20.10');
      assert.equal(theirs.code, 0, theirs.stderr);
      // tswarm's CLI prints exactly what the docker CLI prints from the same daemon (times' fractions included)
      assert.deepEqual({ ...tswarmCli, stdout: shape(tswarmCli.stdout, p), stderr: shape(tswarmCli.stderr, p) },
        { ...mine, stdout: shape(mine.stdout, p), stderr: shape(mine.stderr, p) }, 'tswarm\'s CLI and the docker CLI on tswarm');
      const perTask = flags.includes('--tail') ? Number(flags[flags.indexOf('--tail') + 1]) : STDOUT_LINES + 1;
      assert.equal(mine.stdout.split('\n').length - 1 + mine.stderr.split('\n').length - 1, 2 * perTask, mine.stdout + mine.stderr);
    });
  }
});
