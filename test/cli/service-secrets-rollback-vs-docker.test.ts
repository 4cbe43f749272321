import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, dockerWithInput, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

/** What differs between two services made one after the other and is not behaviour: IDs, times, versions, the service's name, the CLI's name. */
const norm = (s: string, name: string) => s.replaceAll(name, 'X')
  .replace(/\b[a-z0-9]{25}\b/g, '<id>')
  .replace(/"Index": ?\d+/g, '"Index":N')
  .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
  .replaceAll('tswarm', 'docker');
// the docker CLI looks the image up in a registry before it sends a spec: not the daemon's output, and tswarm's CLI asks no registry
const registryWarning = /^image \S+ could not be accessed on a registry[^]*?versions of the image\.\n\n?/m;
const outcome = (r: RunResult, name: string) => ({ code: r.code, stdout: norm(r.stdout, name), stderr: norm(r.stderr.replace(registryWarning, ''), name) });
/**
 * The progress a CLI prints while it waits, made comparable: IDs and the service's name written X, repeated
 * lines once (how many polls saw the same thing, and so how often a render repeats, is timing), and counts caught between 0 and all dropped.
 */
function waited(r: RunResult): string {
  const x = (s: string) => s.replace(/\b[dt]svc\b/g, 'X').replace(/\b[a-z0-9]{25}\b/g, 'X');
  const out: string[] = [];
  for (const l of x(r.stdout).split('\n')) {
    const m = /^overall progress: (?:rolling back update: )?(\d+) out of (\d+) tasks$/.exec(l);
    if (m && m[1] !== '0' && m[1] !== m[2]) continue;
    if (!out.includes(l)) out.push(l);
  }
  return `${r.code}\n${out.join('\n')}\n${x(r.stderr.replace(registryWarning, '')).replaceAll('tswarm', 'docker')}`;
}
/** A service as `docker service inspect` shows it, its references by target (the docker CLI sends them in Go's map order, random). */
function stored(text: string, name: string): string {
  const s = JSON.parse(text) as { Spec?: { TaskTemplate?: { ContainerSpec?: Record<string, unknown> } }; PreviousSpec?: { TaskTemplate?: { ContainerSpec?: Record<string, unknown> } } }[];
  for (const cs of s.flatMap((x) => [x.Spec?.TaskTemplate?.ContainerSpec, x.PreviousSpec?.TaskTemplate?.ContainerSpec])) {
    for (const k of ['Secrets', 'Configs']) (cs?.[k] as { File: { Name: string } }[] | undefined)?.sort((a, b) => (a.File.Name < b.File.Name ? -1 : 1));
  }
  return norm(JSON.stringify(s, null, 1), name);
}

// Secrets and configs on a service (create, rotation) and an update rolled back on failure: tswarm's CLI against
// the docker CLI on the same daemon (sim executor), each on a service of its own (Xsvc is dsvc / tsvc) made with
// the same flags: the same output, streams, exit status, and the same service stored.
test('tswarm service create/update with secrets, configs and a failure rollback: docker\'s output and stored spec', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  for (const [kind, name, data] of [['secret', 'db_pass', 'one'], ['secret', 'db_pass_v2', 'two'], ['config', 'app_cfg', 'listen 80\n']]) {
    const r = await dockerWithInput(d.host, data, kind, 'create', name, '-');
    assert.equal(r.code, 0, r.stderr);
  }
  const cli = { d: docker, t: tswarm } as const;
  /** Both CLIs with the same arguments, on their own service; their outcomes, normalised. */
  const both = async (args: string[]) => {
    const [a, b] = await Promise.all(Object.entries(cli).map(([k, run]) => run(d.host, ...args.map((x) => x.replaceAll('Xsvc', `${k}svc`)))));
    return { theirs: outcome(a, 'dsvc'), mine: outcome(b, 'tsvc'), a, b };
  };
  const same = async (args: string[]) => {
    const r = await both(args);
    assert.deepEqual(r.mine, r.theirs, args.join(' '));
    return r;
  };
  /** What each stored: `docker service inspect` of both services, normalised. */
  const sameStored = async (what: string) => {
    const [a, b] = await Promise.all(['dsvc', 'tsvc'].map((n) => docker(d.host, 'service', 'inspect', n)));
    assert.equal(b.code, 0, b.stderr);
    assert.equal(stored(b.stdout, 'tsvc'), stored(a.stdout, 'dsvc'), what);
    return JSON.parse(b.stdout)[0] as { Spec: { TaskTemplate: { ContainerSpec: { Image: string; Secrets: unknown[]; Configs: unknown[] } } }; UpdateStatus?: { State: string; Message: string } };
  };
  const state = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', name)).stdout.trim();

  await t.test('create with two references to one secret and a config', async () => {
    const r = await same(['service', 'create', '-d', '--name', 'Xsvc', '--update-monitor', '1s', '--secret', 'db_pass',
      '--secret', 'source=db_pass,target=alt,uid=100,gid=100,mode=0400', '--config', 'source=app_cfg,target=/etc/app.conf', 'busybox', 'top']);
    assert.equal(r.a.code, 0, r.a.stderr);
    const s = await sameStored('after create');
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Secrets.length, 2);
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Configs.length, 1);
    // a secret or config that does not exist: refused before anything is made
    assert.match((await same(['service', 'create', '-d', '--name', 'Xnope', '--secret', 'nope', 'busybox', 'top'])).b.stderr, /^(secret|config) not found: nope\n$/);
    assert.match((await same(['service', 'create', '-d', '--name', 'Xnope', '--config', 'source=nope,target=/x', 'busybox', 'top'])).b.stderr, /^(secret|config) not found: nope\n$/);
    assert.equal((await docker(d.host, 'service', 'ls', '-q', '--filter', 'name=Xnope')).stdout, '');
    for (const n of ['dnope', 'tnope']) assert.notEqual((await docker(d.host, 'service', 'inspect', n)).code, 0);
  });

  await t.test('rotation: --secret-rm old --secret-add source=new,target=old', async () => {
    await eventually(async () => (await Promise.all(['dsvc', 'tsvc'].map(state))).every((s) => s === ''), 10_000, 'created');
    const r = await same(['service', 'update', '-d', '--secret-rm', 'db_pass', '--secret-add', 'source=db_pass_v2,target=db_pass', 'Xsvc']);
    assert.equal(r.a.code, 0, r.a.stderr);
    const s = await sameStored('after the rotation');
    assert.deepEqual(s.Spec.TaskTemplate.ContainerSpec.Secrets.map((x) => (x as { SecretName: string; File: { Name: string } })).map((x) => `${x.SecretName}:${x.File.Name}`).sort(),
      ['db_pass_v2:db_pass'], 'as docker: --secret-rm removes every reference to the secret it names');
    let states: string[] = [];
    await eventually(async () => (states = await Promise.all(['dsvc', 'tsvc'].map(state))).every((x) => x === 'completed'), 20_000, 'rotated')
      .catch((e) => { throw new Error(`${e}: ${states.join(', ')}`); });
    // a missing secret on update: refused, nothing changed; removing one the service does not reference: an update that changes nothing
    assert.match((await same(['service', 'update', '-d', '--secret-add', 'nope', 'Xsvc'])).b.stderr, /^(secret|config) not found: nope\n$/);
    assert.match((await same(['service', 'update', '-d', '--config-add', 'source=nope,target=/x', 'Xsvc'])).b.stderr, /^(secret|config) not found: nope\n$/);
    await same(['service', 'update', '-d', '--secret-rm', 'nope', 'Xsvc']);
    await sameStored('after the refused updates');
  });

  await t.test('an update whose tasks fail to start, rolled back (--update-failure-action rollback --update-monitor 2s)', async () => {
    // The sim executor fails a task's start by its container label, not by its image: the update sets both.
    const r = await both(['service', 'update', '-d', '--image', 'busybox:bad', '--container-label-add', 'tswarm.sim.fail-start=no such image',
      '--update-failure-action', 'rollback', '--update-monitor', '2s', 'Xsvc']);
    assert.deepEqual(r.mine, r.theirs);
    assert.equal(r.a.code, 0, r.a.stderr);
    await eventually(async () => (await Promise.all(['dsvc', 'tsvc'].map(state))).every((x) => x === 'rollback_completed'), 40_000, 'rolled back');
    const s = await sameStored('after the rollback');
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Image, 'busybox:latest', 'as docker\'s client library sends it');
    assert.match(s.UpdateStatus!.Message, /^rollback completed$/);
  });

  await t.test('the same update waited on (no -d): the progress of the failure and its rollback, the exit status', async () => {
    const r = await both(['service', 'update', '--image', 'busybox:bad2', '--container-label-add', 'tswarm.sim.fail-start=no such image',
      '--update-failure-action', 'rollback', '--update-monitor', '2s', 'Xsvc']);
    // docker's WaitOnService prints the rollback's final message only when it reads the service's rollback_completed
    // in a poll before the one where it sees the task running: a race of the two clients' polls with the manager
    // (seen in a loaded suite: the docker CLI printed it, tswarm's did not). The rest is compared whole.
    const settled = (x: string) => x.replace(/verify: Service X converged\nrollback: rollback completed\n/, 'verify: Service X converged\n');
    assert.equal(settled(waited(r.b)), settled(waited(r.a)));
    // as docker: the rollback is the update's outcome, not an error (exit status 0)
    assert.match(waited(r.b), /^0\nX\n[^]*\nrollback: update rolled back due to failure or early termination of task X\n[^]*verify: Service X converged\n(rollback: rollback completed\n)?\n$/);
    const s = await sameStored('after the second rollback');
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Image, 'busybox:latest');
  });
});
