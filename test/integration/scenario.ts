import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { docker, eventually, httpGet, type Tswarmd } from '../helpers/tswarmd.js';

export interface ScenarioOptions {
  image: string;
  /** argv of a web server answering its own identity on `port` (target 80). */
  webCommand: string[];
  /** argv of a long-running idle task. */
  idleCommand: string[];
  publishedPort: number;
}

const lines = (s: string) => s.trim().split('\n').filter(Boolean);

/** Tasks of a service by state, from `docker service ps` as a user reads it. */
export async function runningTasks(d: Tswarmd, service: string): Promise<string[]> {
  const r = await docker(d.host, 'service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Name}} {{.CurrentState}}', service);
  return lines(r.stdout).filter((l) => / Running /.test(l));
}

/** The walk-through of the README, with the real docker CLI against a tswarm daemon. */
export async function swarmScenario(t: TestContext, d: Tswarmd, o: ScenarioOptions) {
  const dk = (...a: string[]) => docker(d.host, ...a);

  await t.test('swarm init and node ls', async () => {
    const init = await dk('swarm', 'init', '--advertise-addr', '127.0.0.1');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Swarm initialized: current node \((\w+)\) is now a manager/);
    const ls = await eventually(async () => {
      const r = await dk('node', 'ls');
      return / Ready /.test(r.stdout) ? r : undefined;
    }, 10_000, 'node Ready');
    const [header, row] = lines(ls.stdout);
    assert.match(header, /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ENGINE VERSION$/);
    assert.match(row, /\*\s+\S+\s+Ready\s+Active\s+Leader/);
  });

  await t.test('service create with a published port answers, balanced over 3 tasks', async () => {
    const r = await dk('service', 'create', '--name', 'web', '--replicas', '3', '-p', `${o.publishedPort}:80`, '--detach', o.image, ...o.webCommand);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\w{25}$/);
    await eventually(async () => (await runningTasks(d, 'web')).length === 3, 60_000, '3 running tasks');
    const seen = await eventually(async () => {
      const answers = new Set<string>();
      for (let i = 0; i < 9; i++) answers.add((await httpGet(o.publishedPort)).trim());
      return answers.size === 3 ? answers : undefined;
    }, 30_000, 'answers from 3 distinct tasks');
    assert.equal(seen.size, 3);
    const ls = await dk('service', 'ls');
    assert.match(ls.stdout, new RegExp(`web\\s+replicated\\s+3/3\\s+${o.image.replace(/[.:]/g, '\\$&')}(:latest)?\\s+\\*:${o.publishedPort}->80/tcp`));
  });

  await t.test('service ps, inspect --pretty and logs', async () => {
    const ps = await dk('service', 'ps', 'web');
    const rows = lines(ps.stdout);
    assert.match(rows[0], /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS$/);
    assert.equal(rows.length, 4);
    for (const row of rows.slice(1)) assert.match(row, /web\.[123]\s+\S+\s+\S+\s+Running\s+Running/);
    const pretty = await dk('service', 'inspect', '--pretty', 'web');
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /Name:\s+web/);
    assert.match(pretty.stdout, /Replicas:\s+3/);
    const logs = await dk('service', 'logs', 'web');
    assert.equal(logs.code, 0, logs.stderr);
  });

  await t.test('scale and update --replicas', async () => {
    const sc = await dk('service', 'scale', '--detach', 'web=5');
    assert.equal(sc.code, 0, sc.stderr);
    assert.match(sc.stdout, /web scaled to 5/);
    await eventually(async () => (await runningTasks(d, 'web')).length === 5, 60_000, '5 running');
    const up = await dk('service', 'update', '--detach', '--replicas', '2', 'web');
    assert.equal(up.code, 0, up.stderr);
    await eventually(async () => (await runningTasks(d, 'web')).length === 2, 60_000, '2 running');
  });

  await t.test('update --env-add replaces the tasks with the new spec', async () => {
    const before = await runningTasks(d, 'web');
    const up = await dk('service', 'update', '--detach', '--env-add', 'A=1', 'web');
    assert.equal(up.code, 0, up.stderr);
    const env = await dk('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}', 'web');
    assert.match(env.stdout, /"A=1"/);
    await eventually(async () => {
      const ids = await dk('service', 'ps', '-q', '--filter', 'desired-state=running', 'web');
      const now = await runningTasks(d, 'web');
      return now.length === 2 && lines(ids.stdout).length === 2 && JSON.stringify(now) !== JSON.stringify(before) ? true : undefined;
    }, 90_000, 'tasks replaced');
    await eventually(async () => {
      const st = await dk('service', 'inspect', '--format', '{{.UpdateStatus.State}}', 'web');
      return st.stdout.trim() === 'completed';
    }, 90_000, 'update completed');
  });

  await t.test('global service and node availability and labels', async () => {
    const g = await dk('service', 'create', '--name', 'g', '--mode', 'global', '--detach', o.image, ...o.idleCommand);
    assert.equal(g.code, 0, g.stderr);
    await eventually(async () => (await runningTasks(d, 'g')).length === 1, 60_000, 'global task running');
    const self = (await dk('node', 'inspect', '--format', '{{.ID}}', 'self')).stdout.trim();
    assert.equal((await dk('node', 'update', '--label-add', 'k=v', self)).code, 0);
    assert.equal((await dk('node', 'inspect', '--format', '{{index .Spec.Labels "k"}}', self)).stdout.trim(), 'v');
    assert.equal((await dk('node', 'update', '--availability', 'drain', self)).code, 0);
    await eventually(async () => (await runningTasks(d, 'g')).length === 0 && (await runningTasks(d, 'web')).length === 0, 60_000, 'drained');
    const ls = await dk('node', 'ls');
    assert.match(ls.stdout, /Ready\s+Drain\s+Leader/);
    assert.equal((await dk('node', 'update', '--availability', 'active', self)).code, 0);
    await eventually(async () => (await runningTasks(d, 'g')).length === 1 && (await runningTasks(d, 'web')).length === 2, 60_000, 'active again');
  });

  await t.test('service rm and swarm leave', async () => {
    const rm = await dk('service', 'rm', 'web', 'g');
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual(lines(rm.stdout), ['web', 'g']);
    await eventually(async () => lines((await dk('service', 'ls', '-q')).stdout).length === 0, 10_000, 'no services');
  });
}
