import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquire } from './process-lock.js';

test('a test lock is exclusive, and one left by a process that is gone (or whose PID another process now has) is taken over', async () => {
  const base = await mkdtemp(join(tmpdir(), 'tswarm-lock-'));
  const dir = join(base, 'l.lock');
  try {
    const release = await acquire(dir);
    let second = false;
    const waiting = acquire(dir).then((r) => { second = true; return r; });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(second, false, 'held: the second waits');
    await release();
    await (await waiting)();
    // Left by PID 1 with another start time: PID 1 is alive, but it is not the owner that wrote the lock.
    await mkdir(dir);
    await writeFile(join(dir, 'owner'), '1 0');
    const t0 = Date.now();
    await (await acquire(dir))();
    assert.ok(Date.now() - t0 < 3000, 'taken over at once');
    // Left by a process that exited.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    await mkdir(dir);
    await writeFile(join(dir, 'owner'), `${child.pid} 12345`);
    const r = await acquire(dir);
    assert.match(await readFile(join(dir, 'owner'), 'utf8'), new RegExp(`^${process.pid} \\d+$`));
    await r();
    assert.equal(existsSync(dir), false);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
