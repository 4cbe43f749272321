import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignmentFile } from '../../src/agent/assignment-file.js';
import type { Task } from '../../src/types/objects.js';

const task = (id: string) => ({ ID: id }) as Task;

test('one failed write does not stop the next: it lands', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-assign-'));
  const f = new AssignmentFile(dir);
  // A directory where the temporary file goes makes the write fail (even as root).
  const blocker = join(dir, 'assignments.json.tmp');
  await mkdir(blocker);
  await assert.rejects(f.save([task('a')]), /EISDIR/);
  await rmdir(blocker);
  await f.save([task('b')]);
  assert.deepEqual(await f.load(), [task('b')]);
  await f.save([task('c')]);
  assert.deepEqual(await f.load(), [task('c')]);
});

test('saves made during a write coalesce into one write of the newest set, and share its outcome', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-assign-'));
  const f = new AssignmentFile(dir);
  const first = f.save([task('1')]);
  const later = [f.save([task('2')]), f.save([task('3')]), f.save([task('4')])];
  assert.equal(later[0], later[2], 'one queued write');
  await Promise.all([first, ...later]);
  assert.deepEqual(await f.load(), [task('4')]);

  // A failed queued write fails every save it carried; the one after it still writes.
  const blocker = join(dir, 'assignments.json.tmp');
  const running = f.save([task('5')]);
  await running;
  await mkdir(blocker);
  const failing = [f.save([task('6')]), f.save([task('7')])];
  for (const p of failing) await assert.rejects(p, /EISDIR/);
  await rmdir(blocker);
  await f.save([task('8')]);
  assert.deepEqual(await f.load(), [task('8')]);
});
