import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { docker, eventually, startTswarmd, tswarm } from '../helpers/tswarmd.js';

// node ps, service ps of several services and stack ps: one table of every task as docker's task.Print
// (natural order of the names across services, older tasks of a slot indented), -q, --no-trunc, --no-resolve,
// and what is not found reported after the table: the docker CLI and tswarm's on one daemon (sim executor).
test('node ps / service ps / stack ps: the same tables as the docker CLI', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const create = async (...args: string[]) => assert.equal((await docker(d.host, 'service', 'create', '-d', '--no-resolve-image', ...args)).code, 0, args.join(' '));
  await create('--name', 'g', '--mode', 'global', 'busybox', 'top');
  await create('--name', 'r', '--replicas', '2', 'busybox', 'top');
  await create('--name', 'r10', '--replicas', '11', 'busybox', 'top');
  const file = join(tmpdir(), `task-tables-${process.pid}.yml`);
  await writeFile(file, 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    command: top\n  api:\n    image: busybox\n    command: top\n');
  assert.equal((await docker(d.host, 'stack', 'deploy', '-c', file, 'st')).code, 0);
  const running = async (n: number) => eventually(async () => (await docker(d.host, 'node', 'ps', '--filter', 'desired-state=running', '-q')).stdout.trim().split('\n').length === n, 30_000, `${n} running`);
  await running(16);
  // r's slots get a second task each: the older ones are listed indented under the new
  assert.equal((await docker(d.host, 'service', 'update', '-d', '--force', 'r')).code, 0);
  await eventually(async () => (await docker(d.host, 'service', 'ps', '-q', 'r')).stdout.trim().split('\n').length === 4
    && (await docker(d.host, 'service', 'ps', '--filter', 'desired-state=running', '--format', '{{.CurrentState}}', 'r')).stdout.trim().split('\n').every((l) => l.startsWith('Running')), 30_000, 'r updated');
  // the two CLIs read the tasks a moment apart: the age ("less than a second ago", "2 seconds ago") and the padding it sets may differ
  const ago = (s: string) => s.replace(/(?:less than a second|about a minute|\d+ \w+) ago/gi, 'AGO').replace(/ {2,}/g, '  ');
  for (const args of [['node', 'ps'], ['node', 'ps', '-q'], ['node', 'ps', 'self', '--no-trunc'], ['node', 'ps', '--no-resolve'], ['node', 'ps', 'self', 'nope'], ['node', 'ps', 'nope'],
    ['node', 'ps', '--format', '{{.Name}}'], ['service', 'ps', 'r', 'g'], ['service', 'ps', 'r10', 'r'], ['service', 'ps', '-q', 'r'], ['service', 'ps', '--no-resolve', 'r'],
    ['service', 'ps', 'r', 'nope'], ['stack', 'ps', 'st'], ['stack', 'ps', '-q', 'st'], ['stack', 'ps', '--no-trunc', 'st']]) {
    const [a, b] = await Promise.all([docker(d.host, ...args), tswarm(d.host, ...args)]);
    assert.equal(ago(b.stdout), ago(a.stdout), args.join(' '));
    assert.equal(b.stderr, a.stderr, args.join(' '));
    assert.equal(b.code, a.code, args.join(' '));
  }
  const names = (await tswarm(d.host, 'node', 'ps', '--format', '{{.Name}}')).stdout.trim().split('\n');
  assert.equal(names.indexOf('r10.2') < names.indexOf('r10.10'), true, 'natural order');
});
