import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { docker, eventually, run, startTswarmd, TSWARM_BIN } from '../helpers/tswarmd.js';
import { ensureBusyboxImage } from '../helpers/image.js';
import { lockEngines, raw, referenceEngine, socketOf } from './invalid-input-engine.js';

const engine = process.env.TSWARM_TEST_DOCKER_HOST;

/** The templates of swarmkit's context, in Env, Hostname and a mount (source and target). */
const TEMPLATED = (name: string) => ['--label', 'lab=L1', '--env', 'N={{.Node.Hostname}}', '--env', 'S={{.Service.Name}} {{.Service.Labels}} {{.Service.ID}}',
  '--env', 'T={{.Task.Name}}|{{.Task.Slot}}|{{.Task.ID}}', '--env', 'P={{.Node.Platform.OS}} {{.Node.ID}}', '--env', 'J={{join "a" "b" "-"}}',
  '--env', 'E={{index .Service.Labels "lab"}}', '--env', 'NOEQ', '--hostname', '{{.Service.Name}}-{{.Task.Slot}}',
  '--mount', `type=volume,source=${name}-v{{.Task.Slot}},target=/m-{{.Task.Slot}}`];

// Docker expands Go templates in a service's Env, Hostname and mounts on the worker, per task: the same service
// made with the real docker CLI on tswarm (docker executor, then process executor) and on Docker 20.10 gives
// containers with the same environment, host name and volumes; a bad template is refused at create with Docker's
// words.
test('templated --env, --hostname and mounts, expanded per task as Docker 20.10 does', { timeout: 240_000, skip: !engine && process.env.CI !== 'true' ? 'no TSWARM_TEST_DOCKER_HOST (run scripts/test-engine.sh)' : false }, async (t) => {
  assert.ok(engine, 'CI must provide TSWARM_TEST_DOCKER_HOST');
  const release = await lockEngines();
  const ref = await referenceEngine();
  const image = await ensureBusyboxImage(engine);
  await ensureBusyboxImage(ref);
  const d = await startTswarmd({ executor: 'docker', dockerHost: engine });
  const p = `tp${randomBytes(3).toString('hex')}`;
  const svc = `${p}-svc`;
  const sides = [{ api: d.host, engine }, { api: ref, engine: ref }];
  t.after(async () => {
    await docker(ref, 'service', 'rm', svc);
    await d.stop('SIGKILL');
    for (const e of [engine, ref]) {
      await eventually(async () => {
        const left = (await docker(e, 'ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${svc}`)).stdout.trim().split('\n').filter(Boolean);
        if (left.length) await docker(e, 'rm', '-f', ...left);
        return left.length === 0;
      }, 30_000, 'containers removed').catch(() => undefined);
      await docker(e, 'volume', 'rm', `${svc}-v1`, `${svc}-v2`);
    }
    await release();
  });
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);

  for (const s of sides) {
    const r = await docker(s.api, 'service', 'create', '-d', '-q', '--name', svc, '--replicas', '2', '--stop-grace-period', '1s', ...TEMPLATED(svc), image, 'sleep', '86400');
    assert.equal(r.code, 0, r.stderr);
  }
  const seen = await Promise.all(sides.map(async (s) => {
    const ids = await eventually(async () => {
      const l = (await docker(s.engine, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${svc}`)).stdout.trim().split('\n').filter(Boolean);
      return l.length === 2 ? l : undefined;
    }, 60_000, `two tasks on ${s.engine}`);
    const node = (await docker(s.api, 'node', 'inspect', 'self', '--format', '{{.ID}} {{.Description.Hostname}}')).stdout.trim().split(' ');
    const serviceId = (await docker(s.api, 'service', 'inspect', svc, '--format', '{{.ID}}')).stdout.trim();
    const lines: string[] = [];
    for (const id of ids) {
      const r = await docker(s.engine, 'inspect', id, '--format',
        '{{index .Config.Labels "com.docker.swarm.task.id"}}\t{{json .Config.Env}}\t{{.Config.Hostname}}\t{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}');
      const [taskId, ...rest] = r.stdout.trim().split('\t');
      // The IDs each engine gives are its own: named where they appear.
      lines.push(rest.join('\t').replaceAll(taskId, '<task>').replaceAll(serviceId, '<service>').replaceAll(node[0], '<node>').replaceAll(node[1], '<hostname>').replaceAll(p, 'P'));
    }
    return lines.sort().join('\n');
  }));
  assert.equal(seen[0], seen[1], 'the containers as tswarm and Docker made them');
  assert.equal(seen[0].split('\n')[0],
    '["N=<hostname>","S=P-svc map[lab:L1] <service>","T=P-svc.1.<task>|1|<task>","P=linux <node>","J=ba-","E=L1","NOEQ"]\tP-svc-1\tvolume P-svc-v1 /m-1');

  await t.test('a bad template: refused at create with Docker\'s message, nothing made', async () => {
    for (const bad of [['--env', 'X={{.Nope}}'], ['--env', 'X={{.Service.Name'], ['--hostname', '{{.Service.Nope}}'],
      ['--mount', 'type=volume,source=v{{.Nope}},target=/v'], ['--mount', 'type=volume,source=v,target=/v,volume-label=a={{.X}}']]) {
      const [mine, theirs] = await Promise.all(sides.map((s) => docker(s.api, 'service', 'create', '-d', '-q', '--name', `${p}-bad`, ...bad, image, 'true')));
      assert.equal(theirs.code, 1, `Docker refused ${bad.join(' ')}`);
      assert.deepEqual([mine.code, mine.stderr], [theirs.code, theirs.stderr], bad.join(' '));
      assert.equal((await docker(d.host, 'service', 'ls', '-q', '--filter', `name=${p}-bad`)).stdout, '');
    }
  });

  // The process executor runs the task as host processes: its environment expanded the same way.
  await t.test('the process executor expands the same templates', async () => {
    const pd = await startTswarmd({ executor: 'process' });
    t.after(() => pd.stop('SIGKILL'));
    assert.equal((await docker(pd.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
    const r = await docker(pd.host, 'service', 'create', '-d', '-q', '--name', svc, '--label', 'lab=L1', '--env', 'T={{.Task.Name}}|{{.Task.Slot}}',
      '--env', 'S={{.Service.Name}} {{.Service.Labels}}', '--env', 'N={{.Node.Hostname}}', 'busybox', 'sh', '-c', 'echo "$T/$S/$N"; exec sleep 86400');
    assert.equal(r.code, 0, r.stderr);
    const hostname = (await docker(pd.host, 'node', 'inspect', 'self', '--format', '{{.Description.Hostname}}')).stdout.trim();
    const task = (await raw(socketOf(pd.host), 'GET', `/v1.41/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`)).json;
    const logs = await eventually(async () => {
      const l = await run(process.execPath, [TSWARM_BIN, 'service', 'logs', '--raw', svc], { DOCKER_HOST: pd.host });
      return l.stdout.trim() || undefined;
    }, 30_000, 'the task\'s output');
    assert.equal(logs, `${svc}.1.${task[0].ID}|1/${svc} map[lab:L1]/${hostname}`);
  });
});
