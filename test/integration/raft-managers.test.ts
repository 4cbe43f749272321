import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryRecorder, checkLinearizable } from '../helpers/linearizability.js';
import { eventually, run } from '../helpers/tswarmd.js';
import { dk, findLeader, formSwarm as formCluster, startNodes, type Daemon } from '../helpers/cluster.js';

const startManagers = (n: number) => startNodes(n, { first: 1, prefix: 'm' });

test('three managers formed with docker swarm join agree; a wrong token is refused', { timeout: 120_000 }, async (t) => {
  const ds = await startManagers(3);
  t.after(() => Promise.all(ds.map((d) => d.stop('SIGKILL'))));
  await formCluster(ds);

  for (const d of ds) {
    const ls = await eventually(async () => {
      const r = await dk(d, 'node', 'ls', '--format', '{{.Hostname}} {{.ManagerStatus}}');
      const lines = r.stdout.trim().split('\n').sort();
      return lines.length === 3 && lines.filter((l) => l.endsWith(' Leader')).length === 1 && lines.every((l) => / (Leader|Reachable)$/.test(l)) ? lines : undefined;
    }, 30_000, 'three managers listed');
    assert.deepEqual(ls.map((l) => l.split(' ')[0]), ['m1', 'm2', 'm3']);
  }
  const info = await dk(ds[1], 'info', '--format', '{{.Swarm.Managers}} {{.Swarm.Nodes}} {{.Swarm.ControlAvailable}}');
  assert.equal(info.stdout.trim(), '3 3 true');

  // A write on a follower goes to the leader; every manager then reads it.
  const leader = await findLeader(ds);
  const follower = ds.find((d) => d !== leader)!;
  const c = await dk(follower, 'service', 'create', '-d', '--name', 'via-follower', '--replicas', '2', 'busybox', 'sleep', '1d');
  assert.equal(c.code, 0, c.stderr);
  for (const d of ds) {
    await eventually(async () => (await dk(d, 'service', 'ls', '--format', '{{.Name}}')).stdout.includes('via-follower'), 10_000, 'replicated');
  }

  // A fourth daemon with a made-up secret is refused and changes nothing.
  const [x] = await startNodes(1, { first: 4, prefix: 'x' });
  t.after(() => x.stop('SIGKILL'));
  const real = (await dk(ds[0], 'swarm', 'join-token', '-q', 'manager')).stdout.trim();
  const wrong = await dk(x, 'swarm', 'join', '--token', real.replace(/-[0-9a-z]{25}$/, '-' + 'a'.repeat(25)), ds[0].listenAddr);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /A valid join token is necessary to join this cluster/);
  assert.equal((await dk(ds[0], 'node', 'ls', '-q')).stdout.trim().split('\n').length, 3);
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cuts every packet to and from a loopback address (a partitioned host), until healed. */
async function partition(ip: string): Promise<() => Promise<void>> {
  const rules = [['INPUT', '-s', ip], ['INPUT', '-d', ip]];
  for (const r of rules) assert.equal((await run('iptables', ['-I', r[0], r[1], r[2], '-j', 'DROP'])).code, 0, 'iptables (needs root)');
  return async () => { for (const r of rules) await run('iptables', ['-D', r[0], r[1], r[2], '-j', 'DROP']); };
}

/**
 * A client keeps creating and updating services on whichever managers are
 * up while faults come and go; at the end every acknowledged write is on
 * every manager, exactly once, and nothing unasked-for appeared.
 */
async function writesSurviveFaults(t: TestContext, ds: Daemon[], faults: (ds: Daemon[], avoid: Set<Daemon>) => Promise<void>) {
  /** Managers the client leaves alone for now (cut off: a real client would time out and move on). */
  const avoid = new Set<Daemon>();
  t.after(() => Promise.all(ds.map((d) => { try { d.proc.kill('SIGCONT'); } catch { /* gone */ } return d.stop('SIGKILL'); })));
  await formCluster(ds);
  await findLeader(ds);

  /** Last acknowledged label value per service. */
  const acked = new Map<string, string>();
  const attempted = new Set<string>();
  let stop = false;
  let writes = 0;
  let failures = 0;
  const history = new HistoryRecorder();
  const live = () => ds.filter((d) => d.proc.exitCode === null && d.proc.signalCode === null && !avoid.has(d));
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      const ls = live();
      const d = ls[i % ls.length];
      const name = `s${i % 12}`;
      const value = `v${i}`;
      attempted.add(name);
      const h = history.invoke('writer', { kind: 'put', key: name, value }, performance.now());
      const r = acked.has(name)
        ? await dk(d, 'service', 'update', '-d', '--label-add', `rev=${value}`, name)
        : await dk(d, 'service', 'create', '-d', '--name', name, '--label', `rev=${value}`, 'busybox', 'sleep', '1d');
      // A failed write may still take effect later (or never): its outcome is unknown.
      if (r.code === 0) { history.ok(h, {}, performance.now()); acked.set(name, value); writes++; } else { history.unknown(h); failures++; }
    }
  })();
  // A reader on any manager: reads are linearizable (ReadIndex), so the history must be too.
  let reads = 0;
  const reader = (async () => {
    for (let i = 0; !stop; i++) {
      const ls = live();
      const d = ls[(i * 7) % ls.length];
      const name = [...acked.keys()][i % Math.max(1, acked.size)];
      if (!name) { await pause(50); continue; }
      const h = history.invoke('reader', { kind: 'get', key: name }, performance.now());
      const r = await dk(d, 'service', 'inspect', '--format', '{{index .Spec.Labels "rev"}}', name);
      if (r.code === 0) { history.ok(h, { value: r.stdout.trim() }, performance.now()); reads++; } else history.unknown(h);
    }
  })();
  const client = Promise.all([writer, reader]);

  await faults(ds, avoid);
  stop = true;
  await client;
  assert.ok(writes > 10, `only ${writes} writes were acknowledged (${failures} failed)`);

  for (const d of ds) {
    await eventually(async () => {
      const names = await dk(d, 'service', 'ls', '--format', '{{.Name}}');
      if (names.code !== 0) return undefined;
      const r = await dk(d, 'service', 'inspect', '--format', '{{.Spec.Name}} {{index .Spec.Labels "rev"}}', ...names.stdout.trim().split('\n'));
      if (r.code !== 0) return undefined;
      const seen = new Map<string, string[]>();
      for (const line of r.stdout.trim().split('\n')) {
        const [n, rev] = line.split(' ');
        seen.set(n, [...(seen.get(n) ?? []), rev]);
      }
      for (const [name, value] of acked) {
        const revs = seen.get(name);
        if (!revs || revs.length !== 1) return undefined;
        // A write that failed on the client may still have landed after the last acknowledged one.
        if (Number(revs[0].slice(1)) < Number(value.slice(1))) return undefined;
      }
      for (const name of seen.keys()) assert.ok(attempted.has(name), `unexpected service ${name}`);
      return true;
    }, 30_000, `manager ${d.listenAddr} holds every acknowledged write`);
  }
  const lin = checkLinearizable(history.history(), { timeoutMs: 20_000 });
  assert.ok(lin.ok, `the client history is not linearizable: ${lin.explanation}`);
  console.log(`${ds.length} managers: ${writes} acknowledged writes, ${failures} refused or failed during faults, ${reads} reads; history linearizable`);
}

test('3 managers: writes survive leader SIGKILL, restarts and a frozen manager; every acknowledged spec is on every manager', { timeout: 300_000 }, async (t) => {
  await writesSurviveFaults(t, await startManagers(3), async (ds) => {
    await pause(2000);
    for (let round = 0; round < 2; round++) {
      const leader = await findLeader(ds);
      await leader.stop('SIGKILL');
      await pause(3000);
      await leader.restart();
      await pause(2000);
    }
    // Freeze a follower (cut off, as an unreachable host would be), then let it come back.
    const leader = await findLeader(ds);
    const frozen = ds.find((d) => d !== leader)!;
    frozen.proc.kill('SIGSTOP');
    await pause(4000);
    frozen.proc.kill('SIGCONT');
    await pause(3000);
  });
});

test('5 managers: writes survive a leader SIGKILL and the leader partitioned off the network, then healed', { timeout: 300_000 }, async (t) => {
  const ds = await startNodes(5, { first: 11, prefix: 'n' });
  await writesSurviveFaults(t, ds, async (_ds, avoid) => {
    await pause(2000);
    const first = await findLeader(ds);
    await first.stop('SIGKILL');
    await pause(3000);
    await first.restart();
    await pause(2000);
    // The leader's host drops off the network: the other four elect a leader and go on.
    const cut = await findLeader(ds);
    avoid.add(cut);
    const heal = await partition(cut.listenAddr.split(':')[0]);
    t.after(heal);
    const next = await findLeader(ds.filter((d) => d !== cut));
    assert.notEqual(next, cut);
    await pause(4000);
    await heal();
    avoid.delete(cut);
    await pause(4000);
  });
});

test('without a quorum writes fail with Docker\'s message and never appear later', { timeout: 120_000 }, async (t) => {
  const ds = await startManagers(3);
  t.after(() => Promise.all(ds.map((d) => d.stop('SIGKILL'))));
  await formCluster(ds);
  await findLeader(ds);
  const [survivor, ...gone] = ds;
  for (const d of gone) await d.stop('SIGKILL');
  // Check-quorum: within two election timeouts the survivor knows it has no leader.
  await eventually(async () => !/Leader/.test((await dk(survivor, 'node', 'ls')).stdout), 15_000, 'no leader');
  const w = await dk(survivor, 'service', 'create', '-d', '--name', 'orphan', 'busybox', 'sleep', '1d');
  assert.equal(w.code, 1);
  assert.equal(w.stderr.trim(), "Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.");
  for (const d of gone) await d.restart();
  const leader = await findLeader(ds);
  assert.equal((await dk(leader, 'service', 'create', '-d', '--name', 'after', 'busybox', 'sleep', '1d')).code, 0);
  for (const d of ds) {
    await eventually(async () => (await dk(d, 'service', 'ls', '--format', '{{.Name}}')).stdout.trim() === 'after' || undefined, 15_000, 'only the acknowledged service');
  }
});

test('swarm init --force-new-cluster recovers a lone manager with the state it had', { timeout: 120_000 }, async (t) => {
  const ds = await startNodes(3, { first: 16, prefix: 'f' });
  t.after(() => Promise.all(ds.map((d) => d.stop('SIGKILL'))));
  await formCluster(ds);
  const leader = await findLeader(ds);
  assert.equal((await dk(leader, 'service', 'create', '-d', '--name', 'kept', '--replicas', '2', 'busybox', 'sleep', '1d')).code, 0);
  const survivor = ds.find((d) => d !== leader)!;
  await eventually(async () => (await dk(survivor, 'service', 'ls', '--format', '{{.Name}}')).stdout.trim() === 'kept' || undefined, 15_000, 'replicated');
  const nodeId = (await dk(survivor, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
  for (const d of ds) if (d !== survivor) await d.stop('SIGKILL');
  const refused = await dk(survivor, 'swarm', 'init');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /This node is already part of a swarm/);
  const forced = await dk(survivor, 'swarm', 'init', '--force-new-cluster', '--advertise-addr', survivor.listenAddr);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, new RegExp(`Swarm initialized: current node \\(${nodeId}\\) is now a manager`));
  assert.equal((await dk(survivor, 'service', 'ls', '--format', '{{.Name}} {{.Replicas}}')).stdout.trim().split(' ')[0], 'kept');
  const ls = (await dk(survivor, 'node', 'ls', '--format', '{{.Self}} {{.ManagerStatus}}')).stdout.trim().split('\n').sort();
  assert.deepEqual(ls, ['false Unreachable', 'false Unreachable', 'true Leader']);
  assert.equal((await dk(survivor, 'service', 'create', '-d', '--name', 'new', 'busybox', 'sleep', '1d')).code, 0, 'writes work again');
  await survivor.restart();
  await eventually(async () => (await dk(survivor, 'service', 'ls', '--format', '{{.Name}}')).stdout.trim().split('\n').sort().join(' ') === 'kept new' || undefined, 15_000, 'both services after a restart');
});
