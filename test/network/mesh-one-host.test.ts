import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('./mesh-one-host-run.js', import.meta.url));
/** The run's lines (host, what the task saw as the client), in a network namespace of its own. */
const run = (keep: boolean) => execFileSync('unshare', ['--net', process.execPath, RUN, ...(keep ? ['keep'] : [])], { encoding: 'utf8', timeout: 60_000 })
  .split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(' '));

test('one host: a published port answers from the host\'s address and from 127.0.0.1, the task seeing this host\'s ingress address (SNAT)', () => {
  const lines = run(false);
  assert.equal(lines.length, 6);
  for (const [, seen] of lines) assert.equal(seen, '10.98.0.2');
});

test('one host, kept source: the task sees the host\'s address as the client; from 127.0.0.1 the ingress address (a task cannot answer 127.0.0.1)', () => {
  const lines = run(true);
  assert.deepEqual(lines.map(([host, seen]) => `${host} ${seen}`), [
    ...Array(3).fill('127.0.0.1 10.98.0.2'),
    ...Array(3).fill('192.0.2.1 192.0.2.1'),
  ]);
});
