import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { runningTasks } from './scenario.js';

/** PIDs of every process (task commands and what they started) carrying marker in argv, started by the daemon with dataRoot. */
async function processesOf(dataRoot: string, marker: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!(await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').includes(marker)) continue;
      const env = (await readFile(`/proc/${name}/environ`, 'utf8')).split('\0');
      if (env.some((e) => e.startsWith(`TSWARM_EXIT_FILE=${dataRoot}/`))) out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out.sort((a, b) => a - b);
}

// Each task leaves two children in the background next to its main process:
// every one of them belongs to the task's lifetime.
const command = (m: string) => ['sh', '-c', `sleep ${m} & sleep ${m} & exec sleep ${m}`];

test('process executor: a daemon stop keeps tasks (adopted at restart); service rm and swarm leave end every process of the task, also after a restart', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', d.listenAddr)).code, 0);

  const m1 = '86411';
  assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'life', '--replicas', '2', 'busybox', ...command(m1))).code, 0);
  await eventually(async () => (await runningTasks(d, 'life')).length === 2, 60_000, 'life running');
  // the wrapper shell, the two background sleeps and the main sleep per task
  const before = await eventually(async () => { const p = await processesOf(d.dataRoot, m1); return p.length === 6 && p; }, 20_000, 'three sleeps per task');

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    await d.stop(signal);
    assert.deepEqual(await processesOf(d.dataRoot, m1), before, `tasks keep running while the daemon is stopped (${signal})`);
    await d.restart();
    await eventually(async () => (await runningTasks(d, 'life')).length === 2, 60_000, `life adopted after ${signal}`);
    assert.deepEqual(await processesOf(d.dataRoot, m1), before, `the same processes after ${signal}`);
  }

  assert.equal((await docker(d.host, 'service', 'rm', 'life')).code, 0);
  await eventually(async () => (await processesOf(d.dataRoot, m1)).length === 0, 30_000, 'every process of the removed service ends');

  const m2 = '86412';
  assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'life2', '--mode', 'global', 'busybox', ...command(m2))).code, 0);
  await eventually(async () => (await processesOf(d.dataRoot, m2)).length === 3, 60_000, 'life2 running');
  await d.restart('SIGKILL');
  await eventually(async () => (await runningTasks(d, 'life2')).length === 1, 60_000, 'life2 adopted');
  const leave = await docker(d.host, 'swarm', 'leave', '--force');
  assert.equal(leave.code, 0, leave.stderr);
  await eventually(async () => (await processesOf(d.dataRoot, m2)).length === 0, 30_000, 'swarm leave ends every task process');
  const left = await readdir(`${d.dataRoot}/executor/tasks`).catch(() => []);
  assert.deepEqual(left, [], 'no task state left behind');
});
