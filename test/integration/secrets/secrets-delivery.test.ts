import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, dockerWithInput, eventually, run, startTswarmd } from '../../helpers/tswarmd.js';
import { ensureBusyboxImage } from '../../helpers/image.js';
import { dk, formSwarm, startNodes, type Daemon } from '../../helpers/cluster.js';
import { runDir } from '../../../src/agent/secrets/index.js';
import { TMPFS_MAGIC } from '../../../src/agent/secrets/task-files.js';

const engine = process.env.TSWARM_TEST_DOCKER_HOST;

/** The per-task directories of secret files a daemon holds on its host. */
async function taskFileDirs(dataRoot: string): Promise<string[]> {
  return (await readdir(join(runDir(dataRoot), 'task-files')).catch(() => [] as string[])).sort();
}

async function mountsUnder(dir: string): Promise<string[]> {
  const r = await run('findmnt', ['-rn', '-o', 'TARGET,FSTYPE']);
  return r.stdout.split('\n').filter((l) => l.startsWith(dir)).map((l) => l.trim());
}

test('docker executor: secrets and configs as read-only tmpfs files in the container, gone with the task', {
  timeout: 300_000, skip: !engine && process.env.CI !== 'true' ? 'no TSWARM_TEST_DOCKER_HOST (run scripts/test-engine.sh)' : false,
}, async (t) => {
  assert.ok(engine, 'CI must provide TSWARM_TEST_DOCKER_HOST');
  const image = await ensureBusyboxImage(engine);
  const d = await startTswarmd({ executor: 'docker', dockerHost: engine });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const container = async (svc: string) => eventually(async () => {
    const ids = (await run('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${svc}`], { DOCKER_HOST: engine })).stdout.trim().split('\n').filter(Boolean);
    return ids.length ? ids : undefined;
  }, 60_000, `${svc} running`);
  const exec = async (id: string, cmd: string) => (await run('docker', ['exec', id, 'sh', '-c', cmd], { DOCKER_HOST: engine })).stdout;

  assert.equal((await dockerWithInput(d.host, 's3cret', 'secret', 'create', 'db_pass', '-')).code, 0);
  assert.equal((await dockerWithInput(d.host, 'listen 80\n', 'config', 'create', 'app_cfg', '-')).code, 0);
  const create = await docker(d.host, 'service', 'create', '-d', '--name', 'api', '--secret', 'db_pass',
    '--secret', 'source=db_pass,target=alt,uid=100,gid=101,mode=0400', '--config', 'source=app_cfg,target=/etc/app.conf,mode=0440', image, 'sleep', '86400');
  assert.equal(create.code, 0, create.stderr);
  const [c] = await container('api');
  assert.equal(await exec(c, 'cat /run/secrets/db_pass; echo; cat /run/secrets/alt; echo; cat /etc/app.conf'), 's3cret\ns3cret\nlisten 80\n');
  const ls = await exec(c, 'ls -ln /run/secrets/db_pass /run/secrets/alt /etc/app.conf');
  // One file for the secret, at both targets, with the owner and mode of the reference the CLI sent last (it sends
  // them in Go's map order: either), as Docker 20.10 (secrets-docker-executor compares the order-fixed case).
  const owner = (f: string) => ls.split('\n').find((l) => l.endsWith(f))?.split(/ +/).filter((_x, i) => i !== 1 && i < 5).join(' ');
  assert.equal(owner('/run/secrets/db_pass'), owner('/run/secrets/alt'));
  assert.match(owner('/run/secrets/alt') ?? '', /^(-r--r--r-- 0 0|-r-------- 100 101) 6$/);
  assert.match(ls, /^-r--r----- +1 0 +0 +10 .* \/etc\/app\.conf$/m);
  // Read-only in the container.
  assert.match(await exec(c, 'echo x > /run/secrets/db_pass 2>&1 || echo refused'), /refused|Read-only/);

  // On the host: one tmpfs per task under the daemon's run directory, nothing on disk.
  const [taskDir] = await taskFileDirs(d.dataRoot);
  assert.ok(taskDir, 'a task directory');
  const hostDir = join(runDir(d.dataRoot), 'task-files', taskDir);
  assert.equal((await statfs(hostDir)).type, TMPFS_MAGIC);
  assert.deepEqual(await mountsUnder(hostDir), [`${hostDir} tmpfs`]);
  // One file per secret or config, however many targets show it.
  const files = (await readdir(join(hostDir, 'files'))).sort();
  assert.deepEqual(files.map((f) => f.replace(/-\w+$/, '')), ['config', 'secret']);
  assert.equal(await readFile(join(hostDir, 'files', files[1]), 'utf8'), 's3cret');
  assert.ok([0o444, 0o400].includes((await stat(join(hostDir, 'files', files[1]))).mode & 0o777));

  await t.test('rotation: --secret-rm / --secret-add; the old task\'s files go with it', async () => {
    assert.equal((await dockerWithInput(d.host, 'v2', 'secret', 'create', 'db_pass_v2', '-')).code, 0);
    const up = await docker(d.host, 'service', 'update', '-d', '--stop-grace-period', '1s', '--secret-rm', 'db_pass', '--secret-add', 'source=db_pass_v2,target=db_pass', 'api');
    assert.equal(up.code, 0, up.stderr);
    await eventually(async () => {
      const ids = await container('api');
      return ids.length === 1 && ids[0] !== c && (await exec(ids[0], 'cat /run/secrets/db_pass')) === 'v2';
    }, 60_000, 'the new task reads the new secret');
    await eventually(async () => (await taskFileDirs(d.dataRoot)).length === 1 && !(await taskFileDirs(d.dataRoot)).includes(taskDir), 30_000, 'old task files removed');
    assert.deepEqual(await mountsUnder(hostDir), []);
    const rm = await docker(d.host, 'secret', 'rm', 'db_pass');
    assert.equal(rm.code, 0, 'unused now: removable');
  });

  await t.test('a templated secret renders per task', async () => {
    const tmpl = await dockerWithInput(d.host, '{{.Service.Name}} slot={{.Task.Slot}} host={{.Node.Hostname}} x={{env "X"}} pass={{secret "db_pass"}}',
      'secret', 'create', '--template-driver', 'golang', 'tmpl', '-');
    assert.equal(tmpl.code, 0, tmpl.stderr);
    const hostname = (await docker(d.host, 'node', 'ls', '--format', '{{.Hostname}}')).stdout.trim();
    const s = await docker(d.host, 'service', 'create', '-d', '--name', 'tpl', '--replicas', '2', '--env', 'X=hello',
      '--secret', 'source=db_pass_v2,target=db_pass', '--secret', 'tmpl', image, 'sleep', '86400');
    assert.equal(s.code, 0, s.stderr);
    const texts = await eventually(async () => {
      const ids = await container('tpl');
      if (ids.length !== 2) return undefined;
      return (await Promise.all(ids.map((id) => exec(id, 'cat /run/secrets/tmpl')))).sort();
    }, 60_000, '2 tasks');
    assert.deepEqual(texts, [1, 2].map((slot) => `tpl slot=${slot} host=${hostname} x=hello pass=v2`));
  });

  await t.test('a daemon SIGKILLed: at its next start, files of tasks that ended meanwhile are unmounted and removed, running ones kept', async () => {
    const [apiTask] = (await docker(d.host, 'service', 'ps', '-q', '--filter', 'desired-state=running', 'api')).stdout.trim().split('\n');
    const kept = (await taskFileDirs(d.dataRoot)).filter((x) => !apiTask.startsWith(x) && !x.startsWith(apiTask));
    const [apiDir] = (await taskFileDirs(d.dataRoot)).filter((x) => x.startsWith(apiTask));
    assert.ok(apiDir && kept.length === 2, `api's and tpl's task files: ${await taskFileDirs(d.dataRoot)}`);
    const left = join(runDir(d.dataRoot), 'task-files', apiDir);
    await d.kill('SIGKILL');
    assert.deepEqual(await mountsUnder(left), [`${left} tmpfs`], 'a killed daemon releases nothing');
    // The task's container goes while the daemon is away.
    const [c] = await container('api');
    assert.equal((await run('docker', ['rm', '-f', c], { DOCKER_HOST: engine })).code, 0);
    await d.restart();
    await eventually(async () => (await mountsUnder(left)).length === 0 && !(await taskFileDirs(d.dataRoot)).includes(apiDir), 30_000, 'the ended task\'s tmpfs swept');
    for (const k of kept) assert.equal((await statfs(join(runDir(d.dataRoot), 'task-files', k))).type, TMPFS_MAGIC, 'a running task keeps its files');
  });

  await t.test('service rm: nothing left on the host', async () => {
    assert.equal((await docker(d.host, 'service', 'rm', 'api', 'tpl')).code, 0);
    await eventually(async () => (await taskFileDirs(d.dataRoot)).length === 0, 60_000, 'all task files removed');
    assert.deepEqual(await mountsUnder(join(runDir(d.dataRoot), 'task-files')), []);
  });
});

// Several daemons on loopback (process executor): a secret reaches only the node that runs its task, and leaves with it.
test('multi-node: a secret is delivered only to the node running its task, and leaves it with the task', { timeout: 300_000 }, async (t) => {
  const [m, w1, w2] = await startNodes(3, { first: 141, prefix: 'sec', executor: 'process' });
  const all: Daemon[] = [m, w1, w2];
  t.after(async () => { for (const d of all) await d.stop('SIGKILL'); });
  await formSwarm([m], [w1, w2]);
  await eventually(async () => (await dk(m, 'node', 'ls', '--format', '{{.Status}}')).stdout.trim().split('\n').filter((s) => s === 'Ready').length === 3, 30_000, '3 nodes ready');
  assert.equal((await dockerWithInput(m.host, 'only-for-w1', 'secret', 'create', 'pw', '-')).code, 0);
  assert.equal((await dockerWithInput(m.host, 'conf-body', 'config', 'create', 'cf', '-')).code, 0);
  const s = await dk(m, 'service', 'create', '-d', '--name', 'reader', '--constraint', 'node.hostname==sec2', '--secret', 'pw',
    '--config', 'source=cf,target=/etc/tswarm-test.conf', 'busybox', 'sh', '-c', 'cat /run/secrets/pw; echo; cat /etc/tswarm-test.conf; echo; exec sleep 86400');
  assert.equal(s.code, 0, s.stderr);
  const holders = async () => {
    const out: Record<string, string[]> = {};
    for (const d of all) out[d.name] = await taskFileDirs(d.dataRoot);
    return out;
  };
  const on = async (name: string) => {
    const h = await holders();
    return Object.entries(h).every(([n, dirs]) => (n === name ? dirs.length === 1 : dirs.length === 0)) ? h : undefined;
  };
  const first = await eventually(() => on('sec2'), 60_000, 'files on sec2 only');
  const dir = join(runDir(w1.dataRoot), 'task-files', first.sec2[0]);
  assert.equal(await readFile(join(dir, 'secrets', 'pw'), 'utf8'), 'only-for-w1');
  assert.equal((await statfs(dir)).type, TMPFS_MAGIC);
  // The task saw them at the same paths as in a container; the host has neither path.
  const stdout = join(w1.dataRoot, 'executor', 'tasks', first.sec2[0], 'stdout.log');
  // Each stored line starts with the time it was written.
  await eventually(async () => /^\d{19} only-for-w1\n\d{19} conf-body$/m.test(await readFile(stdout, 'utf8').catch(() => '')), 30_000, 'task output');
  await assert.rejects(stat('/etc/tswarm-test.conf'));

  // The task moves: the secret leaves sec2 and reaches sec3.
  assert.equal((await dk(m, 'service', 'update', '-d', '--stop-grace-period', '1s', '--constraint-rm', 'node.hostname==sec2', '--constraint-add', 'node.hostname==sec3', 'reader')).code, 0);
  await eventually(() => on('sec3'), 60_000, 'files moved to sec3 only');
  assert.deepEqual(await mountsUnder(dir), []);
  assert.equal((await dk(m, 'service', 'rm', 'reader')).code, 0);
  await eventually(async () => Object.values(await holders()).every((x) => x.length === 0), 60_000, 'files gone everywhere');
});
