import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';

function tasks(socket: string, service: string): Promise<any[]> {
  return new Promise((res, rej) => {
    const f = encodeURIComponent(JSON.stringify({ service: [service] }));
    const r = request({ socketPath: socket, path: `/v1.47/tasks?filters=${f}` }, (resp) => {
      let b = '';
      resp.on('data', (c) => (b += c));
      resp.on('end', () => res(JSON.parse(b)));
    });
    r.on('error', rej);
    r.end();
  });
}

test('restart policies: killed tasks come back; on-failure stops after max attempts; none never restarts', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(() => d.stop('SIGKILL'));
  const dk = (...a: string[]) => docker(d.host, ...a);
  assert.equal((await dk('swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);

  await t.test('a killed task is replaced in its slot (condition any)', async () => {
    assert.equal((await dk('service', 'create', '-d', '--name', 'sleeper', '--restart-delay', '200ms', 'busybox', 'sleep', '86400')).code, 0);
    const first = await eventually(async () => (await tasks(d.socket, 'sleeper')).find((x) => x.Status.State === 'running'), 30_000, 'running');
    process.kill(first.Status.ContainerStatus.PID, 'SIGKILL');
    const replaced = await eventually(async () => {
      const all = await tasks(d.socket, 'sleeper');
      return all.length === 2 && all.find((x) => x.ID !== first.ID && x.Status.State === 'running') ? all : undefined;
    }, 30_000, 'replacement running');
    const old = replaced.find((x) => x.ID === first.ID);
    assert.equal(old.Status.State, 'failed');
    assert.equal(old.DesiredState, 'shutdown');
    assert.equal(replaced.find((x) => x.ID !== first.ID).Slot, first.Slot);
    const ps = await dk('service', 'ps', 'sleeper');
    assert.match(ps.stdout, / \\_ sleeper\.1 .* Shutdown +Failed .* "task: non-zero exit \(137\)"/);
  });

  await t.test('on-failure with max attempts 2 runs the task three times', async () => {
    assert.equal((await dk('service', 'create', '-d', '--name', 'fails', '--restart-condition', 'on-failure', '--restart-max-attempts', '2',
      '--restart-delay', '100ms', 'busybox', 'sh', '-c', 'exit 3')).code, 0);
    await eventually(async () => (await tasks(d.socket, 'fails')).filter((x) => x.Status.State === 'failed').length === 3, 30_000, '3 failures');
    await new Promise((r) => setTimeout(r, 1500));
    const all = await tasks(d.socket, 'fails');
    assert.equal(all.length, 3, 'no fourth attempt');
    for (const x of all) assert.equal(x.Status.Err, 'task: non-zero exit (3)');
  });

  await t.test('condition none leaves a finished task alone; a clean exit is Complete', async () => {
    assert.equal((await dk('service', 'create', '-d', '--name', 'once', '--restart-condition', 'none', 'busybox', 'true')).code, 0);
    await eventually(async () => (await tasks(d.socket, 'once')).some((x) => x.Status.State === 'complete'), 30_000, 'complete');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await tasks(d.socket, 'once')).length, 1);
  });
});
