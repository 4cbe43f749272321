import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { TSWARM_BIN, docker, dockerWithInput, eventually, startTswarmd, tswarm, type RunResult } from '../../helpers/tswarmd.js';

function tswarmWithInput(host: string, input: string, ...args: string[]): Promise<RunResult> {
  return new Promise((res) => {
    const p = execFile(process.execPath, [TSWARM_BIN, ...args], { env: { ...process.env, DOCKER_HOST: host } }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    p.stdin!.end(input);
  });
}
import { raw, referenceEngine, socketOf } from '../invalid-input-engine.js';

/** What differs between two engines and is not behaviour: IDs, versions, times. */
function normalize(s: string): string {
  return s
    .replace(/\b[a-z0-9]{25}\b/g, '<id>')
    .replace(/"Index": \d+/g, '"Index": N').replace(/version=\d+/g, 'version=N')
    .replace(/\d{4}-\d\d-\d\d[T ][\d:.]+(Z| \+0000 utc)/g, '<time>')
    .replace(/(Less than a second|About a minute|\d+ (seconds?|minutes?)) ago/g, '<ago>')
    .replace(/ +\n/g, '\n').replace(/ {2,}/g, '  ')
    .replace(/^image \S+ could not be accessed on a registry[^]*?versions of the image\.\n\n?/m, '');
}

const outcome = (r: RunResult) => `${r.code}\n${normalize(r.stdout)}\n${normalize(r.stderr)}`;

// The docker CLI's secret and config commands against tswarm and against Docker 20.10 in swarm mode, side by side.
test('docker secret / config: the same output and errors as Docker 20.10', { timeout: 180_000 }, async (t) => {
  const ref = await referenceEngine();
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'app.conf'), 'listen 80\nname app\n');
  await writeFile(join(dir, 'empty'), '');
  // Names of this run only: the reference engine is shared and keeps what others made.
  const p = `t${randomBytes(3).toString('hex')}`;
  const hosts = { tswarm: d.host, docker: ref };
  const both = async (input: string | undefined, ...args: string[]) => {
    const [a, b] = await Promise.all(Object.values(hosts).map((h) => (input === undefined ? docker(h, ...args) : dockerWithInput(h, input, ...args))));
    return { mine: a, theirs: b };
  };
  const same = async (what: string, input: string | undefined, ...args: string[]) => {
    const { mine, theirs } = await both(input, ...args.map((a) => a.replaceAll('P_', `${p}_`)));
    assert.equal(outcome(mine).replaceAll(p, 'P'), outcome(theirs).replaceAll(p, 'P'), what);
    return mine;
  };
  t.after(async () => {
    for (const h of Object.values(hosts)) {
      await docker(h, 'service', 'rm', `${p}_svc`);
      for (const kind of ['secret', 'config']) {
        const ls = await docker(h, kind, 'ls', '-q', '--filter', `name=${p}_`);
        const ids = ls.stdout.trim().split('\n').filter(Boolean);
        if (ids.length) await docker(h, kind, 'rm', ...ids);
      }
    }
  });

  await same('create from stdin', 's3cret', 'secret', 'create', 'P_db', '-');
  await same('a duplicate name', 'x', 'secret', 'create', 'P_db', '-');
  await same('500 KiB is too much', 'x'.repeat(500 * 1024), 'secret', 'create', 'P_big', '-');
  await same('just under the limit', 'y'.repeat(500 * 1024 - 1), 'secret', 'create', 'P_max', '-');
  await same('empty data', undefined, 'secret', 'create', 'P_empty', join(dir, 'empty'));
  await same('a bad name', 'x', 'secret', 'create', '-bad', '-');
  await same('labels and a template driver', 'user {{.Service.Name}}', 'secret', 'create', '--label', 'env=prod', '--label', 'tier', '--template-driver', 'golang', 'P_tmpl', '-');
  await same('inspect: never the data', undefined, 'secret', 'inspect', 'P_db', 'P_tmpl');
  await same('inspect --pretty', undefined, 'secret', 'inspect', '--pretty', 'P_tmpl');
  await same('inspect an unknown one', undefined, 'secret', 'inspect', 'P_nope');
  await same('ls by name prefix', undefined, 'secret', 'ls', '--filter', 'name=P_');
  // {{.Labels}} joins a Go map: its order changes from one docker CLI run to the next, so each label by name.
  await same('ls by label', undefined, 'secret', 'ls', '--filter', 'label=env=prod', '--format', '{{.Name}} {{.Label "env"}}|{{.Label "tier"}} {{.Driver}}');
  await same('ls by label key and name', undefined, 'secret', 'ls', '--filter', 'label=tier', '--filter', 'name=P_', '--format', '{{.Name}}');
  await same('ls with a bad filter', undefined, 'secret', 'ls', '--filter', 'bogus=1');

  await same('config create from a file', undefined, 'config', 'create', '--label', 'a=b', 'P_cfg', join(dir, 'app.conf'));
  await same('config inspect shows the data', undefined, 'config', 'inspect', 'P_cfg');
  await same('config inspect --pretty', undefined, 'config', 'inspect', '--pretty', 'P_cfg');
  await same('config ls', undefined, 'config', 'ls', '--filter', 'name=P_', '--format', '{{.Name}} {{.Labels}}');
  await same('config duplicate', undefined, 'config', 'create', 'P_cfg', join(dir, 'app.conf'));

  // tswarm's own CLI prints what docker prints, against the same daemon.
  for (const args of [['secret', 'ls', '--filter', `name=${p}_`], ['secret', 'ls', '-q', '--filter', `name=${p}_`], ['secret', 'inspect', `${p}_tmpl`, `${p}_db`],
    ['config', 'ls', '--filter', `name=${p}_`], ['config', 'inspect', `${p}_cfg`], ['secret', 'inspect', `${p}_nope`], ['secret', 'ls', '--format', '{{.Name}} {{.Driver}}', '--filter', 'label=env']]) {
    const [a, b] = await Promise.all([tswarm(d.host, ...args), docker(d.host, ...args)]);
    assert.deepEqual([a.code, normalize(a.stdout), a.stderr.trim()], [b.code, normalize(b.stdout), b.stderr.trim()], `tswarm ${args.join(' ')}`);
  }
  const dup = await tswarmWithInput(d.host, 'x', 'secret', 'create', `${p}_db`, '-');
  assert.deepEqual([dup.code, dup.stderr.trim()], [1, `Error response from daemon: rpc error: code = AlreadyExists desc = secret ${p}_db already exists`]);

  // A service using them: rm refused while it does, with Docker's message.
  await same('service with a missing secret (the CLI looks it up)', undefined, 'service', 'create', '-d', '--name', 'P_svc', '--replicas', '0', '--secret', 'P_nope', 'busybox', 'true');
  const created = await same('service with secrets and a config', undefined, 'service', 'create', '-d', '-q', '--name', 'P_svc', '--replicas', '0',
    '--secret', 'P_db', '--secret', 'source=P_db,target=alt,uid=100,gid=100,mode=0400', '--config', 'source=P_cfg,target=/etc/app.conf', 'busybox', 'true');
  assert.equal(created.code, 0, created.stderr);
  // The CLI sends the references in Go's map order (random): compared as sets.
  const refs = await both(undefined, 'service', 'inspect', '--format',
    '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{json .}}\n{{end}}{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{json .}}\n{{end}}', `${p}_svc`);
  const set = (r: RunResult) => normalize(r.stdout).replaceAll(p, 'P').split('\n').filter(Boolean).sort();
  assert.deepEqual(set(refs.mine), set(refs.theirs), 'the references as stored');
  await same('secret rm while in use', undefined, 'secret', 'rm', 'P_db');
  await same('config rm while in use', undefined, 'config', 'rm', 'P_cfg');
  await same('service rm', undefined, 'service', 'rm', 'P_svc');
  await eventually(async () => (await docker(ref, 'service', 'ls', '-q', '--filter', `name=${p}_svc`)).stdout.trim() === '', 30_000, 'service gone on Docker');
  await same('secret rm once unused', undefined, 'secret', 'rm', 'P_db', 'P_nope');
  await same('config rm', undefined, 'config', 'rm', 'P_cfg');
  await same('ls after rm', undefined, 'secret', 'ls', '--filter', 'name=P_', '--format', '{{.Name}}');
});

// What the docker CLI refuses before sending, sent to the API itself: Docker's status and message, nothing changed.
test('the secret and config API refuses bad input as Docker 20.10 does', { timeout: 120_000 }, async (t) => {
  const refSock = socketOf(await referenceEngine());
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const p = `t${randomBytes(3).toString('hex')}`;
  const sockets = [d.socket, refSock];
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  t.after(async () => {
    for (const n of ['s', 'c']) await raw(refSock, 'DELETE', `/v1.41/${n === 's' ? 'secrets' : 'configs'}/${p}_${n}`);
  });
  const ids: Record<string, { s: string; c: string; v: number; cv: number }> = {};
  for (const s of sockets) {
    const sec = await raw(s, 'POST', '/v1.41/secrets/create', JSON.stringify({ Name: `${p}_s`, Data: b64('one'), Labels: { a: '1' } }));
    const cfg = await raw(s, 'POST', '/v1.41/configs/create', JSON.stringify({ Name: `${p}_c`, Data: b64('c') }));
    assert.equal(sec.status, 201, sec.text);
    const v = (await raw(s, 'GET', `/v1.41/secrets/${sec.json.ID}`)).json.Version.Index;
    const cv = (await raw(s, 'GET', `/v1.41/configs/${cfg.json.ID}`)).json.Version.Index;
    ids[s] = { s: sec.json.ID, c: cfg.json.ID, v, cv };
  }
  const cases: { what: string; method: string; path: (i: typeof ids[string]) => string; body?: string }[] = [
    { what: 'data changed by update', method: 'POST', path: (i) => `/v1.41/secrets/${i.s}/update?version=${i.v}`, body: JSON.stringify({ Name: `${p}_s`, Data: b64('two') }) },
    { what: 'name changed by update', method: 'POST', path: (i) => `/v1.41/secrets/${i.s}/update?version=${i.v}`, body: JSON.stringify({ Name: `${p}_x` }) },
    { what: 'config data changed', method: 'POST', path: (i) => `/v1.41/configs/${i.c}/update?version=${i.cv}`, body: JSON.stringify({ Name: `${p}_c`, Data: b64('d') }) },
    { what: 'no version', method: 'POST', path: (i) => `/v1.41/secrets/${i.s}/update`, body: JSON.stringify({ Name: `${p}_s` }) },
    { what: 'a stale version', method: 'POST', path: (i) => `/v1.41/secrets/${i.s}/update?version=1`, body: JSON.stringify({ Name: `${p}_s`, Labels: { b: '2' } }) },
    { what: 'data over 500 KiB', method: 'POST', path: () => '/v1.41/secrets/create', body: JSON.stringify({ Name: `${p}_big`, Data: Buffer.alloc(512000, 1).toString('base64') }) },
    { what: 'no data', method: 'POST', path: () => '/v1.41/configs/create', body: JSON.stringify({ Name: `${p}_nodata` }) },
    { what: 'a config over 1000 KiB', method: 'POST', path: () => '/v1.41/configs/create', body: JSON.stringify({ Name: `${p}_bigc`, Data: Buffer.alloc(1024000, 1).toString('base64') }) },
    { what: 'bad base64', method: 'POST', path: () => '/v1.41/secrets/create', body: JSON.stringify({ Name: `${p}_b`, Data: 'a!b=' }) },
    { what: 'no name', method: 'POST', path: () => '/v1.41/secrets/create', body: JSON.stringify({ Data: b64('x') }) },
    { what: 'a name too long', method: 'POST', path: () => '/v1.41/configs/create', body: JSON.stringify({ Name: 'a'.repeat(65), Data: b64('x') }) },
    { what: 'a duplicate', method: 'POST', path: () => '/v1.41/secrets/create', body: JSON.stringify({ Name: `${p}_s`, Data: b64('x') }) },
    { what: 'a secret driver that is not there', method: 'POST', path: () => '/v1.41/secrets/create', body: JSON.stringify({ Name: `${p}_drv`, Data: b64('x'), Driver: { Name: 'vault' } }) },
    { what: 'an unknown secret', method: 'GET', path: () => `/v1.41/secrets/${p}_none` },
    { what: 'remove an unknown config', method: 'DELETE', path: () => `/v1.41/configs/${p}_none` },
    { what: 'a bad filter', method: 'GET', path: () => `/v1.41/configs?filters=${encodeURIComponent('{"nope":["x"]}')}` },
    { what: 'a service with a missing secret', method: 'POST', path: () => '/v1.41/services/create',
      body: JSON.stringify({ Name: `${p}_svc`, Mode: { Replicated: { Replicas: 0 } }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Secrets: [{ SecretID: 'abc', SecretName: `${p}_gone`, File: { Name: 'x', UID: '0', GID: '0', Mode: 292 } }] } } }) },
    { what: 'a service with two missing configs', method: 'POST', path: () => '/v1.41/services/create',
      body: JSON.stringify({ Name: `${p}_svc`, Mode: { Replicated: { Replicas: 0 } }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Configs: [{ ConfigID: 'a', ConfigName: 'n1', File: { Name: '/a' } }, { ConfigID: 'b', ConfigName: 'n2', File: { Name: '/b' } }] } } }) },
    { what: 'a secret reference without a target', method: 'POST', path: () => '/v1.41/services/create',
      body: JSON.stringify({ Name: `${p}_svc`, Mode: { Replicated: { Replicas: 0 } }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Secrets: [{ SecretID: 'abc', SecretName: 'x' }] } } }) },
    { what: 'two secrets on one target', method: 'POST', path: (i) => '/v1.41/services/create',
      body: JSON.stringify({ Name: `${p}_svc`, Mode: { Replicated: { Replicas: 0 } }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Secrets: [0, 1].map(() => ({ SecretID: 'i', SecretName: `${p}_s`, File: { Name: 'same' } })) } } }) },
  ];
  const listing = async (s: string) => JSON.stringify([(await raw(s, 'GET', '/v1.41/secrets')).json, (await raw(s, 'GET', '/v1.41/configs')).json, (await raw(s, 'GET', '/v1.41/services')).json]);
  const before = await listing(d.socket);
  for (const c of cases) {
    const [mine, theirs] = await Promise.all(sockets.map((s) => raw(s, c.method, c.path(ids[s]), c.body)));
    const msg = (m?: string) => (m ?? '').replaceAll(p, 'P').replace(/\b[a-z0-9]{25}\b/g, '<id>');
    assert.deepEqual([mine.status, msg(mine.message)], [theirs.status, msg(theirs.message)], c.what);
  }
  assert.equal(await listing(d.socket), before, 'nothing changed');
  // Inspect and list never carry a secret's data.
  const all = await raw(d.socket, 'GET', '/v1.41/secrets');
  assert.ok(all.json.length > 0 && all.json.every((s: { Spec: { Data?: string } }) => s.Spec.Data === undefined));
  // A label update is what may change.
  const up = await raw(d.socket, 'POST', `/v1.41/secrets/${ids[d.socket].s}/update?version=${ids[d.socket].v}`, JSON.stringify({ Name: `${p}_s`, Labels: { z: '9' } }));
  assert.equal(up.status, 200, up.text);
  assert.deepEqual((await raw(d.socket, 'GET', `/v1.41/secrets/${p}_s`)).json.Spec.Labels, { z: '9' });
});
