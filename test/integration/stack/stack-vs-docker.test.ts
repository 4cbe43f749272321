import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, type RunResult } from '../../helpers/tswarmd.js';
import { TEST_IMAGE } from '../../helpers/image.js';
import { dockerExecutorBesideDocker, skipWithoutTestEngine } from '../../helpers/docker-executor-setup.js';

/** Several services, two overlay networks, a secret, a config, deploy settings and a health check. */
const COMPOSE = `version: "3.8"
services:
  web:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "cat /run/secrets/db_pass /etc/app.conf; exec sleep 86400"]
    environment:
      MODE: production
    labels:
      tier: shop
    stop_grace_period: 1s
    secrets:
      - db_pass
    configs:
      - source: app_cfg
        target: /etc/app.conf
        mode: 0440
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
    networks:
      - front
      - back
    deploy:
      replicas: 2
      labels:
        owner: team-a
      resources:
        limits: { cpus: "0.5", memory: 64M }
      restart_policy: { condition: on-failure, delay: 1s, max_attempts: 3 }
      update_config: { parallelism: 1, delay: 1s, order: start-first, failure_action: rollback }
      rollback_config: { parallelism: 2, failure_action: continue }
      placement:
        constraints: [node.role == manager]
  worker:
    image: ${TEST_IMAGE}
    command: sleep 86400
    stop_grace_period: 1s
    secrets:
      - source: db_pass
        target: pw
        uid: "0"
        mode: 0400
    networks:
      - back
    deploy:
      mode: global
secrets:
  db_pass:
    file: ./db_pass.txt
configs:
  app_cfg:
    file: ./app.conf
networks:
  front:
    driver: overlay
  back:
    driver: overlay
    labels:
      tier: data
`;

const lines = (s: string) => s.split('\n').filter(Boolean);

/**
 * `docker stack deploy` of one compose file against tswarm (docker executor) and against Docker 20.10 in swarm
 * mode, with the docker CLI: the same output, listings, stored specs and labels, task containers' labels, and
 * `stack rm` leaves nothing on either.
 */
test('docker stack deploy / ls / services / ps / rm on the docker executor, as Docker 20.10', { timeout: 240_000, skip: skipWithoutTestEngine }, async (t) => {
  const { engine, ref, d, atEnd } = await dockerExecutorBesideDocker(t);
  // The stack's name: this run's own (the reference engine is shared).
  const p = `st${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-stack-docker-'));
  await writeFile(join(dir, 'db_pass.txt'), 's3cret');
  await writeFile(join(dir, 'app.conf'), 'listen 80\n');
  await writeFile(join(dir, 'compose.yml'), COMPOSE);
  const sides = [{ api: d.host, engine }, { api: ref, engine: ref }];
  const containersOf = async (eng: string) => lines((await docker(eng, 'ps', '-aq', '--filter', `label=com.docker.stack.namespace=${p}`)).stdout);
  atEnd(async () => {
    await docker(ref, 'stack', 'rm', p);
    await rm(dir, { recursive: true, force: true });
  });
  const norm = (s: string) => s.replaceAll(p, 'P').replace(/\b[a-z0-9]{25}\b/g, '<id>')
    .replace(/(Running|Starting|Preparing|Assigned|Pending|New|Shutdown|Complete|Rejected|Failed) (less than a second|about a minute|\d+ (seconds?|minutes?)) ago/gi, '$1 <ago>');
  const same = async (what: string, fn: (s: typeof sides[number]) => Promise<RunResult>, sort = false) => {
    const [mine, theirs] = await Promise.all(sides.map(fn));
    const show = (r: RunResult) => [r.code, sort ? lines(norm(r.stdout)).sort() : norm(r.stdout), norm(r.stderr)];
    assert.deepEqual(show(mine), show(theirs), what);
    return mine;
  };

  // The docker CLI makes the networks in Go's map order: the lines compared as sets.
  const up = await same('stack deploy', (s) => docker(s.api, 'stack', 'deploy', '-c', join(dir, 'compose.yml'), '--resolve-image', 'never', p), true);
  assert.equal(up.code, 0, up.stderr);
  assert.deepEqual(lines(norm(up.stdout)).sort(), ['Creating config P_app_cfg', 'Creating network P_back', 'Creating network P_front', 'Creating secret P_db_pass', 'Creating service P_web', 'Creating service P_worker']);
  const converged = (s: typeof sides[number]) => eventually(async () =>
    (await docker(s.api, 'stack', 'services', p, '--format', '{{.Name}} {{.Replicas}}')).stdout === `${p}_web 2/2\n${p}_worker 1/1\n`, 90_000, `stack converged on ${s.api}`);
  await Promise.all(sides.map(converged));

  await same('stack ls', (s) => docker(s.api, 'stack', 'ls', '--format', '{{.Name}} {{.Services}}')
    .then((r) => ({ ...r, stdout: lines(r.stdout).filter((l) => l.startsWith(`${p} `)).join('\n') })));
  await same('stack services', (s) => docker(s.api, 'stack', 'services', p, '--format', '{{.Name}} {{.Mode}} {{.Replicas}} {{.Image}} {{.Ports}}'));
  // Everything but the node's name and the times (the two engines' hosts differ).
  const ps = await same('stack ps', (s) => docker(s.api, 'stack', 'ps', p, '--format', '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}} {{.Ports}}'), true);
  assert.deepEqual(lines(norm(ps.stdout)).sort(), [`P_web.1 ${TEST_IMAGE} Running Running <ago>`, `P_web.2 ${TEST_IMAGE} Running Running <ago>`, `P_worker.<id> ${TEST_IMAGE} Running Running <ago>`].map((l) => `${l}  `).sort());
  await same('stack ps of an unknown stack', (s) => docker(s.api, 'stack', 'ps', `${p}x`));

  // The stored specs, whole: labels (com.docker.stack.namespace / .image), deploy settings, references by name.
  for (const svc of ['web', 'worker']) {
    await same(`service inspect ${svc}`, (s) => docker(s.api, 'service', 'inspect', '--format', '{{json .Spec}}', `${p}_${svc}`)
      .then((r) => ({ ...r, stdout: JSON.stringify(sortKeys(sortRefs(JSON.parse(r.stdout || 'null'))), null, 1) })));
  }
  const labels = await same('the service\'s labels', (s) => docker(s.api, 'service', 'inspect', '--format', '{{json .Spec.Labels}} {{json .Spec.TaskTemplate.ContainerSpec.Labels}}', `${p}_web`));
  assert.equal(norm(labels.stdout).trim(), `{"com.docker.stack.image":"${TEST_IMAGE}","com.docker.stack.namespace":"P","owner":"team-a"} {"com.docker.stack.namespace":"P","tier":"shop"}`);
  await same('networks, secrets, configs of the stack', async (s) => {
    const rs = await Promise.all([
      docker(s.api, 'network', 'ls', '--filter', `label=com.docker.stack.namespace=${p}`, '--format', '{{.Name}} {{.Driver}} {{.Scope}}'),
      docker(s.api, 'secret', 'ls', '--filter', `label=com.docker.stack.namespace=${p}`, '--format', '{{.Name}}'),
      docker(s.api, 'config', 'ls', '--filter', `label=com.docker.stack.namespace=${p}`, '--format', '{{.Name}}'),
    ]);
    return { code: 0, stdout: rs.map((r) => lines(r.stdout).sort().join(',')).join('\n'), stderr: rs.map((r) => r.stderr).join('') };
  });

  // The task containers on each engine: the same labels (Docker's com.docker.swarm.* and the stack's), what they print.
  const containerLabels = await same('the task containers\' labels', async (s) => {
    const ids = await containersOf(s.engine);
    const r = await docker(s.engine, 'inspect', '--format', '{{json .Config.Labels}}', ...ids);
    return { ...r, stdout: lines(r.stdout).map((l) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l)).sort()))).map(norm).sort().join('\n') };
  });
  assert.match(containerLabels.stdout, /"com.docker.stack.namespace":"P","com.docker.swarm.node.id":"<id>","com.docker.swarm.service.id":"<id>","com.docker.swarm.service.name":"P_web","com.docker.swarm.task":"","com.docker.swarm.task.id":"<id>","com.docker.swarm.task.name":"P_web.1.<id>","tier":"shop"/);
  await same('what web prints (its secret and config)', async (s) => {
    const [id] = lines((await docker(s.engine, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${p}_web`)).stdout);
    return docker(s.engine, 'logs', id);
  });
  await same('health', async (s) => {
    const ids = lines((await docker(s.engine, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${p}_web`)).stdout);
    return eventually(async () => {
      const r = await docker(s.engine, 'inspect', '--format', '{{.State.Health.Status}}', ...ids);
      return r.stdout === 'healthy\nhealthy\n' ? r : undefined;
    }, 30_000, 'healthy');
  });

  const down = await same('stack rm', (s) => docker(s.api, 'stack', 'rm', p), true);
  assert.deepEqual(lines(norm(down.stdout)).sort(), ['Removing config P_app_cfg', 'Removing network P_back', 'Removing network P_front', 'Removing secret P_db_pass', 'Removing service P_web', 'Removing service P_worker']);
  // Nothing left on either: services, networks, secrets, configs, containers.
  for (const s of sides) {
    await eventually(async () => {
      const rs = await Promise.all([
        docker(s.api, 'service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${p}`),
        docker(s.api, 'network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${p}`),
        docker(s.api, 'secret', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${p}`),
        docker(s.api, 'config', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${p}`),
      ]);
      return rs.every((r) => r.code === 0 && r.stdout.trim() === '') && (await containersOf(s.engine)).length === 0;
    }, 60_000, `nothing left on ${s.api}`);
  }
  await same('stack ls after rm', (s) => docker(s.api, 'stack', 'ls', '--format', '{{.Name}}').then((r) => ({ ...r, stdout: lines(r.stdout).filter((l) => l.startsWith(p)).join('\n') })));
  await same('stack rm again', (s) => docker(s.api, 'stack', 'rm', p));
});

/** Objects with their keys sorted (field order compared elsewhere is not this test's point). */
function sortKeys(v: any): any {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}

/** The CLI sends secrets, configs and networks in Go's map order (random): sorted by name before comparing. */
function sortRefs(spec: any): any {
  const cs = spec?.TaskTemplate?.ContainerSpec;
  const by = (k: string) => (a: any, b: any) => String(a[k]).localeCompare(String(b[k]));
  if (cs?.Secrets) cs.Secrets.sort(by('SecretName'));
  if (cs?.Configs) cs.Configs.sort(by('ConfigName'));
  // Networks are referred to by ID (each engine its own): their aliases say which is which.
  if (spec?.TaskTemplate?.Networks) spec.TaskTemplate.Networks = spec.TaskTemplate.Networks.map((n: any) => ({ ...n, Target: '<net>' }));
  return spec;
}
