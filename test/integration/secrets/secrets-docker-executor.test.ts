import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, dockerWithInput, eventually, type RunResult } from '../../helpers/tswarmd.js';
import { dockerExecutorBesideDocker, skipWithoutTestEngine } from '../../helpers/docker-executor-setup.js';
import { raw, socketOf } from '../invalid-input-engine.js';

/** What differs between two engines and is not behaviour: IDs and the run's prefix. */
const norm = (s: string, p: string) => s.replaceAll(p, 'P').replace(/\b[a-z0-9]{25}\b/g, '<id>');
const outcome = (r: RunResult, p: string) => `${r.code}\n${norm(r.stdout, p)}\n${norm(r.stderr, p)}`;

/**
 * Secrets and configs inside the task's container on the docker executor, side by side with Docker 20.10: the
 * files the engine shows the task (content, owner, mode, memory-backed, read-only, a secret or config referenced
 * twice, /run/secrets an ordinary directory with a mount per file), and a secret rotated as
 * Docker documents it (`--secret-rm old --secret-add source=new,target=old`).
 */
test('secrets and configs in the containers of the docker executor, and their rotation, as Docker 20.10', { timeout: 240_000, skip: skipWithoutTestEngine }, async (t) => {
  const { engine, ref, image, d, atEnd } = await dockerExecutorBesideDocker(t);
  const p = `s${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-sde-'));
  await writeFile(join(dir, 'app.conf'), 'listen 80\nname app\n');
  /** The API each runs the commands on, and the engine its task containers are on. */
  const sides = [{ api: d.host, engine }, { api: ref, engine: ref }];
  atEnd(async () => {
    await docker(ref, 'service', 'rm', `${p}_svc`, `${p}_dup`);
    await eventually(async () => (await docker(ref, 'ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${p}_svc`)).stdout.trim() === '', 30_000, 'reference task gone').catch(() => undefined);
    for (const kind of ['secret', 'config']) {
      const ids = (await docker(ref, kind, 'ls', '-q', '--filter', `name=${p}_`)).stdout.trim().split('\n').filter(Boolean);
      if (ids.length) await docker(ref, kind, 'rm', ...ids);
    }
    await rm(dir, { recursive: true, force: true });
  });
  const both = (fn: (s: typeof sides[number]) => Promise<RunResult>) => Promise.all(sides.map(fn));
  const same = async (what: string, fn: (s: typeof sides[number]) => Promise<RunResult>) => {
    const [mine, theirs] = await both(fn);
    assert.equal(outcome(mine, p), outcome(theirs, p), what);
    return mine;
  };
  /** The service's one running container on the side's engine, once it is not `not`. */
  const container = (s: typeof sides[number], not = '') => eventually(async () => {
    const ids = (await docker(s.engine, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${p}_svc`)).stdout.trim().split('\n').filter(Boolean);
    return ids.length === 1 && ids[0] !== not ? ids[0] : undefined;
  }, 60_000, `the task's container on ${s.engine}`);
  const ids: string[] = [];

  await t.test('the files in the container: content, uid/gid/mode, tmpfs, read-only', async () => {
    await same('secret create', (s) => dockerWithInput(s.api, 's3cret', 'secret', 'create', `${p}_db`, '-'));
    await same('another secret', (s) => dockerWithInput(s.api, 'k3y', 'secret', 'create', `${p}_key`, '-'));
    await same('config create', (s) => docker(s.api, 'config', 'create', `${p}_cfg`, join(dir, 'app.conf')));
    await same('service create', (s) => docker(s.api, 'service', 'create', '-d', '-q', '--name', `${p}_svc`, '--stop-grace-period', '1s',
      '--secret', `${p}_db`, '--secret', `source=${p}_key,target=alt,uid=100,gid=100,mode=0400`, '--config', `source=${p}_cfg,target=/etc/app.conf,mode=0440`, image, 'sleep', '86400'));
    ids.push(...await Promise.all(sides.map((s) => container(s))));
    const all = `/run/secrets/${p}_db /run/secrets/alt /etc/app.conf`;
    const script = [
      `cat ${all}`,
      `busybox stat -c '%n %u %g %a %s %F' ${all}`,
      // memory-backed: never on the engine's disk
      `busybox stat -f -c '%n %T' ${all}`,
      `echo x > /run/secrets/${p}_db; echo x > /etc/app.conf; echo end`,
      // Each file is a read-only mount of its own; /run/secrets itself is an ordinary directory of the container.
      'grep -c " /run/secrets/" /proc/self/mountinfo; busybox stat -c \'%n %u %g %a %F\' /run/secrets',
      'touch /run/secrets/new && mkdir /run/secrets/dir && ls /run/secrets; rm /run/secrets/alt; echo end',
    ].join('; ');
    const files = await same('what the task sees', (s) => docker(s.engine, 'exec', ids[sides.indexOf(s)], 'sh', '-c', script));
    assert.equal(norm(files.stdout, p), 's3cretk3ylisten 80\nname app\n'
      + '/run/secrets/P_db 0 0 444 6 regular file\n/run/secrets/alt 100 100 400 3 regular file\n/etc/app.conf 0 0 440 19 regular file\n'
      + '/run/secrets/P_db tmpfs\n/run/secrets/alt tmpfs\n/etc/app.conf tmpfs\nend\n'
      + '2\n/run/secrets 0 0 755 directory\nalt\ndir\nnew\nP_db\nend\n');
    assert.equal(norm(files.stderr, p), 'sh: can\'t create /run/secrets/P_db: Read-only file system\nsh: can\'t create /etc/app.conf: Read-only file system\n'
      + 'rm: can\'t remove \'/run/secrets/alt\': Device or resource busy\n');
    // In use: refused, with Docker's message.
    await same('secret rm while in use', (s) => docker(s.api, 'secret', 'rm', `${p}_db`));
  });

  await t.test('a secret and a config referenced twice: one file at both targets, the last reference\'s owner and mode', async () => {
    // Through the API: the docker CLI sends a service's references in Go's map order (random), and which one is
    // last decides (Docker writes the file once per reference, in order).
    const refs = await both(async (s) => {
      const id = async (kind: string, name: string) => (await docker(s.api, kind, 'inspect', '--format', '{{.ID}}', name)).stdout.trim();
      const key = await id('secret', `${p}_key`);
      const cfg = await id('config', `${p}_cfg`);
      const spec = { Name: `${p}_dup`, TaskTemplate: { ContainerSpec: { Image: image, Args: ['sleep', '86400'], StopGracePeriod: 1e9,
        Secrets: [{ SecretID: key, SecretName: `${p}_key`, File: { Name: 'k1', UID: '100', GID: '100', Mode: 0o400 } },
          { SecretID: key, SecretName: `${p}_key`, File: { Name: 'sub/k2', UID: '200', GID: '201', Mode: 0o440 } }],
        Configs: [{ ConfigID: cfg, ConfigName: `${p}_cfg`, File: { Name: '/etc/c1.conf', UID: '300', GID: '0', Mode: 0o400 } },
          { ConfigID: cfg, ConfigName: `${p}_cfg`, File: { Name: '/etc/c2.conf', UID: '0', GID: '300', Mode: 0o444 } }] } } };
      const r = await raw(socketOf(s.api), 'POST', '/v1.41/services/create', JSON.stringify(spec));
      return { code: r.status === 201 ? 0 : 1, stdout: '', stderr: r.status === 201 ? '' : r.text };
    });
    for (const r of refs) assert.equal(r.code, 0, r.stderr);
    const dup = await Promise.all(sides.map((s) => eventually(async () => {
      const ids = (await docker(s.engine, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${p}_dup`)).stdout.trim().split('\n').filter(Boolean);
      return ids.length === 1 ? ids[0] : undefined;
    }, 60_000, `the duplicate-reference task on ${s.engine}`)));
    const seen = await same('both targets', (s) => docker(s.engine, 'exec', dup[sides.indexOf(s)], 'sh', '-c',
      'cat /run/secrets/k1 /run/secrets/sub/k2; busybox stat -c \'%n %u %g %a %s\' /run/secrets/k1 /run/secrets/sub/k2 /etc/c1.conf /etc/c2.conf'));
    assert.equal(seen.stdout, 'k3yk3y/run/secrets/k1 200 201 440 3\n/run/secrets/sub/k2 200 201 440 3\n/etc/c1.conf 0 300 444 19\n/etc/c2.conf 0 300 444 19\n');
    await both((s) => docker(s.api, 'service', 'rm', `${p}_dup`));
  });

  await t.test('rotation: --secret-rm old --secret-add source=new,target=old; the new content at the same path, the old secret removable', async () => {
    await same('the new secret', (s) => dockerWithInput(s.api, 'n3w-s3cret', 'secret', 'create', `${p}_db_v2`, '-'));
    await same('service update', (s) => docker(s.api, 'service', 'update', '-d', '--secret-rm', `${p}_db`, '--secret-add', `source=${p}_db_v2,target=${p}_db`, `${p}_svc`));
    const next = await Promise.all(sides.map((s, i) => container(s, ids[i])));
    const seen = await same('the new task sees the new content at the old path', (s) => docker(s.engine, 'exec', next[sides.indexOf(s)], 'sh', '-c',
      `cat /run/secrets/${p}_db; echo; busybox stat -c '%n %u %g %a %s' /run/secrets/${p}_db; ls /run/secrets`));
    assert.equal(norm(seen.stdout, p), 'n3w-s3cret\n/run/secrets/P_db 0 0 444 10\nalt\nP_db\n');
    await same('the references stored', (s) => docker(s.api, 'service', 'inspect', '--format',
      '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}>{{.File.Name}} {{end}}', `${p}_svc`).then((r) => ({ ...r, stdout: r.stdout.trim().split(' ').sort().join(' ') })));
    await same('the old secret is removable now', (s) => docker(s.api, 'secret', 'rm', `${p}_db`));
    await same('and gone', (s) => docker(s.api, 'secret', 'ls', '--filter', `name=${p}_`, '--format', '{{.Name}}'));
    await same('the new one is in use', (s) => docker(s.api, 'secret', 'rm', `${p}_db_v2`));
  });
});
