import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessExecutor } from '../../src/executor/process/process.js';
import type { Task } from '../../src/types/objects.js';

function task(id: string, command: string[]): Task {
  return { ID: id, Spec: { ContainerSpec: { Image: 'busybox', Command: command } } } as unknown as Task;
}

test('a command that ends before its start time is read still reports its own exit code', async () => {
  const ex = new ProcessExecutor(await mkdtemp(join(tmpdir(), 'tswarm-proc-')));
  // Many at once: some end before start() reads /proc, which once lost the code.
  const runs = Array.from({ length: 30 }, (_, i) => task(`t${i}`, i % 2 ? ['true'] : ['sh', '-c', 'exit 7']));
  const codes = await Promise.all(runs.map(async (t) => {
    await ex.prepare(t);
    await ex.start(t);
    return (await ex.wait(t)).exitCode;
  }));
  assert.deepEqual(codes, runs.map((_, i) => (i % 2 ? 0 : 7)));
  const st = await ex.inspect(runs[2]);
  assert.equal(st?.running, false);
  assert.equal(st?.exitCode, 7);
});

test('a process killed by a signal reports 137', async () => {
  const ex = new ProcessExecutor(await mkdtemp(join(tmpdir(), 'tswarm-proc-')));
  const t = task('k', ['sleep', '60']);
  await ex.prepare(t);
  await ex.start(t);
  const st = await ex.inspect(t);
  assert.equal(st?.running, true);
  process.kill(st!.pid!, 'SIGKILL');
  assert.equal((await ex.wait(t)).exitCode, 137);
});
