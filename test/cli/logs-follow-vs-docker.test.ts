import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { TSWARM_BIN, docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { killTaskProcesses } from '../helpers/processes.js';

const MARK = 'tswarm-cli-logs-follow-marker';
// Each task prints numbered lines, 5 a second.
const COUNTER = 'i=0; while true; do i=$((i+1)); echo "n $i"; sleep 0.2; done';

/** A CLI following logs: what it printed so far, stopped with SIGINT. */
function follow(cmd: string, args: string[], host: string) {
  const p = spawn(cmd, args, { env: { ...process.env, DOCKER_HOST: host }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (c) => (stdout += c));
  p.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | string>((r) => p.on('exit', (code, sig) => r(code ?? String(sig))));
  return {
    lines: () => stdout.split('\n').filter(Boolean),
    async interrupt() { p.kill('SIGINT'); return { code: await exited, stdout, stderr }; },
  };
}

/** Lines by task: the prefix (everything before the message) and the counter. */
function byTask(lines: string[], re: RegExp): Map<string, { n: number; line: string }[]> {
  const m = new Map<string, { n: number; line: string }[]>();
  for (const line of lines) {
    const x = re.exec(line);
    assert.ok(x, `not a log line: ${JSON.stringify(line)}`);
    m.set(x[1], [...(m.get(x[1]) ?? []), { n: Number(x[2]), line }]);
  }
  return m;
}

// `service logs -f`: tswarm's CLI against the docker CLI on the same daemon (process executor), following the
// same tasks at the same time: lines keep coming, in the same form, until ^C.
test('tswarm service logs -f follows as docker service logs -f does, and ends on SIGINT', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'process' });
  t.after(async () => { await d.stop('SIGKILL'); await killTaskProcesses(MARK, [d.dataRoot]); });
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const created = await docker(d.host, 'service', 'create', '-d', '--name', 'cnt', '--replicas', '2', 'busybox', 'sh', '-c', COUNTER, MARK);
  assert.equal(created.code, 0, created.stderr);
  await eventually(async () => {
    const lines = (await docker(d.host, 'service', 'logs', 'cnt')).stdout.split('\n').filter(Boolean);
    return new Set(lines.map((l) => l.split(' ')[0])).size === 2 && lines.length >= 10;
  }, 60_000, 'both tasks writing');

  for (const [flags, re] of [
    [['-f', '--tail', '2'], /^(cnt\.[12]\.[a-z0-9]{12}@\S+ {4}\| )n (\d+)$/],
    [['--follow', '--tail', '1', '--timestamps', '--no-task-ids'], /^\S+ (cnt\.[12]@\S+ {4}\| )n (\d+)$/],
  ] as const) {
    await t.test(flags.join(' '), async () => {
      const args = ['service', 'logs', ...flags, 'cnt'];
      const theirs = follow('docker', args, d.host);
      const mine = follow(process.execPath, [TSWARM_BIN, ...args], d.host);
      // lines keep coming while both follow: a second and a half later, each task has written more
      await eventually(() => mine.lines().length >= 4 && theirs.lines().length >= 4, 20_000, 'the first lines');
      const early = byTask(mine.lines(), re);
      await new Promise((r) => setTimeout(r, 1500));
      const late = byTask(mine.lines(), re);
      for (const [task, ls] of early) assert.ok(late.get(task)!.length >= ls.length + 4, `${task}: ${ls.length} then ${late.get(task)!.length} lines`);
      const [a, b] = [await theirs.interrupt(), await mine.interrupt()];
      assert.deepEqual([b.code, b.stderr], [a.code, a.stderr], 'exit status and stderr after ^C');
      assert.equal(b.code, 130);
      const [da, db] = [byTask(a.stdout.split('\n').filter(Boolean), re), byTask(b.stdout.split('\n').filter(Boolean), re)];
      assert.deepEqual([...db.keys()].sort(), [...da.keys()].sort(), 'the same task prefixes');
      assert.equal(db.size, 2);
      const tail = Number(flags[flags.indexOf('--tail') + 1]);
      for (const [task, ls] of db) {
        // every line once, in order, from the last `tail` ones written before the start
        for (let i = 1; i < ls.length; i++) assert.equal(ls[i].n, ls[i - 1].n + 1, `${task}: ${ls.map((l) => l.n).join(',')}`);
        const early0 = early.get(task)!;
        assert.ok(early0.length >= tail);
        // the lines both saw are the same text (timestamps included)
        const theirsByN = new Map(da.get(task)!.map((l) => [l.n, l.line]));
        const common = ls.filter((l) => theirsByN.has(l.n));
        assert.ok(common.length >= 8, `${task}: ${common.length} lines seen by both`);
        for (const l of common) assert.equal(l.line, theirsByN.get(l.n));
      }
    });
  }
});
