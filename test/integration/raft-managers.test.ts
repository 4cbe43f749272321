import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryRecorder, checkLinearizable } from '../helpers/linearizability.js';
import { eventually } from '../helpers/tswarmd.js';
import { dk, findLeader, formSwarm as formCluster, startNodes, type Daemon } from '../helpers/cluster.js';
import { assertConnectionsFromOwnAddress, canConnect, ipOf, partition } from '../helpers/partition.js';

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

/** What a fault schedule sees of the client: whom it writes to, and what it got acknowledged. */
interface Client {
  /** Managers the writer leaves alone for now (cut off: a real client would time out and move on). Reads go everywhere. */
  avoid: Set<Daemon>;
  /** Writes acknowledged so far. */
  acked(): number;
  /** The last acknowledged label value of each service so far. */
  ackedValues(): Map<string, string>;
  /** Every service name the writer ever sent. */
  attempted: ReadonlySet<string>;
}

/**
 * Whether d holds each of `acked` exactly once, at that value or a later
 * one, and no service the client never asked for.
 */
async function holdsAcked(d: Daemon, acked: Map<string, string>, attempted: ReadonlySet<string>): Promise<boolean> {
  const names = await dk(d, 'service', 'ls', '--format', '{{.Name}}');
  if (names.code !== 0) return false;
  const r = await dk(d, 'service', 'inspect', '--format', '{{.Spec.Name}} {{index .Spec.Labels "rev"}}', ...names.stdout.trim().split('\n'));
  if (r.code !== 0) return false;
  const seen = new Map<string, string[]>();
  for (const line of r.stdout.trim().split('\n')) {
    const [n, rev] = line.split(' ');
    seen.set(n, [...(seen.get(n) ?? []), rev]);
  }
  for (const [name, value] of acked) {
    const revs = seen.get(name);
    if (!revs || revs.length !== 1) return false;
    // A write that failed on the client may still have landed after the last acknowledged one.
    if (Number(revs[0].slice(1)) < Number(value.slice(1))) return false;
  }
  for (const name of seen.keys()) assert.ok(attempted.has(name), `unexpected service ${name} on ${d.name}`);
  return true;
}

/**
 * A client keeps creating and updating services on whichever managers are
 * up while faults come and go, and reads them back from any manager; at the
 * end every acknowledged write is on every manager, exactly once, nothing
 * unasked-for appeared, and the history of writes and reads is linearizable.
 */
async function writesSurviveFaults(t: TestContext, ds: Daemon[], faults: (ds: Daemon[], client: Client) => Promise<void>) {
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
  const up = () => ds.filter((d) => d.proc.exitCode === null && d.proc.signalCode === null);
  const live = () => up().filter((d) => !avoid.has(d));
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
  // A reader on any manager, cut off or not: reads are linearizable (ReadIndex), so the history
  // must be too (a manager cut off from the quorum must fail a read, never answer a stale value).
  let reads = 0;
  const reader = (async () => {
    for (let i = 0; !stop; i++) {
      const ls = up();
      const d = ls[(i * 7) % ls.length];
      const name = [...acked.keys()][i % Math.max(1, acked.size)];
      if (!name) { await pause(50); continue; }
      const h = history.invoke('reader', { kind: 'get', key: name }, performance.now());
      const r = await dk(d, 'service', 'inspect', '--format', '{{index .Spec.Labels "rev"}}', name);
      if (r.code === 0) { history.ok(h, { value: r.stdout.trim() }, performance.now()); reads++; } else history.unknown(h);
    }
  })();
  const client = Promise.all([writer, reader]);

  await faults(ds, { avoid, acked: () => writes, ackedValues: () => new Map(acked), attempted });
  stop = true;
  await client;
  assert.ok(writes > 10, `only ${writes} writes were acknowledged (${failures} failed)`);

  for (const d of ds) {
    await eventually(() => holdsAcked(d, acked, attempted), 30_000, `manager ${d.listenAddr} holds every acknowledged write`);
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

/**
 * Cuts `a` off from `b` both ways and checks that it really is cut both ways:
 * probe connections fail in each direction, and, once the daemons have
 * tried, the rules dropped their own packets in each direction.
 */
async function cutOff(t: TestContext, a: Daemon[], b: Daemon[]) {
  const p = await partition(a, b);
  t.after(() => p.heal());
  assert.equal(await canConnect(ipOf(a[0]), b[0].listenAddr), false, `${a[0].name} still reaches ${b[0].name}`);
  assert.equal(await canConnect(ipOf(b[0]), a[0].listenAddr), false, `${b[0].name} still reaches ${a[0].name}`);
  if (b.length > 1) assert.equal(await canConnect(ipOf(b[0]), b[1].listenAddr), true, 'one side still reaches itself');
  return {
    async heal() {
      const { aToB, bToA } = await p.dropped();
      assert.ok(aToB > 0 && bToA > 0, `the daemons' packets were dropped both ways (${aToB} one way, ${bToA} the other)`);
      console.log(`cut ${a.map((d) => d.name).join(',')} | ${b.map((d) => d.name).join(',')}: ${aToB} packets dropped one way, ${bToA} the other`);
      await p.heal();
    },
  };
}

/** A write sent to a manager cut off from the quorum fails (and, checked at the end, never appears). */
async function writeFails(d: Daemon, name: string) {
  const w = await dk(d, 'service', 'create', '-d', '--name', name, 'busybox', 'sleep', '1d');
  assert.notEqual(w.code, 0, `a write on ${d.name}, cut off from the quorum, was acknowledged`);
}

/** The client gets writes acknowledged again (its write in flight to a manager just cut off may take a while to fail). */
async function commitsGoOn(client: Client, what: string) {
  const before = client.acked();
  await eventually(() => client.acked() >= before + 3, 30_000, `writes acknowledged ${what}`);
}

/** Every manager's connections to the others leave from its own address (so a cut of that address cuts both ways). */
async function dialFromOwnAddresses(ds: Daemon[]) {
  await eventually(async () => {
    const counts = await assertConnectionsFromOwnAddress(ds);
    return [...counts.values()].every((n) => n > 0) || undefined;
  }, 20_000, 'each manager connected to another');
}

test('5 managers: writes survive a leader SIGKILL and the leader cut off the network both ways, then healed', { timeout: 300_000 }, async (t) => {
  const ds = await startNodes(5, { first: 11, prefix: 'n' });
  await writesSurviveFaults(t, ds, async (_ds, client) => {
    await pause(2000);
    const first = await findLeader(ds);
    await first.stop('SIGKILL');
    await pause(3000);
    await first.restart();
    await pause(2000);
    await dialFromOwnAddresses(ds);
    // The leader's host drops off the network: the other four elect a leader and go on.
    const cut = await findLeader(ds);
    const rest = ds.filter((d) => d !== cut);
    client.avoid.add(cut);
    const link = await cutOff(t, [cut], rest);
    const next = await findLeader(rest);
    assert.notEqual(next, cut);
    await commitsGoOn(client, 'by the four');
    // Check-quorum: the old leader, hearing no one, steps down and commits nothing.
    await writeFails(cut, 'written-to-cut-leader');
    await link.heal();
    client.avoid.delete(cut);
    await pause(4000);
  });
});

test('5 managers: a follower cut off, then a 2/3 split with the leader in the minority; the majority commits, the minority cannot, all agree after healing', { timeout: 300_000 }, async (t) => {
  const ds = await startNodes(5, { first: 71, prefix: 'p' });
  await writesSurviveFaults(t, ds, async (_ds, client) => {
    await pause(2000);
    await dialFromOwnAddresses(ds);

    // One follower drops off the network: the other four go on without it.
    const leader = await findLeader(ds);
    const lone = ds.find((d) => d !== leader)!;
    const rest = ds.filter((d) => d !== lone);
    client.avoid.add(lone);
    const link = await cutOff(t, [lone], rest);
    await commitsGoOn(client, 'by the four while a follower is away');
    await writeFails(lone, 'written-to-cut-follower');
    assert.equal(await findLeader(rest), leader, 'losing a follower changes no leader');
    await link.heal();
    client.avoid.delete(lone);
    // Back, it catches up with everything acknowledged while it was away.
    const whileAway = client.ackedValues();
    await eventually(() => holdsAcked(lone, whileAway, client.attempted), 30_000, `${lone.name} caught up`);

    // A 2/3 split with the leader on the small side: the three elect a leader and go on;
    // the two cannot commit (and the old leader steps down).
    const old = await findLeader(ds);
    const minority = [old, ds.find((d) => d !== old)!];
    const majority = ds.filter((d) => !minority.includes(d));
    for (const d of minority) client.avoid.add(d);
    const split = await cutOff(t, minority, majority);
    const next = await findLeader(majority);
    assert.ok(majority.includes(next));
    await commitsGoOn(client, 'by the three');
    for (const d of minority) await writeFails(d, `written-to-minority-${d.name}`);
    await split.heal();
    for (const d of minority) client.avoid.delete(d);
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
