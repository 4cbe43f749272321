import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { eventually, tswarm } from '../helpers/tswarmd.js';
import { dk, formSwarm, nodeList, runningByNode, startNodes } from '../helpers/cluster.js';
import { killTaskProcesses } from '../helpers/processes.js';

const MARK = 'tswarm-logs-test-marker';
// Each task prints numbered lines, 5 a second; the marker (its $0) finds its processes to clean up.
const COUNTER = 'i=0; while true; do i=$((i+1)); echo "n $i"; sleep 0.2; done';

interface Line { task: string; node: string; n: number; raw: string }
const PREFIXED = /^(cnt\.\d\.[a-z0-9]{12})@(lg\d)\s{4}\| n (\d+)$/;

function parse(out: string, re = PREFIXED): Line[] {
  return out.trim().split('\n').filter(Boolean).map((raw) => {
    const m = re.exec(raw);
    assert.ok(m, `not a prefixed line: ${JSON.stringify(raw)}`);
    return { task: m[1], node: m[2], n: Number(m[3]), raw };
  });
}

const byTask = (ls: Line[]) => {
  const m = new Map<string, number[]>();
  for (const l of ls) m.set(l.task, [...(m.get(l.task) ?? []), l.n]);
  return m;
};

/** Each task's numbers come in order, none missing. */
function consecutive(ns: number[], what: string) {
  for (let i = 1; i < ns.length; i++) assert.equal(ns[i], ns[i - 1] + 1, `${what}: ${ns.join(',')}`);
}

/**
 * `docker service logs` of a service whose three tasks run on three nodes
 * (two managers and a worker, the process executor): every task's lines,
 * through the leader's log broker, from the leader and from a follower.
 */
test('service logs gathers the lines of tasks on every node', { timeout: 240_000 }, async (t) => {
  const ds = await startNodes(3, { first: 81, prefix: 'lg', executor: 'process' });
  t.after(async () => {
    for (const d of ds) await d.stop('SIGKILL').catch(() => undefined);
    await killTaskProcesses(MARK, ds.map((d) => d.dataRoot));
  });
  const [m1, m2, w] = ds;
  await formSwarm([m1, m2], [w]);
  await eventually(async () => (await nodeList(m1)).every((l) => / Ready\b/.test(l)), 30_000, 'all nodes ready');
  const created = await dk(m1, 'service', 'create', '-d', '--name', 'cnt', '--replicas', '3', 'busybox', 'sh', '-c', COUNTER, MARK);
  assert.equal(created.code, 0, created.stderr);
  await eventually(async () => (await runningByNode(m1, 'cnt')).size === 3, 60_000, 'one task on each node');
  await eventually(async () => {
    const r = await dk(m1, 'service', 'logs', 'cnt');
    const counts = [...byTask(parse(r.stdout)).values()].map((ns) => ns.length);
    return counts.length === 3 && counts.every((c) => c >= 5);
  }, 30_000, 'five lines of each task');

  await t.test('every task\'s lines, in order per task, prefixed as Docker prints them', async () => {
    for (const d of [m1, m2]) {
      const r = await dk(d, 'service', 'logs', 'cnt');
      assert.equal(r.code, 0, r.stderr);
      const lines = parse(r.stdout);
      assert.deepEqual([...new Set(lines.map((l) => l.node))].sort(), ['lg1', 'lg2', 'lg3']);
      for (const [task, ns] of byTask(lines)) { assert.equal(ns[0], 1, task); consecutive(ns, task); }
    }
  });

  await t.test('--tail, --timestamps, --no-task-ids, --no-resolve, --raw, --since', async () => {
    const tail = parse((await dk(m2, 'service', 'logs', '--tail', '2', 'cnt')).stdout);
    assert.equal(tail.length, 6);
    for (const [task, ns] of byTask(tail)) { assert.equal(ns.length, 2, task); consecutive(ns, task); }
    const ts = (await dk(m1, 'service', 'logs', '--tail', '1', '--timestamps', 'cnt')).stdout.trim().split('\n');
    assert.equal(ts.length, 3);
    for (const l of ts) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z cnt\.\d\.[a-z0-9]{12}@lg\d {4}\| n \d+$/);
    const noIds = (await dk(m1, 'service', 'logs', '--tail', '1', '--no-task-ids', 'cnt')).stdout.trim().split('\n');
    for (const l of noIds) assert.match(l, /^cnt\.[123]@lg[123] {4}\| n \d+$/);
    assert.deepEqual(noIds.map((l) => l.slice(0, 5)).sort(), ['cnt.1', 'cnt.2', 'cnt.3']);
    const ids = (await dk(m1, 'service', 'logs', '--tail', '1', '--no-resolve', 'cnt')).stdout.trim().split('\n');
    for (const l of ids) assert.match(l, /^[a-z0-9]{25}\.[123]\.[a-z0-9]{12}@[a-z0-9]{25} {4}\| n \d+$/);
    const rawLines = (await dk(m1, 'service', 'logs', '--tail', '1', '--raw', 'cnt')).stdout.trim().split('\n');
    for (const l of rawLines) assert.match(l, /^n \d+$/);
  });

  await t.test('--since by each line\'s own time: exactly the lines written at or after it', async () => {
    // Every line carries the time it was written (as Docker's json-file keeps it), not the time of the file's last write.
    const STAMPED = /^(\S+Z) (cnt\.\d\.[a-z0-9]{12})@lg\d {4}\| n (\d+)$/;
    const stamped = (out: string) => out.trim().split('\n').map((l) => {
      const m = STAMPED.exec(l);
      assert.ok(m, `not a stamped line: ${JSON.stringify(l)}`);
      return { ns: BigInt(Date.parse(`${m[1].slice(0, 19)}Z`) / 1000) * 1_000_000_000n + BigInt(m[1].slice(20, 29)), task: m[2], n: Number(m[3]) };
    });
    const group = <T extends { task: string }>(ls: T[]) => {
      const g = new Map<string, T[]>();
      for (const l of ls) g.set(l.task, [...(g.get(l.task) ?? []), l]);
      return g;
    };
    const before = await eventually(async () => {
      const ls = stamped((await dk(m1, 'service', 'logs', '--timestamps', 'cnt')).stdout);
      return [...group(ls).values()].filter((x) => x.length >= 15).length === 3 ? ls : undefined;
    }, 30_000, 'fifteen lines of each task');
    for (const [task, ls] of group(before)) {
      for (let i = 1; i < ls.length; i++) assert.ok(ls[i].ns > ls[i - 1].ns, `${task}: times increase line by line`);
      // lines are written 0.2 s apart: ten lines span at least 1.5 s (a file's one write time would give 0)
      assert.ok(ls[10].ns - ls[0].ns >= 1_500_000_000n, `${task}: ${ls[0].ns} .. ${ls[10].ns}`);
    }
    // A bound halfway between two lines of the first task, a second before the last line read.
    const first = before.filter((l) => l.task === before[0].task);
    const at = first.findIndex((l) => l.ns >= first.at(-1)!.ns - 1_000_000_000n);
    const bound = (first[at - 1].ns + first[at].ns) / 2n;
    const since = `${bound / 1_000_000_000n}.${(bound % 1_000_000_000n).toString().padStart(9, '0')}`;
    const recent = stamped((await dk(m1, 'service', 'logs', '--since', since, '--timestamps', 'cnt')).stdout);
    const after = stamped((await dk(m1, 'service', 'logs', '--timestamps', 'cnt')).stdout);
    assert.equal(new Set(recent.map((l) => l.task)).size, 3);
    for (const [task, got] of group(recent)) {
      const last = got.at(-1)!.n;
      const want = after.filter((l) => l.task === task && l.ns >= bound && l.n <= last).map((l) => l.n);
      assert.deepEqual(got.map((l) => l.n), want, `${task} since ${since}`);
      assert.ok(got.every((l) => l.ns >= bound), `${task}: nothing older than ${since}`);
    }
    assert.equal(recent.filter((l) => l.task === first[0].task)[0].n, first[at].n, 'the first task starts at the first line after the bound');
  });

  await t.test('task logs of a task on another node', async () => {
    const id = (await dk(m1, 'service', 'ps', 'cnt', '-q', '--filter', 'node=lg3')).stdout.trim();
    const r = await dk(m2, 'service', 'logs', '--tail', '3', id);
    const lines = parse(r.stdout);
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.node === 'lg3'));
  });

  await t.test('the tswarm CLI prints what the docker CLI prints', async () => {
    // Tasks that print five lines and stay: their logs no longer change.
    const fin = await dk(m1, 'service', 'create', '-d', '--name', 'fin', '--replicas', '3', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo "f $i"; echo "e $i" >&2; done; exec sleep 86400', MARK);
    assert.equal(fin.code, 0, fin.stderr);
    await eventually(async () => (await dk(m1, 'service', 'logs', 'fin')).stdout.trim().split('\n').length === 15, 30_000, 'all lines of fin');
    for (const flags of [[], ['--tail', '2'], ['--timestamps'], ['--no-task-ids'], ['--no-resolve'], ['--raw'], ['--details'], ['--no-trunc'], ['-n', '1', '-t', '--no-task-ids']]) {
      const theirs = await dk(m2, 'service', 'logs', ...flags, 'fin');
      const mine = await tswarm(m2.host, 'service', 'logs', ...flags, 'fin');
      assert.equal(theirs.code, 0, theirs.stderr);
      // Lines of different tasks may interleave differently on the two streams: compare each stream's lines as sets, each task's in order.
      for (const k of ['stdout', 'stderr'] as const) {
        assert.deepEqual(mine[k].split('\n').sort(), theirs[k].split('\n').sort(), `${flags.join(' ')} ${k}`);
      }
      assert.equal(mine.code, 0);
    }
    const task = (await dk(m1, 'service', 'ps', 'fin', '-q')).stdout.trim().split('\n')[0];
    assert.deepEqual((await tswarm(m1.host, 'service', 'logs', task)).stdout, (await dk(m1, 'service', 'logs', task)).stdout);
    const missing = await tswarm(m1.host, 'service', 'logs', 'nosuch');
    assert.deepEqual([missing.code, missing.stderr], [1, 'no such task or service: nosuch\n']);
  });

  await t.test('-f follows every node; a node killed mid-follow ends its part and the others go on', async () => {
    const p = spawn('docker', ['service', 'logs', '-f', '--tail', '0', 'cnt'], { env: { ...process.env, DOCKER_HOST: m2.host } });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    t.after(() => p.kill('SIGKILL'));
    const complete = () => out.slice(0, out.lastIndexOf('\n') + 1);
    await eventually(() => [...byTask(parse(complete())).values()].filter((ns) => ns.length >= 5).length === 3, 20_000, 'five new lines of each task');
    const before = byTask(parse(complete()));
    await w.stop('SIGKILL');
    const killedAt = complete();
    const workerLinesAtKill = parse(killedAt).filter((l) => l.node === 'lg3').length;
    await eventually(() => {
      const now = byTask(parse(complete()));
      return [...now].filter(([task, ns]) => ns.length >= (before.get(task)?.length ?? 0) + 10).length >= 2;
    }, 20_000, 'the other tasks go on');
    const lines = parse(complete());
    assert.equal(p.exitCode, null, 'still following');
    // the killed node's part ended (at most a line in flight when it died)
    assert.ok(lines.filter((l) => l.node === 'lg3').length <= workerLinesAtKill + 1);
    for (const [task, ns] of byTask(lines)) consecutive(ns, task);
    assert.deepEqual([...new Set(lines.filter((l) => l.n > (before.get(l.task)?.at(-1) ?? 0) + 5).map((l) => l.node))].sort(), ['lg1', 'lg2']);
  });

  await t.test('without -f, a node that is gone is named, as swarmkit\'s broker does', async () => {
    const r = await dk(m1, 'service', 'logs', '--tail', '1', 'cnt');
    const nodeId = (await dk(m1, 'node', 'inspect', 'lg3', '--format', '{{.ID}}')).stdout.trim();
    assert.equal(r.code, 1);
    // The daemon's message ends with a newline, and the CLI adds one (as with Docker).
    assert.match(r.stderr, new RegExp(`^error from daemon in stream: Error grabbing logs: rpc error: code = Unknown desc = warning: incomplete log stream\\. some logs could not be retrieved for the following reasons: node ${nodeId} is not available\\n\\n$`));
    assert.ok(parse(r.stdout).length >= 2);
  });
});
