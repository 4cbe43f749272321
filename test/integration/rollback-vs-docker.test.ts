import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually } from '../helpers/tswarmd.js';
import { dockerExecutorBesideDocker, skipWithoutTestEngine } from '../helpers/docker-executor-setup.js';
import { raw, socketOf } from './invalid-input-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Names on the shared reference engine carry this prefix. */
const P = 'rvd';
const FINAL = new Set(['completed', 'paused', 'rollback_completed', 'rollback_paused']);

/**
 * Each task runs this: with /s/all-$PHASE every task of that phase fails at once; with /s/one-$PHASE the first
 * task of the phase to start fails (it takes /s/took-$PHASE), the others run. The test arms a phase by making
 * the file in the service's directory on the host (bound at /s), so which tasks fail is decided, not timed.
 */
const SCRIPT = '[ -e /s/all-$PHASE ] && exit 1; [ -e /s/one-$PHASE ] && mkdir /s/took-$PHASE 2>/dev/null && exit 1; exec sleep 86400';

interface Seen { states: string[]; final: string; message: string; failed: number; running: string[]; tasks: string }

const api = async (host: string, path: string) => (await raw(socketOf(host), 'GET', `/v1.41${path}`)).json;
const tasksOf = (host: string, service: string) => api(host, `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [service] }))}`) as Promise<any[]>;
const ok = async (p: Promise<{ code: number; stderr: string }>) => { const r = await p; assert.equal(r.code, 0, r.stderr); return r; };

/** UpdateStatus read every 50 ms (an HTTP GET, no CLI) until it reaches a final state. */
async function follow(host: string, name: string): Promise<Seen> {
  const states: string[] = [];
  for (const end = Date.now() + 120_000; ;) {
    const u = (await api(host, `/services/${name}`)).UpdateStatus;
    if (u?.State && states.at(-1) !== u.State) states.push(u.State);
    if (FINAL.has(u?.State)) {
      const ts = await tasksOf(host, name);
      const running = ts.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running')
        .map((t) => `${t.Spec.ContainerSpec.Image.replace(/@.*/, '')} ${(t.Spec.ContainerSpec.Env ?? []).join(',')}`).sort();
      // The tasks, oldest first, to explain a failure.
      const tasks = ts.sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt)).map((t) => `${t.Slot} ${(t.Spec.ContainerSpec.Env ?? []).join(',')} ${t.DesiredState} ${t.Status.State} ${t.Status.Err ?? ''}`).join('\n');
      return { states, final: u.State, message: u.Message.replace(/\b\w{25}$/, '<task>'), failed: ts.filter((t) => t.Status.State === 'failed').length, running, tasks };
    }
    if (Date.now() > end) throw new Error(`${name} on ${host}: no final state, seen ${states.join(' → ')}`);
    await sleep(50);
  }
}

// Automatic rollback on an image that is not there, and the failure ratios and rollback failure actions as
// behaviour, on the docker executor, each compared with real Docker 20.10 running the same commands at once.
test('update failures on the docker executor as Docker 20.10 handles them', { timeout: 300_000, skip: skipWithoutTestEngine }, async (t) => {
  const { ref, image, d, atEnd } = await dockerExecutorBesideDocker(t);
  const hosts = [d.host, ref];
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-rvd-'));
  const cleanup = async () => {
    const names = (await docker(ref, 'service', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((n) => n.startsWith(`${P}-`));
    if (names.length) await docker(ref, 'service', 'rm', ...names);
  };
  await cleanup();
  atEnd(async () => {
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  const both = <T>(fn: (host: string, i: number) => Promise<T>) => Promise.all(hosts.map(fn));
  /** The service's directory on the host (one per engine), bound at /s. */
  const sdir = (i: number, name: string) => join(dir, String(i), name);
  const arm = (i: number, name: string, ...files: string[]) => Promise.all(files.map((f) => writeFile(join(sdir(i, name), f), '')));
  const create = async (host: string, i: number, name: string, replicas: number, extra: string[] = []) => {
    await mkdir(sdir(i, name), { recursive: true });
    // restart-delay 20s: a failed task's replacement starts after the test has its answer (it never takes a ticket).
    await ok(docker(host, 'service', 'create', '-d', '--name', name, '--replicas', String(replicas), '--stop-grace-period', '1s', '--restart-delay', '20s',
      '--env', 'PHASE=v1', '--mount', `type=bind,source=${sdir(i, name)},target=/s`, ...extra, image, 'sh', '-c', SCRIPT));
  };
  const running = async (host: string, name: string, n: number) =>
    eventually(async () => (await tasksOf(host, name)).filter((x) => x.Status.State === 'running').length === n, 60_000, `${n} running ${name} on ${host}`);

  await t.test('--image IMAGE:bad with --update-failure-action rollback: the pull fails, the task is rejected, the service rolls back by itself', async () => {
    const name = `${P}-img`;
    const results = await both(async (host) => {
      await ok(docker(host, 'service', 'create', '-d', '--name', name, '--replicas', '2', '--stop-grace-period', '1s', image, 'sleep', '86400'));
      await running(host, name, 2);
      const cli = await docker(host, 'service', 'update', '-d', '--image', 'tswarm-busybox:bad', '--update-failure-action', 'rollback', '--update-monitor', '5s', name);
      const seen = await follow(host, name);
      await running(host, name, 2);
      const ts = await tasksOf(host, name);
      seen.running = ts.filter((x) => x.DesiredState === 'running' && x.Status.State === 'running').map((x) => x.Spec.ContainerSpec.Image).sort();
      const rejected = ts.filter((x) => x.Status.State === 'rejected').map((x) => `${x.Spec.ContainerSpec.Image} ${x.DesiredState} ${x.Status.Err}`);
      const spec = (await api(host, `/services/${name}`)).Spec.TaskTemplate.ContainerSpec.Image;
      const ps = (await docker(host, 'service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Name}} {{.Image}} {{.DesiredState}}', name)).stdout;
      return { cli: [cli.code, cli.stdout, cli.stderr], seen, rejected, spec, ps };
    });
    const [mine, theirs] = results;
    // The docker CLI's answer (the registry warning: no registry here) is the same.
    assert.deepEqual(mine.cli, theirs.cli);
    assert.deepEqual(mine.cli[0], 0);
    for (const r of results) {
      assert.equal(r.seen.final, 'rollback_completed');
      assert.equal(r.seen.message, 'rollback completed');
      assert.equal(r.spec, image);
      assert.deepEqual(r.rejected, ['tswarm-busybox:bad shutdown No such image: tswarm-busybox:bad']);
      assert.deepEqual(r.seen.running, [image, image], r.seen.tasks);
      assert.equal(r.ps.split('\n').filter(Boolean).sort().join('\n'), `${name}.1 ${image} Running\n${name}.2 ${image} Running`);
    }
    // Docker 20.10 at times shows no rollback_started to a 50 ms poll (see jobs-health-rollback): tswarm must show it.
    assert.deepEqual(mine.seen.states, ['updating', 'rollback_started', 'rollback_completed']);
    assert.deepEqual(theirs.seen.states.filter((s) => s !== 'rollback_started'), ['updating', 'rollback_completed']);
  });

  /**
   * A task that exits at once shows as running for a moment (on either engine): what runs is the set once that is
   * over (read again for up to 10 s until it is the expected one; a set that stays wrong stays in the result).
   */
  const settle = async (host: string, name: string, c: { running?: string[] }, r: Seen) => {
    if (!c.running) return;
    const want = JSON.stringify(c.running);
    await eventually(async () => {
      r.running = (await tasksOf(host, name)).filter((x) => x.DesiredState === 'running' && x.Status.State === 'running')
        .map((x) => `${x.Spec.ContainerSpec.Image.replace(/@.*/, '')} ${(x.Spec.ContainerSpec.Env ?? []).join(',')}`).sort();
      return JSON.stringify(r.running) === want;
    }, 10_000, `${name}: running ${want}`).catch(() => undefined);
  };

  // Several services at once, each its own directory of tickets.
  const cases: { name: string; replicas: number; arm: string[]; flags: string[]; want: [string, string]; failed?: number; running?: string[]; rollback?: string[] }[] = [
    // --update-max-failure-ratio: one of four new tasks fails; 1/4 is within 0.5 (the update goes on), not within 0.2.
    { name: `${P}-ur5`, replicas: 4, arm: ['one-v2'], flags: ['--update-failure-action', 'pause', '--update-max-failure-ratio', '0.5'], want: ['completed', 'update completed'], failed: 1, running: Array(3).fill(`${image} PHASE=v2`) },
    { name: `${P}-ur2`, replicas: 4, arm: ['one-v2'], flags: ['--update-failure-action', 'pause', '--update-max-failure-ratio', '0.2'],
      want: ['paused', 'update paused due to failure or early termination of task <task>'], failed: 1 },
    // --rollback-max-failure-ratio: the update rolls back on its failed task; one of the rollback's new tasks fails too.
    { name: `${P}-rr5`, replicas: 4, arm: ['one-v2', 'one-v1'], flags: ['--update-failure-action', 'rollback'], rollback: ['--rollback-max-failure-ratio', '0.5'], want: ['rollback_completed', 'rollback completed'], failed: 2 },
    { name: `${P}-rr0`, replicas: 4, arm: ['one-v2', 'one-v1'], flags: ['--update-failure-action', 'rollback'], rollback: ['--rollback-max-failure-ratio', '0'],
      want: ['rollback_paused', 'update paused due to failure or early termination of task <task>'], failed: 2 },
    // --rollback-failure-action: every task of the rollback fails; pause stops it (in swarmkit's words), continue finishes it.
    { name: `${P}-rfp`, replicas: 3, arm: ['one-v2', 'all-v1'], flags: ['--update-failure-action', 'rollback'], rollback: ['--rollback-failure-action', 'pause'],
      want: ['rollback_paused', 'update paused due to failure or early termination of task <task>'], running: [] },
    { name: `${P}-rfc`, replicas: 3, arm: ['one-v2', 'all-v1'], flags: ['--update-failure-action', 'rollback'], rollback: ['--rollback-failure-action', 'continue'], want: ['rollback_completed', 'rollback completed'], running: [] },
  ];

  // tswarm runs the cases side by side; Docker 20.10 runs them one at a time in the next subtest: beside the other
  // cases it twice in three runs finished ur2 as if the failed task had not failed (seen with --update-monitor 3s and
  // 10s; its updater reads the failures only once every task of the batch has started, and counts a failure only
  // within Monitor of the task's start).
  await t.test('failure ratios and rollback failure actions as behaviour: which failures stop an update or a rollback', async () => {
    const host = d.host;
    // The rollback settings are the created spec's: a rollback restores the previous spec and follows its RollbackConfig (as swarmkit).
    await Promise.all(cases.map((c) => create(host, 0, c.name, c.replicas, ['--rollback-parallelism', '0', '--rollback-monitor', '5s', ...(c.rollback ?? [])])));
    await Promise.all(cases.map((c) => running(host, c.name, c.replicas)));
    const mine = await Promise.all(cases.map(async (c) => {
      await arm(0, c.name, ...c.arm);
      await ok(docker(host, 'service', 'update', '-d', '--env-add', 'PHASE=v2', '--update-parallelism', '0', '--update-monitor', '5s', ...c.flags, c.name));
      const r = await follow(host, c.name);
      await settle(host, c.name, c, r);
      return r;
    }));
    const wrong: string[] = [];
    for (const [k, c] of cases.entries()) {
      const r = mine[k];
      if (`${r.final} ${r.message}` !== c.want.join(' ') || (c.failed !== undefined && r.failed !== c.failed) || (c.running && JSON.stringify(r.running) !== JSON.stringify(c.running))) {
        wrong.push(`${c.name}: ${r.states.join(' → ')}: ${r.final} ${r.message}, ${r.failed} failed, running ${r.running.join(',')}\n${r.tasks}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  // The same cases on Docker 20.10, one service at a time (alone, its updater decides as the comment above says),
  // with the same expectations: the outcome (UpdateStatus state and message, failed tasks, what runs) is Docker's.
  await t.test('the same failure ratios and rollback failure actions on Docker 20.10, one at a time', async () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const name = `${c.name}-d`;
      await create(ref, 1, name, c.replicas, ['--rollback-parallelism', '0', '--rollback-monitor', '5s', ...(c.rollback ?? [])]);
      await running(ref, name, c.replicas);
      await arm(1, name, ...c.arm);
      await ok(docker(ref, 'service', 'update', '-d', '--env-add', 'PHASE=v2', '--update-parallelism', '0', '--update-monitor', '5s', ...c.flags, name));
      const r = await follow(ref, name);
      await settle(ref, name, c, r);
      if (`${r.final} ${r.message}` !== c.want.join(' ') || (c.failed !== undefined && r.failed !== c.failed) || (c.running && JSON.stringify(r.running) !== JSON.stringify(c.running))) {
        wrong.push(`${name}: ${r.states.join(' → ')}: ${r.final} ${r.message}, ${r.failed} failed, running ${r.running.join(',')}\n${r.tasks}`);
      }
      await docker(ref, 'service', 'rm', name);
    }
    assert.deepEqual(wrong, []);
  });
});
