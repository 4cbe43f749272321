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

test('each log line keeps the time it was written: --since/--until by it, stdout and stderr merged by it, --tail first', async () => {
  const ex = new ProcessExecutor(await mkdtemp(join(tmpdir(), 'tswarm-proc-')));
  // Lines 0.3 s apart, alternating streams; a line without its newline at the end.
  const t = task('logs', ['sh', '-c', 'echo o1; sleep 0.3; echo e2 >&2; sleep 0.3; echo o3; sleep 0.3; echo e4 >&2; sleep 0.3; printf o5']);
  await ex.prepare(t);
  await ex.start(t);
  assert.equal((await ex.wait(t)).exitCode, 0);
  const read = async (o: Parameters<ProcessExecutor['logs']>[1]) => {
    const out = [];
    for await (const l of ex.logs(t, o)) out.push(l);
    return out;
  };
  const all = await read({});
  assert.deepEqual(all.map((l) => `${l.stream}:${l.line}`), ['stdout:o1', 'stderr:e2', 'stdout:o3', 'stderr:e4', 'stdout:o5']);
  const ms = all.map((l) => Date.parse(l.timestamp));
  for (let i = 1; i < ms.length; i++) assert.ok(ms[i] - ms[i - 1] >= 250 && ms[i] - ms[i - 1] <= 3000, `0.3 s apart: ${all.map((l) => l.timestamp)}`);
  for (const l of all) assert.match(l.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  // Bounds halfway between lines: exactly the lines inside.
  const mid = (i: number) => (ms[i] + ms[i + 1]) / 2;
  assert.deepEqual((await read({ since: mid(1) })).map((l) => l.line), ['o3', 'e4', 'o5']);
  assert.deepEqual((await read({ since: mid(0), until: mid(2) })).map((l) => l.line), ['e2', 'o3']);
  assert.deepEqual((await read({ since: mid(3), stderr: false })).map((l) => l.line), ['o5']);
  // Docker's reader takes the last lines, then drops those before --since.
  assert.deepEqual((await read({ tail: 2 })).map((l) => l.line), ['e4', 'o5']);
  assert.deepEqual((await read({ tail: 3, since: mid(3) })).map((l) => l.line), ['o5']);
});
