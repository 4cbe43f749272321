import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, run, startTswarmd, TSWARM_BIN, type RunResult } from '../../helpers/tswarmd.js';

// Two files as a user splits a stack: a base and a production override touching every kind of list docker merges.
const BASE = `version: "3.8"
services:
  web:
    image: busybox
    command: ["sleep", "1"]
    environment: [A=1, B=2]
    labels: {l1: a}
    ports: ["8080:80", "9090:90"]
    volumes: ["data:/data", "/tmp:/host:ro"]
    secrets: [s1, {source: s2, target: t2}]
    dns: [1.1.1.1]
    extra_hosts: ["a:1.2.3.4"]
    networks: [front]
    deploy:
      replicas: 2
      placement: {constraints: [node.role==manager]}
      resources: {limits: {memory: 64M}}
      labels: [dl=1]
  db:
    image: busybox
secrets: {s1: {file: ./s1}, s2: {file: ./s2}}
networks: {front: {driver: overlay, labels: {x: "1"}}}
volumes: {data: {}}
`;
const OVERRIDE = `version: "3.8"
services:
  web:
    image: busybox:1
    command: ["sleep", "2"]
    environment: {B: 3, C: 4}
    labels: [l2=b]
    ports: ["8080:80", {target: 70, published: 7070}]
    volumes: [{type: volume, source: other, target: /data}, "/etc:/e"]
    secrets: [{source: s1, target: t1}]
    dns: 8.8.8.8
    extra_hosts: ["b:5.6.7.8"]
    networks: {back: {aliases: [w]}}
    deploy:
      placement: {constraints: [node.role!=worker]}
      resources: {limits: {cpus: "0.5"}}
      labels: {dl2: "2"}
  cache:
    image: busybox
networks: {front: {driver: overlay, attachable: true}, back: {driver: overlay}}
volumes: {other: {}}
`;

// What merging decides, read back from the swarm (namespace written as NS).
const SPEC = ['{{.Spec.TaskTemplate.ContainerSpec.Image}}', '{{json .Spec.TaskTemplate.ContainerSpec.Args}}', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
  '{{json .Spec.TaskTemplate.ContainerSpec.Labels}}', '{{range .Spec.EndpointSpec.Ports}}{{.Protocol}}/{{.TargetPort}}:{{.PublishedPort}}/{{.PublishMode}} {{end}}',
  '{{range .Spec.TaskTemplate.ContainerSpec.Mounts}}{{.Type}}:{{.Source}}:{{.Target}}:{{.ReadOnly}} {{end}}',
  '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}:{{.File.Name}} {{end}}', '{{json .Spec.TaskTemplate.Placement.Constraints}}',
  '{{json .Spec.TaskTemplate.ContainerSpec.Hosts}}', '{{json .Spec.TaskTemplate.ContainerSpec.DNSConfig.Nameservers}}',
  '{{json .Spec.TaskTemplate.Resources.Limits}}', '{{.Spec.Mode.Replicated.Replicas}}', '{{json .Spec.Labels}}'].join('|');

const lines = (r: RunResult) => r.stdout.trim().split('\n').filter(Boolean);

test('stack deploy -c base -c override: merged as the docker CLI merges; .env read by tswarm\'s CLI', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-stack-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [f, text] of [['base.yml', BASE], ['prod.yml', OVERRIDE], ['s1', 'one'], ['s2', 'two']]) await writeFile(join(dir, f), text);
  const tsw = (env: Record<string, string>, ...a: string[]) => run(process.execPath, [TSWARM_BIN, ...a], { DOCKER_HOST: d.host, ...env });
  const spec = async (ns: string, svc: string) => (await docker(d.host, 'service', 'inspect', `${ns}_${svc}`, '--format', SPEC)).stdout.trim().replaceAll(ns, 'NS');
  const gone = (ns: string) => eventually(async () => lines(await docker(d.host, 'network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${ns}`)).length === 0, 30_000, `${ns} removed`);
  const files = ['-c', join(dir, 'base.yml'), '-c', join(dir, 'prod.yml')];

  // The docker CLI (28.2) merges the two files itself; tswarm's CLI must send the same services.
  const theirs = await docker(d.host, 'stack', 'deploy', ...files, '--resolve-image', 'never', '-d', 'dk');
  assert.equal(theirs.code, 0, theirs.stderr);
  const want = { web: await spec('dk', 'web'), db: await spec('dk', 'db'), cache: await spec('dk', 'cache') };
  assert.match(want.web, /^busybox:1\|\["sleep","2"\]\|\["A=1","B=3","C=4"\]\|/);
  assert.equal((await docker(d.host, 'stack', 'rm', 'dk')).code, 0);
  await gone('dk');
  const mine = await tsw({}, 'stack', 'deploy', ...files, '--resolve-image', 'never', '-d', 'ts');
  assert.equal(mine.code, 0, mine.stderr);
  assert.equal(mine.stdout.split('\n').filter((l) => l.startsWith('Creating service')).join(','), 'Creating service ts_cache,Creating service ts_db,Creating service ts_web');
  for (const svc of ['web', 'db', 'cache'] as const) assert.equal(await spec('ts', svc), want[svc], svc);
  const net = await docker(d.host, 'network', 'inspect', 'ts_front', '--format', '{{.Attachable}} {{json .Labels}}');
  assert.equal(net.stdout.trim(), 'true {"com.docker.stack.namespace":"ts"}', 'a network of the same name is replaced whole');
  assert.equal((await tsw({}, 'stack', 'rm', 'ts')).code, 0);
  await gone('ts');

  await t.test('.env beside the compose file: ${VAR}, ${VAR:-default}, $$, the environment first', async () => {
    await writeFile(join(dir, '.env'), '# settings\nexport IMG=busybox:fromdotenv\nREPLICAS=3\nGREETING="hello ${WHO:-world}"\nRAW=\'$not_expanded\' # comment\n');
    await writeFile(join(dir, 'env.yml'), 'version: "3.8"\nservices:\n  app:\n    image: ${IMG:-busybox}\n    environment:\n      - G=${GREETING}\n      - R=${RAW}\n      - P=$${IMG}\n      - TAG=${TAG?set TAG}\n    deploy:\n      replicas: ${REPLICAS:-1}\n');
    const fmt = '{{.Spec.TaskTemplate.ContainerSpec.Image}} {{.Spec.Mode.Replicated.Replicas}} {{json .Spec.TaskTemplate.ContainerSpec.Env}}';
    const r = await tsw({ REPLICAS: '2', TAG: 'v1' }, 'stack', 'deploy', '-c', join(dir, 'env.yml'), '--resolve-image', 'never', '-d', 'envs');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await docker(d.host, 'service', 'inspect', 'envs_app', '--format', fmt)).stdout.trim(),
      'busybox:fromdotenv 2 ["G=hello world","P=${IMG}","R=$not_expanded","TAG=v1"]');
    const missing = await tsw({}, 'stack', 'deploy', '-c', join(dir, 'env.yml'), 'envs2');
    assert.equal(missing.code, 1);
    const theirs = await run('docker', ['stack', 'deploy', '-c', join(dir, 'env.yml'), 'envs2'], { DOCKER_HOST: d.host });
    assert.equal(missing.stderr.trim(), theirs.stderr.trim().split('\n').at(-1));
    assert.match(missing.stderr, /^invalid interpolation format for services\.app\.environment\.\[\]: "required variable TAG is missing a value: set TAG"/);
    // The docker CLI's stack deploy reads no .env (28.2): the same file gets the defaults there.
    const cfg = await run('docker', ['stack', 'config', '-c', join(dir, 'env.yml')], { DOCKER_HOST: d.host, TAG: 'v1' });
    assert.match(cfg.stdout, /image: busybox\n/);
  });
});
