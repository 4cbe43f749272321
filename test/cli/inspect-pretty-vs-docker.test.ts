import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, dockerWithInput, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';
import { lockEngines, referenceEngine } from '../integration/invalid-input-engine.js';

// `service inspect --pretty`: the docker CLI renders it itself, so on the same daemon it is the reference for
// tswarm's CLI; what it renders depends on the server (defaults filled in, allocated ports), so the docker CLI's
// text on tswarm is also compared with its text on Docker 20.10 for services made with the same flags.

/** Services by name (P_ is this run's prefix), as flags of `docker service create`; none runs a task on Docker. */
const SERVICES: Record<string, string[]> = {
  rich: ['--replicas', '0', '-p', 'PORT1:80', '-p', 'published=PORT2,target=90,mode=host,protocol=udp',
    '--mount', 'type=volume,source=v1,target=/data', '--mount', 'type=bind,source=/tmp,target=/host,readonly', '--mount', 'type=tmpfs,target=/tm',
    // one reference of each: the docker CLI sends several in Go's (random) map order
    '--secret', 'source=P_sec,target=alt,uid=100,gid=100,mode=0400', '--config', 'source=P_cfg,target=/etc/c.conf',
    '--update-parallelism', '2', '--update-delay', '5s', '--update-failure-action', 'rollback', '--update-monitor', '1m30s',
    '--update-max-failure-ratio', '0.3', '--update-order', 'start-first', '--rollback-parallelism', '1', '--rollback-delay', '2500ms',
    '--rollback-failure-action', 'continue', '--rollback-monitor', '3s', '--rollback-order', 'stop-first', '--rollback-max-failure-ratio', '0.1',
    '--limit-cpu', '0.5', '--limit-memory', '64M', '--reserve-cpu', '0.25', '--reserve-memory', '32M',
    '--constraint', 'node.role==manager', '--constraint', 'node.labels.x != y', '--placement-pref', 'spread=node.labels.zone', '--replicas-max-per-node', '2',
    '--health-cmd', 'true', '--health-interval', '2s', '--health-retries', '3', '--health-timeout', '1s', '--health-start-period', '4s',
    '--label', 'b=2', '--label', 'a=1', '--container-label', 'c=d', '-e', 'FOO=bar', '-e', 'X=y', '--network', 'P_net', '--hostname', 'hh',
    '--user', 'nobody', '--workdir', '/w', '--stop-signal', 'SIGINT', '--stop-grace-period', '7s', '--restart-condition', 'on-failure',
    '--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_TIME', '--init', '--entrypoint', '/bin/sh', '--sysctl', 'net.core.somaxconn=1024',
    '--sysctl', 'net.ipv4.ip_forward=1', '--read-only', 'busybox', '-c', 'sleep 1000'],
  small: ['--replicas', '0', '--secret', 'P_sec', '--config', 'P_cfg', '--limit-pids', '50', '--cap-drop', 'CHOWN', '--no-healthcheck', '--label', 'k', '--label', 'e=',
    '--limit-memory', '5000000', '--reserve-memory', '1.5G', '--reserve-cpu', '3', '--limit-cpu', '0.001', 'busybox'],
  plain: ['--replicas', '0', 'busybox', 'sleep', '1000'],
  dnsrr: ['--replicas', '0', '--endpoint-mode', 'dnsrr', '--health-cmd', 'true', '--network', 'P_net', 'busybox'],
  glob: ['--mode', 'global', '--constraint', 'node.labels.none==1', 'busybox', 'top'],
  rjob: ['--mode', 'replicated-job', '--replicas', '0', '--max-concurrent', '2', 'busybox', 'true'],
  gjob: ['--mode', 'global-job', '--constraint', 'node.labels.none==1', 'busybox', 'true'],
};

async function makeObjects(host: string, p: string, dir: string, ports: [number, number]) {
  const named = (args: string[]) => args.map((a) => a.replaceAll('P_', `${p}_`).replace('PORT1', String(ports[0])).replace('PORT2', String(ports[1])));
  const steps = [
    await dockerWithInput(host, 's3cret', 'secret', 'create', `${p}_sec`, '-'),
    await docker(host, 'config', 'create', `${p}_cfg`, join(dir, 'c.conf')),
    await docker(host, 'network', 'create', '-d', 'overlay', `${p}_net`),
  ];
  for (const [name, flags] of Object.entries(SERVICES)) steps.push(await docker(host, 'service', 'create', '-d', '-q', '--name', `${p}_${name}`, ...named(flags)));
  for (const s of steps) assert.equal(s.code, 0, s.stderr);
}

async function removeObjects(host: string, p: string) {
  await docker(host, 'service', 'rm', ...Object.keys(SERVICES).map((n) => `${p}_${n}`));
  await eventually(async () => (await docker(host, 'network', 'rm', `${p}_net`)).code === 0, 30_000, 'network removed').catch(() => undefined);
  await docker(host, 'secret', 'rm', `${p}_sec`);
  await docker(host, 'config', 'rm', `${p}_cfg`);
}

const outcome = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

test('service inspect --pretty: tswarm prints what docker prints, and the docker CLI prints the same on tswarm and Docker 20.10', { timeout: 240_000 }, async (t) => {
  // Services are made on the reference: a test comparing its whole store must not run beside this one.
  const release = await lockEngines();
  const ref = await referenceEngine();
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-pretty-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'c.conf'), 'listen 80\n');
  // Names and published ports of this run only: the reference engine is shared.
  const p = `t${randomBytes(3).toString('hex')}`;
  const ports: [number, number] = [30000 + Math.floor(Math.random() * 2000) * 2, 0];
  ports[1] = ports[0] + 1;
  t.after(async () => { await removeObjects(ref, p); await release(); });
  await makeObjects(d.host, p, dir, ports);
  await makeObjects(ref, p, dir, ports);
  const names = Object.keys(SERVICES).map((n) => `${p}_${n}`);

  await t.test('the same daemon: tswarm and docker', async () => {
    const upd = `${p}_upd`;
    const state = async () => (await docker(d.host, 'service', 'inspect', '-f', '{{.UpdateStatus.State}}', upd)).stdout.trim();
    const same = async (...args: string[]) => {
      let [a, b] = await Promise.all([docker(d.host, 'service', 'inspect', ...args), tswarm(d.host, 'service', 'inspect', ...args)]);
      // "Started: N seconds ago" may tick between the two runs
      for (let i = 0; i < 3 && a.stdout !== b.stdout; i++) [a, b] = await Promise.all([docker(d.host, 'service', 'inspect', ...args), tswarm(d.host, 'service', 'inspect', ...args)]);
      assert.deepEqual(outcome(b), outcome(a), `service inspect ${args.join(' ')}`);
      return a;
    };
    // UpdateStatus as an update goes, completes, and is rolled back
    assert.equal((await docker(d.host, 'service', 'create', '-d', '-q', '--name', upd, '--update-monitor', '1s', '--rollback-monitor', '1s', 'busybox', 'top')).code, 0);
    await eventually(async () => (await docker(d.host, 'service', 'ls', '--filter', `name=${upd}`, '--format', '{{.Replicas}}')).stdout.trim() === '1/1', 30_000, 'upd running');
    assert.equal((await docker(d.host, 'service', 'update', '-d', '--env-add', 'A=1', upd)).code, 0);
    await same('--pretty', upd);
    await eventually(async () => await state() === 'completed', 30_000, 'update completed');
    assert.match((await same('--pretty', upd)).stdout, /\nUpdateStatus:\n State:\t\tcompleted\n Started:\t.* ago\n Completed:\t.* ago\n Message:\tupdate completed\n/);
    assert.equal((await docker(d.host, 'service', 'rollback', '-d', upd)).code, 0);
    await same('--pretty', upd);
    await eventually(async () => await state() === 'rollback_completed', 30_000, 'rollback completed');
    assert.match((await same('--pretty', upd)).stdout, /\nUpdateStatus:\n State:\t\trollback_completed\n Started:\t.* ago\n Message:\trollback completed\n/);

    const cases = [...names.map((n) => ['--pretty', n]), ['--pretty', ...names], ['--format', 'pretty', `${p}_rich`],
      ['--pretty', `${p}_nope`, `${p}_plain`], ['--pretty', `${p}_plain`, `${p}_nope`], ['--pretty', '--format', '{{.ID}}', `${p}_plain`],
      ['--format', 'prettyx', `${p}_plain`], ['--format', 'raw{{.Spec.Name}}', `${p}_plain`], [`${p}_plain`, `${p}_nope`], ['-f', '{{.Spec.Name}}', `${p}_nope`]];
    let rendered = 0;
    for (const args of cases) {
      const a = await same(...args);
      if (a.code === 0 && a.stdout.includes('Endpoint Mode:')) rendered++;
    }
    assert.equal(rendered, names.length + 2, 'docker rendered every service');
    const rich = (await tswarm(d.host, 'service', 'inspect', '--pretty', `${p}_rich`)).stdout;
    assert.match(rich, new RegExp(`\nNetworks: ${p}_net \nEndpoint Mode:\tvip\nPorts:\n PublishedPort = ${ports[0]}\n`));
    assert.match(rich, /\n Max failure ratio: 0\.3\n Update order:      start-first\n/);
  });

  await t.test('tswarm and Docker 20.10: the docker CLI\'s text', async () => {
    const norm = (s: string) => s.replaceAll(`${p}_`, 'P_').replace(/\b[a-z0-9]{25}\b/g, '<id>');
    for (const n of names) {
      const [mine, theirs] = await Promise.all([docker(d.host, 'service', 'inspect', '--pretty', n), docker(ref, 'service', 'inspect', '--pretty', n)]);
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.equal(norm(mine.stdout), norm(theirs.stdout), n);
    }
  });
});
