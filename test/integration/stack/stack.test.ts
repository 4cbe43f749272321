import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, run, startTswarmd, tswarm, TSWARM_BIN, type RunResult } from '../../helpers/tswarmd.js';
import { runDir } from '../../../src/agent/secrets/index.js';

const V1 = `version: "3.8"
x-common: &common
  labels:
    tier: shop
services:
  web:
    <<: *common
    image: \${WEB_IMAGE:-busybox}
    command: ["sh", "-c", "cat /run/secrets/db_pass /etc/app.conf; exec sleep 86400"]
    environment:
      MODE: production
    secrets:
      - db_pass
    configs:
      - source: app_cfg
        target: /etc/app.conf
        mode: 0440
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
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
      update_config: { parallelism: 1, delay: 1s, order: start-first }
      placement:
        constraints: [node.role == manager]
  worker:
    image: busybox
    command: sleep 86400
    stop_grace_period: 1s
    secrets:
      - source: db_pass
        target: pw
        uid: "0"
        mode: 0400
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

/** The same stack with the worker gone and web changed (replicas, env). */
const V2 = V1.replace('replicas: 2', 'replicas: 1').replace('MODE: production', 'MODE: staging').replace(/  worker:[^]*?mode: global\n/, '');

const lines = (r: RunResult) => r.stdout.trim().split('\n').filter(Boolean);

// `stack deploy / ls / services / ps / rm` with tswarm's CLI; docker's CLI deploys through the API the same way.
test('stacks: a compose file deploys, updates with a changed file, and is removed with nothing left', { timeout: 240_000 }, async (t) => {
  // A network namespace of its own: the stack's overlay takes a VXLAN ID in the namespace the daemon runs in,
  // and another test's swarm on this machine may hold the same ID at the same time.
  const ns = `tswstack${process.pid}`;
  assert.equal((await run('ip', ['netns', 'add', ns])).code, 0);
  t.after(() => run('ip', ['netns', 'del', ns]));
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const d = await startTswarmd({ executor: 'process', netns: `/var/run/netns/${ns}`, listenAddr: '127.0.0.1:2377' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-stack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'db_pass.txt'), 's3cret');
  await writeFile(join(dir, 'app.conf'), 'listen 80\n');
  await writeFile(join(dir, 'v1.yml'), V1);
  await writeFile(join(dir, 'v2.yml'), V2);
  const cli = (...a: string[]) => run(process.execPath, [TSWARM_BIN, ...a], { DOCKER_HOST: d.host });
  const nothingLeft = async () => {
    for (const kind of ['service', 'secret', 'config']) assert.deepEqual(lines(await docker(d.host, kind, 'ls', '-q')), [], `${kind}s left`);
    const nets = await docker(d.host, 'network', 'ls', '--filter', 'label=com.docker.stack.namespace=shop', '-q');
    assert.deepEqual(lines(nets), [], 'networks left');
    // nor anything of the tasks on the host: their directories (processes, logs) and secret files
    await eventually(async () => (await readdir(join(d.dataRoot, 'executor', 'tasks')).catch(() => [])).length === 0
      && (await readdir(join(runDir(d.dataRoot), 'task-files')).catch(() => [])).length === 0, 30_000, 'task directories removed');
  };

  const up = await cli('stack', 'deploy', '-c', join(dir, 'v1.yml'), '--resolve-image', 'never', 'shop');
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout, 'Creating network shop_back\nCreating network shop_default\nCreating network shop_front\nCreating secret shop_db_pass\nCreating config shop_app_cfg\nCreating service shop_web\nCreating service shop_worker\n');
  assert.equal((await docker(d.host, 'network', 'inspect', 'shop_back', '--format', '{{.Driver}} {{.Scope}} {{json .Labels}}')).stdout.trim(), 'overlay swarm {"com.docker.stack.namespace":"shop","tier":"data"}');
  assert.equal((await docker(d.host, 'service', 'inspect', 'shop_web', '--format', '{{len .Spec.TaskTemplate.Networks}}')).stdout.trim(), '2');
  assert.match(up.stderr, /Since --detach=false was not specified/);
  assert.deepEqual(lines(await tswarm(d.host, 'stack', 'ls')), ['NAME      SERVICES', 'shop      2']);
  const svc = await docker(d.host, 'service', 'inspect', 'shop_web', '--format',
    '{{json .Spec.Labels}} {{json .Spec.TaskTemplate.ContainerSpec.Labels}} {{.Spec.Mode.Replicated.Replicas}} {{json .Spec.TaskTemplate.ContainerSpec.Env}} {{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}} {{.Spec.TaskTemplate.ContainerSpec.Healthcheck.Interval}} {{.Spec.UpdateConfig.Order}}');
  assert.equal(svc.stdout.trim(), '{"com.docker.stack.image":"busybox","com.docker.stack.namespace":"shop","owner":"team-a"} {"com.docker.stack.namespace":"shop","tier":"shop"} 2 ["MODE=production"] 67108864 2s start-first');
  await eventually(async () => (await tswarm(d.host, 'stack', 'services', 'shop', '--format', '{{.Name}} {{.Replicas}}')).stdout === 'shop_web 2/2\nshop_worker 1/1\n', 60_000, 'stack converged');
  const ps = await tswarm(d.host, 'stack', 'ps', 'shop', '--format', '{{.Name}} {{.DesiredState}}');
  assert.deepEqual(lines(ps).sort(), ['shop_web.1 Running', 'shop_web.2 Running', `shop_worker.${lines(await docker(d.host, 'node', 'ls', '-q'))[0]} Running`].sort());

  // A changed file: the web service is updated, the secret stays (same data), --prune drops the worker.
  const again = await cli('stack', 'deploy', '-c', join(dir, 'v2.yml'), '--prune', '-d', 'shop');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^Removing service shop_worker\nUpdating service shop_web \(id: \w+\)\n$/);
  assert.equal((await docker(d.host, 'service', 'inspect', 'shop_web', '--format', '{{.Spec.Mode.Replicated.Replicas}} {{json .Spec.TaskTemplate.ContainerSpec.Env}}')).stdout.trim(), '1 ["MODE=staging"]');
  assert.deepEqual(lines(await tswarm(d.host, 'stack', 'ls')), ['NAME      SERVICES', 'shop      1']);

  const down = await cli('stack', 'rm', 'shop');
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stdout, 'Removing service shop_web\nRemoving secret shop_db_pass\nRemoving config shop_app_cfg\nRemoving network shop_back\nRemoving network shop_default\nRemoving network shop_front\n');
  await nothingLeft();
  const none = await cli('stack', 'rm', 'shop');
  assert.equal(none.stderr, 'Nothing found in stack: shop\n');

  await t.test('the docker CLI deploys the same file through the API', async () => {
    const r = await run('docker', ['stack', 'deploy', '-c', join(dir, 'v1.yml'), '--resolve-image', 'never', 'shop'], { DOCKER_HOST: d.host });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Creating network shop_default/);
    assert.match(r.stdout, /Creating service shop_web/);
    await eventually(async () => (await docker(d.host, 'stack', 'services', 'shop', '--format', '{{.Name}} {{.Replicas}}')).stdout === 'shop_web 2/2\nshop_worker 1/1\n', 60_000, 'converged');
    assert.deepEqual(lines(await docker(d.host, 'stack', 'ls', '--format', '{{.Name}} {{.Services}}')), ['shop 2']);
    // tswarm's CLI prints what the docker CLI prints for the same stack
    for (const args of [['stack', 'ls'], ['stack', 'services', 'shop'], ['stack', 'ps', 'shop', '--format', '{{.Name}} {{.Image}} {{.Node}} {{.DesiredState}}'],
      ['stack', 'ps', '-q', 'shop'], ['stack', 'services', '-q', 'shop'], ['stack', 'ps', 'nosuch'], ['stack', 'services', 'nosuch']]) {
      const [mine, theirs] = await Promise.all([tswarm(d.host, ...args), docker(d.host, ...args)]);
      assert.deepEqual([mine.code, lines(mine).sort(), mine.stderr], [theirs.code, lines(theirs).sort(), theirs.stderr], args.join(' '));
    }
    const rmr = await run('docker', ['stack', 'rm', 'shop'], { DOCKER_HOST: d.host });
    assert.equal(rmr.code, 0, rmr.stderr);
    await eventually(async () => { await nothingLeft(); return true; }, 30_000, 'nothing left');
  });
});

// Bad compose files: the docker CLI's words from tswarm's CLI too, and nothing is made.
test('stack deploy refuses bad compose files with the docker CLI\'s messages', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-stack-bad-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cases: [string, string][] = [
    ['unknown-key', 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    foo: 1\n'],
    ['unknown-deploy-key', 'services:\n  web:\n    image: busybox\n    deploy:\n      foo: 1\n'],
    ['unknown-top-key', 'version: "3.8"\nfoo: 1\nservices:\n  web:\n    image: busybox\n'],
    ['bad-type', 'services:\n  web:\n    image: busybox\n    deploy:\n      replicas: two\n'],
    ['bad-version', 'version: "2"\nservices:\n  web:\n    image: busybox\n'],
    ['missing-variable', 'services:\n  web:\n    image: ${TSWARM_UNSET_IMG:?need an image}\n'],
    ['no-image', 'services:\n  web:\n    command: true\n'],
    ['forbidden', 'services:\n  web:\n    image: busybox\n    mem_limit: 1g\n'],
    ['not-a-mapping', '- a\n- b\n'],
    // Broken YAML: go-yaml's words and line numbers, as the docker CLI prints them.
    ['yaml-tab', 'services:\n  web:\n\timage: busybox\n'],
    ['yaml-unclosed-flow', 'services:\n  web:\n    image: busybox\n  bad: [\n'],
    ['yaml-unclosed-map', 'services: {web: {image: busybox}\n'],
    ['yaml-indent', 'services:\n  web:\n    image: busybox\n   command: x\n'],
    ['yaml-seq-indent', 'services:\n  web:\n    image: busybox\n    ports:\n      - 80\n     - 81\n'],
    ['yaml-duplicate', 'services:\n  web:\n    image: busybox\n    image: alpine\n  web:\n    image: x\n'],
    ['yaml-quote', 'services:\n  web:\n    image: "busybox\n'],
    ['yaml-mapping-value', 'services:\n  web:\n    image: busybox\n    environment: a: b\n'],
    ['yaml-anchor', 'services:\n  web:\n    image: *nope\n'],
    ['yaml-reserved', 'services:\n  web:\n    image: busybox\n@foo: 1\n'],
    // A line starting with ': ' (an entry with no key), at the top and in a service.
    ['yaml-no-key-top', 'services:\n  web:\n    image: busybox\n: x\n'],
    ['yaml-no-key-first', ': x\nservices:\n  web:\n    image: busybox\n'],
    ['yaml-no-key', 'services:\n  web:\n    image: busybox\n    environment:\n      A: 1\n      : 2\n'],
    // Unclosed flow collections on the first line, their fault on a later one.
    ['yaml-flow-comment', 'x-a: [a\n# c\nservices:\n  web:\n    image: busybox\n'],
    ['yaml-flow-two-lines', 'x-a: [a, b\nservices:\n  web:\n    image: busybox\n'],
    ['yaml-flow-key-two-lines', 'x-a: {a: 1\n  b: 2}\nservices:\n  web:\n    image: busybox\n'],
    ['yaml-flow-closed', 'x-a: [a,\n  b\n  # c\n  d]\nservices:\n  web:\n    image: busybox\n'],
    // Keys that are not strings (`~:` is a null key): go-yaml makes a map[interface{}]interface{} of their mapping.
    ['null-key', 'services:\n  web:\n    image: busybox\n    ~: 1\n'],
    ['null-key-top', 'version: "3.8"\n~: 1\nservices:\n  web:\n    image: busybox\n'],
    ['null-key-service', 'services:\n  ~:\n    image: busybox\n    mem_limit: 1g\n'],
    ['null-word-key', 'services:\n  web:\n    image: busybox\n    deploy:\n      null: x\n'],
    ['int-bool-date-keys', 'services:\n  web:\n    image: busybox\n    labels:\n      1: a\n      true: b\n      2001-01-01: c\n'],
    ['null-key-anchor', 'x-a: &a {~: 1}\nservices:\n  web:\n    image: busybox\n'],
    ['null-key-forbidden-beside', 'services:\n  web:\n    image: busybox\n    mem_limit: 1g\n    labels: {~: x}\n'],
    ['null-key-interpolation-first', 'services:\n  web:\n    image: ${TSWARM_UNSET_IMG:?need an image}\n    labels: {~: x}\n'],
    ['quoted-tilde-key', 'services:\n  web:\n    image: busybox\n    "~": 1\n'],
    // A sequence or a mapping as a key: go-yaml's "invalid map key" with the key as Go source (%#v).
    ['list-key', 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    [a, b]: 1\n'],
    ['map-key', 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    {a: 1}: x\n'],
    ['list-key-top', 'version: "3.8"\n[x]: 1\nservices:\n  web:\n    image: busybox\n'],
    ['explicit-list-key-service', 'services:\n  ? [a, b]\n  : image: busybox\n'],
    ['explicit-map-key-env', 'services:\n  web:\n    image: busybox\n    environment:\n      ? {a: 1}\n      : x\n'],
    ['mixed-list-key', 'services:\n  web:\n    image: busybox\n    ? [1, 2.5, true, ~, "q", x, {b: 2, a: [1]}, {1: 2}]\n    : 1\n'],
    ['alias-list-key', 'x-a: &a [1]\nservices:\n  web:\n    image: busybox\n    *a : 1\n'],
    ['flow-list-key', 'services:\n  web: {image: busybox, [a]: 1}\n'],
  ];
  for (const [name, text] of cases) {
    const f = join(dir, `${name}.yml`);
    await writeFile(f, text);
    const [mine, theirs] = await Promise.all([tswarm(d.host, 'stack', 'deploy', '-c', f, name), docker(d.host, 'stack', 'deploy', '-c', f, name)]);
    assert.equal(mine.code, 1, name);
    assert.notEqual(theirs.code, 0, name);
    const last = (r: RunResult) => r.stderr.replace(/^Since --detach[^]*?default\.\n/, '').trim();
    assert.equal(last(mine), last(theirs), name);
  }
  for (const kind of ['service', 'secret', 'config']) assert.deepEqual(lines(await docker(d.host, kind, 'ls', '-q')), [], `no ${kind}`);
  assert.deepEqual(lines(await docker(d.host, 'network', 'ls', '-q', '--filter', 'label=com.docker.stack.namespace')), [], 'no network');
});
