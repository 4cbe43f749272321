import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers/tswarmd.js';
import { dk, findLeader, formSwarm, isUp, nodeList, runningByNode, startNodes, type Daemon } from '../helpers/cluster.js';
import { countByDataRoot, killTaskProcesses, taskProcesses } from '../helpers/processes.js';

const MARKER = '86401';

/** Task processes per node name, from what really runs on the machine. */
async function processesByNode(ds: Daemon[]): Promise<Record<string, number>> {
  const counts = await countByDataRoot(MARKER);
  return Object.fromEntries(ds.map((d) => [d.name, counts.get(d.dataRoot) ?? 0]));
}
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

// Three managers and two workers on loopback, formed and driven with the real docker CLI.
test('joining nodes: spread, heal after a worker dies, drain, promote/demote, leader loss, leave and node rm', { timeout: 420_000 }, async (t) => {
  const managers = await startNodes(3, { first: 21, prefix: 'm', executor: 'process' });
  const workers = await startNodes(2, { first: 24, prefix: 'w', executor: 'process' });
  const all = [...managers, ...workers];
  t.after(async () => {
    for (const d of all) await d.stop('SIGKILL');
    await killTaskProcesses(MARKER, all.map((d) => d.dataRoot));
  });
  await formSwarm(managers, workers);
  const [m1, m2, m3] = managers;
  const [w1, w2] = workers;

  await t.test('every manager lists the same five nodes', async () => {
    const want = ['m1 Ready Leader', 'm2 Ready Reachable', 'm3 Ready Reachable', 'w1 Ready', 'w2 Ready'];
    for (const m of managers) await eventually(async () => JSON.stringify(await nodeList(m)) === JSON.stringify(want), 20_000, `node ls on ${m.name}`);
    const onWorker = await dk(w1, 'node', 'ls');
    assert.equal(onWorker.code, 1);
    assert.match(onWorker.stderr, /This node is not a swarm manager\. Worker nodes can't be used to view or modify cluster state/);
    const info = await dk(w1, 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{len .Swarm.RemoteManagers}}');
    assert.equal(info.stdout.trim(), 'active false 3');
  });

  const HEARTBEAT_S = 2;
  assert.equal((await dk(m1, 'swarm', 'update', '--dispatcher-heartbeat', `${HEARTBEAT_S}s`)).code, 0);
  /** Agents learn the new period from their next heartbeat, which the old one (5 s, the default) may delay until then. */
  const newPeriodEverywhere = Date.now() + 5000 + 1000;

  await t.test('a service spreads over all five nodes, one process per task', async () => {
    const r = await dk(m1, 'service', 'create', '-d', '--name', 'web', '--replicas', '10', 'busybox', 'sleep', MARKER);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => {
      const by = await runningByNode(m1, 'web');
      return all.every((d) => by.get(d.name) === 2);
    }, 60_000, 'two tasks on each node');
    await eventually(async () => {
      const p = await processesByNode(all);
      return Object.values(p).every((n) => n === 2);
    }, 10_000, 'two processes per node');
  });

  await t.test('a killed worker is marked Down 3 heartbeats after its last one, not before nor much later; its tasks run elsewhere; restarted, nothing runs twice', async () => {
    const period = HEARTBEAT_S * 1000;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Pin down w1's last heartbeat. Frozen a little over a period, its next heartbeat falls due
    // meanwhile and goes out the moment it resumes. The first freeze sets the phase (a heartbeat
    // may have been on the wire when it began); the second starts half a period after a
    // heartbeat, so none is in flight, and the heartbeat sent on resuming is w1's last.
    await pause(newPeriodEverywhere - Date.now());
    const freeze = async () => {
      w1.proc.kill('SIGSTOP');
      await pause(period + 500);
      const resumedAt = Date.now();
      w1.proc.kill('SIGCONT');
      return resumedAt;
    };
    const firstResume = await freeze();
    await pause(firstResume + period / 2 - Date.now());
    const lastBeatAfter = await freeze();
    await pause(600);
    const killedAt = Date.now();
    await w1.kill('SIGKILL');
    await eventually(async () => (await nodeList(m1)).includes('w1 Down'), 20_000, 'w1 down');
    const seenDownAfter = Date.now() - killedAt;
    assert.ok(seenDownAfter < 3 * period + 2500, `seen Down ${seenDownAfter} ms after it was killed: later than 3 periods and slack`);
    // The leader marks a node Down in a node update, at the time it decides: UpdatedAt.
    const updated = await dk(m1, 'node', 'inspect', '--format', '{{json .UpdatedAt}}', 'w1');
    const downAt = Date.parse(JSON.parse(updated.stdout) as string);
    // Not before 3 periods after the last heartbeat: one or two missed heartbeats (a busy
    // node, a slow network) must not take a node down. Exact: no slack needed either way.
    assert.ok(downAt - lastBeatAfter >= 3 * period,
      `marked Down ${downAt - lastBeatAfter} ms after its last heartbeat, before 3 periods (${3 * period} ms)`);
    console.log(`w1 marked Down ${downAt - lastBeatAfter} ms after its last heartbeat (3 periods: ${3 * period} ms), seen Down ${seenDownAfter} ms after it was killed`);
    await eventually(async () => {
      const by = await runningByNode(m1, 'web');
      return !by.has('w1') && [...by.values()].reduce((a, b) => a + b, 0) === 10;
    }, 20_000, 'ten tasks on the other nodes');
    await w1.restart();
    await eventually(async () => (await nodeList(m1)).includes('w1 Ready'), 20_000, 'w1 ready again');
    // w1's old tasks were replaced: it stops them, and no slot runs twice.
    await eventually(async () => (await processesByNode(all)).w1 === 0 && total(await processesByNode(all)) === 10, 20_000, 'ten processes in all');
  });

  await t.test('a drained node gives up its tasks and gets none', async () => {
    assert.equal((await dk(m1, 'node', 'update', '--availability', 'drain', 'w2')).code, 0);
    await eventually(async () => {
      const by = await runningByNode(m1, 'web');
      return !by.has('w2') && [...by.values()].reduce((a, b) => a + b, 0) === 10;
    }, 20_000, 'w2 drained');
    await eventually(async () => (await processesByNode(all)).w2 === 0, 10_000, 'no process on w2');
    assert.equal((await dk(m1, 'service', 'scale', '-d', 'web=12')).code, 0);
    await eventually(async () => total(await processesByNode(all)) === 12, 20_000, 'twelve processes');
    assert.equal((await processesByNode(all)).w2, 0);
    assert.equal((await dk(m1, 'node', 'update', '--availability', 'active', 'w2')).code, 0);
  });

  await t.test('promote and demote while a client writes; the demoted leader hands over', async () => {
    let writes = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const leader = await findLeader(managers.filter(isUp)).catch(() => undefined);
        if (leader && (await dk(leader, 'service', 'update', '-d', '--label-add', `rev=${writes}`, 'web')).code === 0) writes++;
      }
    })();
    assert.equal((await dk(m1, 'node', 'promote', 'w2')).code, 0);
    await eventually(async () => (await nodeList(m1)).includes('w2 Ready Reachable'), 30_000, 'w2 a manager');
    const demote = await dk(m2, 'node', 'demote', 'm1');
    assert.equal(demote.code, 0, demote.stderr);
    const survivors = [m2, m3, w2];
    await eventually(async () => {
      const l = await findLeader(survivors);
      const ls = await nodeList(l);
      return ls.includes('m1 Ready') && !ls.some((x) => x.startsWith('m1 Ready ')) ? ls : undefined;
    }, 30_000, 'm1 a worker');
    await eventually(async () => (await dk(m1, 'node', 'ls')).code === 1, 20_000, 'm1 stops serving as a manager');
    stop = true;
    await writer;
    assert.ok(writes > 0, 'the client kept writing');
  });

  await t.test('the leader dies: a new one is elected and worker tasks keep running throughout', async () => {
    const survivors = [m2, m3, w2];
    const leader = await findLeader(survivors);
    const before = (await taskProcesses(MARKER)).filter((p) => p.dataRoot === w1.dataRoot).map((p) => p.pid).sort();
    await leader.kill('SIGKILL');
    const rest = survivors.filter((d) => d !== leader);
    const next = await findLeader(rest);
    assert.notEqual(next, leader);
    const after = new Set((await taskProcesses(MARKER)).filter((p) => p.dataRoot === w1.dataRoot).map((p) => p.pid));
    // w1 may get the dead leader's tasks too; the ones it ran go on, untouched.
    assert.ok(before.length > 0 && before.every((pid) => after.has(pid)), `w1 tasks untouched: ${before} within ${[...after]}`);
    assert.equal((await dk(next, 'service', 'scale', '-d', 'web=13')).code, 0);
    await eventually(async () => (await nodeList(next)).includes(`${leader.name} Down Unreachable`), 30_000, 'dead leader unreachable');
    // With one of three managers down, demoting another would lose the quorum.
    const other = rest.find((d) => d !== next)!;
    const refused = await dk(next, 'node', 'demote', other.name);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /can't remove member from the raft: this would result in a loss of quorum/);
    await leader.restart();
    await eventually(async () => (await nodeList(next)).filter((l) => / Ready/.test(l)).length === 5, 30_000, 'all ready again');
  });

  await t.test('a worker leaves; node rm removes it; managers and live nodes are refused', async () => {
    const leader = await findLeader([m2, m3, w2]);
    const up = await dk(leader, 'node', 'rm', 'w1');
    assert.equal(up.code, 1);
    assert.match(up.stderr, /is not down and can't be removed/);
    const mgr = await dk(leader, 'node', 'rm', 'm3');
    assert.equal(mgr.code, 1);
    assert.match(mgr.stderr, /is a cluster manager and is a member of the raft cluster\. It must be demoted to worker before removal/);
    const left = await dk(w1, 'swarm', 'leave');
    assert.equal(left.code, 0, left.stderr);
    assert.equal(left.stdout, 'Node left the swarm.\n');
    await eventually(async () => (await nodeList(leader)).includes('w1 Down'), 20_000, 'w1 down after leave');
    assert.equal((await dk(leader, 'node', 'rm', 'w1')).code, 0);
    assert.ok(!(await nodeList(leader)).some((l) => l.startsWith('w1 ')));
    assert.equal((await dk(w1, 'info', '--format', '{{.Swarm.LocalNodeState}}')).stdout.trim(), 'inactive');
  });
});
