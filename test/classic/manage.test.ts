import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { TEST_IMAGE } from '../helpers/image.js';
import { eventually, freePort, run } from '../helpers/tswarmd.js';
import { parseDiscovery } from '../../src/classic/discovery/parse.js';
import { skipUnless, startEtcd } from './discovery/stores.js';
import { makePki } from './pki.js';
import { clearPool, countByNode, engineAddr, enginesUp, placements, startManager, type Manager } from './pool-hosts.js';

const NO_NODE = 'Unable to find a node that satisfies the following conditions ';

/** The docker CLI's words for a refused `run`/`create`: "Error response from daemon: …". */
function refused(r: { code: number; stderr: string }, message: string) {
  assert.notEqual(r.code, 0, 'refused');
  assert.ok(r.stderr.includes(`Error response from daemon: ${message}`), `expected ${JSON.stringify(message)} in ${JSON.stringify(r.stderr)}`);
}

test('tswarm manage in front of three real engines, driven by the docker CLI', { timeout: 600_000 }, async (t) => {
  await enginesUp();
  const m = await startManager(['nodes://10.78.0.[1:3]:2375']);
  t.after(() => m.stop());
  const create = (...a: string[]) => m.docker('create', ...a, TEST_IMAGE, 'sleep', '600');
  const nodeOf = async (name: string) => (await placements(m)).get(name);

  await t.test('the seed walk-through: info, run, ps -a, the name conflict', async () => {
    const info = await m.docker('info');
    assert.equal(info.code, 0, info.stderr);
    for (const line of [' Server Version: swarm/', ' Role: primary', ' Strategy: spread',
      ' Filters: health, port, containerslots, dependency, affinity, constraint, whitelist', ' Nodes: 3']) {
      assert.ok(info.stdout.includes(line), `${line} in ${info.stdout}`);
    }
    for (const i of [1, 2, 3]) {
      assert.ok(info.stdout.includes(`  tswc${i}: 10.78.0.${i}:2375\n   └ ID: `), `tswc${i}'s block`);
    }
    assert.equal(info.stdout.match(/└ Status: Healthy/g)?.length, 3);
    assert.equal(info.stdout.match(/└ Containers: 0 \(0 Running, 0 Paused, 0 Stopped\)/g)?.length, 3);
    assert.match(info.stdout, /└ Reserved CPUs: 0 \/ \d+\n {3}└ Reserved Memory: 0 B \/ [\d.]+ GiB\n {3}└ Labels: containerslots=4, kernelversion=.*, operatingsystem=.*, ostype=linux, storage=ssd, storagedriver=\w+, zone=west\n/);
    assert.match(info.stdout, /└ UpdatedAt: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n {3}└ ServerVersion: /);
    const version = await m.docker('version', '--format', '{{.Server.Version}}');
    assert.equal(version.stdout.trim(), 'swarm/0.1.0');

    for (const name of ['db', 'web', 'cache']) {
      const r = await m.docker('run', '-d', '--name', name, TEST_IMAGE, 'sh', '-c', `echo hello from ${name}; exec sleep 600`);
      assert.equal(r.code, 0, r.stderr);
    }
    const ps = await m.docker('ps', '-a', '--format', '{{.Names}} {{.Status}}');
    const lines = ps.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 3);
    // Spread: one on each engine; names carry their engine, as classic Swarm listed them.
    assert.deepEqual(lines.map((l) => l.split('/')[0]).sort(), ['tswc1', 'tswc2', 'tswc3']);
    for (const l of lines) assert.match(l, /^tswc\d\/(db|web|cache) Up /);

    const again = await m.docker('run', '-d', '--name', 'web', TEST_IMAGE, 'true');
    assert.equal(again.code, 125);
    refused(again, 'Conflict: The name web is already assigned. You have to delete (or rename) that container to be able to assign web to a container again.');
    assert.equal((await m.docker('ps', '-aq')).stdout.trim().split('\n').length, 3, 'nothing created');

    // The container's engine answers for it, by name or by node/name.
    assert.match((await m.docker('logs', 'web')).stdout, /hello from web/);
    const node = await nodeOf('web');
    const ex = await m.docker('exec', `${node}/web`, 'sh', '-c', 'echo out; exit 3');
    assert.equal(ex.code, 3);
    assert.equal(ex.stdout, 'out\n');
    const attached = await m.docker('run', '--rm', TEST_IMAGE, 'sh', '-c', 'echo attached; exit 5');
    assert.equal(attached.stdout, 'attached\n');
    assert.equal(attached.code, 5);
    const inspect = await m.docker('inspect', '--format', '{{.Name}} {{.Node.Name}} {{.Node.Addr}}', 'web');
    assert.match(inspect.stdout.trim(), new RegExp(`^/web ${node} 10\\.78\\.0\\.\\d:2375$`));
    assert.equal((await m.docker('stop', '-t', '1', 'web')).code, 0);
    assert.match((await m.docker('ps', '-a', '--filter', 'name=web', '--format', '{{.Status}}')).stdout, /^Exited \(\d+\) /);
    assert.equal((await m.docker('rm', 'web')).code, 0);
    refused(await m.docker('inspect', '--type', 'container', 'web'), 'No such container: web');
    const info2 = await m.docker('info', '--format', '{{.Containers}} {{.ContainersRunning}}');
    assert.equal(info2.stdout.trim(), '2 2');
    await clearPool(m);
  });

  await t.test('spread places 6 containers 2/2/2', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await create('--name', `s${i}`)).code, 0);
    assert.deepEqual(countByNode(await placements(m)), { tswc1: 2, tswc2: 2, tswc3: 2 });
    await clearPool(m);
  });

  await t.test('constraint: engine labels, built-ins, !=, globs, regex, soft; the keys leave the environment for labels', async () => {
    const r = await m.docker('run', '-d', '--name', 'ssd', '-e', 'constraint:storage==ssd', '-e', 'KEEP=1', '-l', 'com.example.x=1', TEST_IMAGE, 'sleep', '600');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(['tswc1', 'tswc3'].includes((await nodeOf('ssd'))!));
    const env = await m.docker('inspect', '--format', '{{json .Config.Env}} {{index .Config.Labels "com.docker.swarm.constraints"}} {{index .Config.Labels "com.example.x"}}', 'ssd');
    assert.equal(env.stdout.trim(), '["KEEP=1"] ["storage==ssd"] 1');
    assert.equal((await create('--name', 'disk', '-e', 'constraint:storage!=ssd')).code, 0);
    assert.equal(await nodeOf('disk'), 'tswc2');
    assert.equal((await create('--name', 'west', '-e', 'constraint:zone==w*')).code, 0);
    assert.equal(await nodeOf('west'), 'tswc3');
    assert.equal((await create('--name', 'rx', '-e', 'constraint:node==/tswc[2]/')).code, 0);
    assert.equal(await nodeOf('rx'), 'tswc2');
    for (const c of ['storagedriver==overlay*', 'operatingsystem==Debian*', 'kernelversion==/^[0-9]+\\./', 'executiondriver!=native*']) {
      const b = await create('-e', `constraint:${c}`);
      assert.equal(b.code, 0, `${c}: ${b.stderr}`);
    }
    // Soft: nothing meets it, so it is dropped.
    assert.equal((await create('--name', 'soft', '-e', 'constraint:storage==~nvme')).code, 0);
    const before = (await m.docker('ps', '-aq')).stdout;
    refused(await create('-e', 'constraint:storage==nvme'), `${NO_NODE}\n[available container slots]\n[storage==nvme]`);
    refused(await create('-e', 'constraint:node==tswc9'), `${NO_NODE}\n[available container slots]\n[node==tswc9]`);
    refused(await create('-e', 'constraint:executiondriver==native*'), `${NO_NODE}\n[available container slots]\n[executiondriver==native*]`);
    refused(await create('-e', 'constraint:storage'), `${NO_NODE}\n[available container slots]\nerror from constraint filter: One of operator ==, != is expected`);
    assert.equal((await m.docker('ps', '-aq')).stdout, before, 'nothing scheduled');
    await clearPool(m);
  });

  await t.test('affinity: container, image, label, soft', async () => {
    assert.equal((await create('--name', 'front', '-l', 'com.example.tier=front')).code, 0);
    const at = (await nodeOf('front'))!;
    assert.equal((await create('--name', 'near', '-e', 'affinity:container==front')).code, 0);
    assert.equal(await nodeOf('near'), at);
    assert.equal((await create('--name', 'far', '-e', 'affinity:container!=front')).code, 0);
    assert.notEqual(await nodeOf('far'), at);
    assert.equal((await create('--name', 'tier', '-e', 'affinity:com.example.tier==front')).code, 0);
    assert.equal(await nodeOf('tier'), at);
    assert.equal((await create('--name', 'img', '-e', `affinity:image==${TEST_IMAGE.split(':')[0]}`)).code, 0);
    assert.equal((await create('--name', 'soft', '-e', 'affinity:container==~nosuch')).code, 0);
    refused(await create('-e', 'affinity:container==nosuch'), `${NO_NODE}\n[available container slots]\n[container==nosuch (soft=false)]`);
    refused(await create('-e', 'affinity:image==nosuch'), `${NO_NODE}\n[available container slots]\n[image==nosuch (soft=false)]`);
    const labels = await m.docker('inspect', '--format', '{{index .Config.Labels "com.docker.swarm.affinities"}}', 'near');
    assert.equal(labels.stdout.trim(), '["container==front"]');
    await clearPool(m);
  });

  await t.test('port: a host port taken on an engine sends the next one elsewhere; none left is refused', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await create('--name', `p${i}`, '-p', '18081:80')).code, 0);
    assert.deepEqual(countByNode(await placements(m)), { tswc1: 1, tswc2: 1, tswc3: 1 });
    refused(await create('-p', '18081:80'), `${NO_NODE}\n[port 18081 (Bridge mode)]`);
    assert.equal((await create('--name', 'other', '-p', '18082:80')).code, 0);
    await clearPool(m);
  });

  await t.test('containerslots: the engine labelled containerslots=4 takes 4', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await create('-e', 'constraint:node==tswc3')).code, 0);
    refused(await create('-e', 'constraint:node==tswc3'), `${NO_NODE}\n[available container slots]\n[node==tswc3]`);
    assert.equal((await create('-e', 'constraint:node==tswc1')).code, 0, 'the others still have room');
    await clearPool(m);
  });

  await t.test('dependency: --volumes-from, --link, --net=container: go where the other container is', async () => {
    assert.equal((await m.docker('run', '-d', '--name', 'base', TEST_IMAGE, 'sleep', '600')).code, 0);
    const at = await nodeOf('base');
    assert.equal((await create('--name', 'vf', '--volumes-from', 'base')).code, 0);
    assert.equal((await create('--name', 'ln', '--link', 'base:db')).code, 0);
    assert.equal((await create('--name', 'nc', '--net', 'container:base')).code, 0);
    for (const n of ['vf', 'ln', 'nc']) assert.equal(await nodeOf(n), at, n);
    refused(await create('--link', 'nosuch:db'), `${NO_NODE}\n[available container slots]\n[--link=nosuch:db]`);
    await clearPool(m);
  });

  await t.test('health: no engine answers, nothing is scheduled', async () => {
    const dead = await startManager(['nodes://127.0.0.1:9'], { engines: 0 });
    t.after(() => dead.stop());
    refused(await dead.docker('create', TEST_IMAGE), 'No healthy node available in the cluster');
    const info = await dead.docker('info');
    assert.match(info.stdout, / Nodes: 1\n {2}\(unknown\): 127\.0\.0\.1:9\n {3}└ ID: \n {3}└ Status: Pending\n/);
  });

  await t.test('binpack fills one engine before the next', async () => {
    const b = await startManager(['--strategy', 'binpack', 'nodes://10.78.0.[1:3]:2375']);
    t.after(() => b.stop());
    const mem = Number((await b.docker('info', '--format', '{{json .SystemStatus}}')).stdout.match(/Reserved Memory","0 B \/ ([\d.]+) GiB/)![1]) * 2 ** 30;
    // 40 % of an engine's memory each: two fit on an engine, a third does not.
    const m40 = String(Math.floor((mem / 1.05) * 0.4));
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await b.docker('create', '--name', `b${i}`, '-m', m40, TEST_IMAGE, 'sleep', '600');
      assert.equal(r.code, 0, r.stderr);
      order.push((await placements(b)).get(`b${i}`)!);
    }
    assert.equal(order[0], order[1]);
    assert.equal(order[2], order[3]);
    assert.notEqual(order[1], order[2]);
    assert.ok(order[4] !== order[0] && order[4] !== order[2], `third engine last: ${order.join(' ')}`);
    const unlimited = await b.docker('create', '--name', 'b5', TEST_IMAGE, 'sleep', '600');
    assert.equal(unlimited.code, 0);
    assert.match((await b.docker('info')).stdout, /└ Reserved Memory: [\d.]+ GiB \/ /);
    await clearPool(b);
  });

  await t.test('random spreads a larger run over every engine', async () => {
    const r = await startManager(['--strategy', 'random', '--filter', 'health', 'nodes://10.78.0.[1:3]:2375']);
    t.after(() => r.stop());
    for (let batch = 0; batch < 4; batch++) {
      const made = await Promise.all(Array.from({ length: 6 }, (_, i) => r.docker('create', '--name', `r${batch}${i}`, TEST_IMAGE, 'sleep', '600')));
      for (const x of made) assert.equal(x.code, 0, x.stderr);
    }
    const counts = countByNode(await placements(r));
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 24);
    assert.deepEqual(Object.keys(counts).sort(), ['tswc1', 'tswc2', 'tswc3'], JSON.stringify(counts));
    await clearPool(r);
  });

  await t.test('bad input at start: unknown strategy or filter, malformed discovery, clear errors', async () => {
    const manage = (...a: string[]) => run(process.execPath, [new URL('../../../bin/tswarm.js', import.meta.url).pathname, 'manage', '-H', 'tcp://127.0.0.1:0', ...a], {}, 20_000);
    const s = await manage('--strategy', 'fastest', 'nodes://10.78.0.1:2375');
    assert.equal(s.code, 1);
    assert.equal(s.stderr.trim(), 'tswarm manage: strategy not supported');
    const f = await manage('--filter', 'health', '--filter', 'magic', 'nodes://10.78.0.1:2375');
    assert.equal(f.code, 1);
    assert.equal(f.stderr.trim(), 'tswarm manage: filter not supported');
    const d = await manage('bogus!://x');
    assert.equal(d.code, 1);
    assert.match(d.stderr, /^tswarm manage: invalid discovery URL "bogus!:\/\/x"/);
    const none = await manage();
    assert.equal(none.code, 1);
    assert.match(none.stderr, /discovery required to manage a cluster/);
  });
});

test('tswarm manage: TLS both ways, merged events, rescheduling on node failure', { timeout: 300_000 }, async (t) => {
  await enginesUp();

  await t.test('--tlsverify in front refuses clients without a certificate; engines reached over TLS', async () => {
    const p = await makePki();
    const [ca, cert, key] = await Promise.all([readFile(p('ca.pem')), readFile(p('node-cert.pem')), readFile(p('node-key.pem'))]);
    // tswc1 behind a TLS listener that wants a client certificate of the CA, as `dockerd --tlsverify` would.
    const sockets = new Set<{ destroy(): void }>();
    const engine = createTlsServer({ allowHalfOpen: true, ca, cert, key, requestCert: true, rejectUnauthorized: true }, (s) => {
      const up = connect(2375, '10.78.0.1');
      sockets.add(s).add(up);
      s.pipe(up).pipe(s);
      up.on('error', () => s.destroy());
      s.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => engine.listen(0, '127.0.0.1', r));
    t.after(() => { engine.close(); for (const s of sockets) s.destroy(); });
    const enginePort = (engine.address() as AddressInfo).port;
    const tls = ['--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('node-cert.pem')}`, `--tlskey=${p('node-key.pem')}`];
    const clientTls = ['--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('client-cert.pem')}`, `--tlskey=${p('client-key.pem')}`];
    const m = await startManager([...tls, `nodes://127.0.0.1:${enginePort}`], { engines: 1, dockerArgs: clientTls });
    t.after(() => m.stop());
    const info = await m.docker('info');
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(` Nodes: 1\n {2}tswc1: 127\\.0\\.0\\.1:${enginePort}\n {3}└ ID: .*\n {3}└ Status: Healthy\n`));
    const r = await m.docker('run', '--rm', TEST_IMAGE, 'echo', 'through TLS');
    assert.equal(r.stdout, 'through TLS\n', r.stderr);
    const noCert = await run('docker', ['-H', m.host, '--tlsverify', `--tlscacert=${p('ca.pem')}`, 'ps'], { DOCKER_HOST: '' });
    assert.notEqual(noCert.code, 0);
    assert.match(noCert.stderr, /certificate required/);
    const plain = await run('docker', ['-H', m.host, 'ps'], { DOCKER_HOST: '' });
    assert.notEqual(plain.code, 0, 'plain HTTP gets nothing');
    // A manager without the engines' client certificate cannot reach them.
    const stranger = await startManager([`nodes://127.0.0.1:${enginePort}`], { engines: 0 });
    t.after(() => stranger.stop());
    await new Promise((res) => setTimeout(res, 1500));
    assert.match((await stranger.docker('info')).stdout, /└ Status: Pending/);
  });

  const m = await startManager(['nodes://10.78.0.[1:3]:2375']);
  t.after(() => m.stop());

  await t.test('events of every engine in one stream, with the node', async () => {
    const ev = spawn('docker', ['-H', m.host, 'events', '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}} {{index .Actor.Attributes "node.name"}}'], { env: { ...process.env, DOCKER_HOST: '' } });
    t.after(() => ev.kill());
    let out = '';
    ev.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    await new Promise((r) => setTimeout(r, 500));
    for (const n of ['e1', 'e2', 'e3']) assert.equal((await m.docker('run', '-d', '--name', n, TEST_IMAGE, 'sleep', '600')).code, 0);
    const p = await placements(m);
    await eventually(() => ['e1', 'e2', 'e3'].every((n) => out.includes(`${n} ${p.get(n)}\n`)), 10_000, `start events of e1..e3 in ${out}`);
    assert.equal(new Set([...p.values()]).size, 3, 'from three engines');
    await clearPool(m);
  });

  await t.test('an engine gone: containers labelled on-node-failure move, others wait; back, its old copies go', async () => {
    assert.equal((await m.docker('run', '-d', '--name', 'mover', '-e', 'reschedule:on-node-failure', '-e', 'constraint:node==~tswc2', TEST_IMAGE, 'sleep', '600')).code, 0);
    assert.equal((await m.docker('run', '-d', '--name', 'stay', '-e', 'constraint:node==tswc2', TEST_IMAGE, 'sleep', '600')).code, 0);
    assert.deepEqual([...(await placements(m)).entries()].sort(), [['mover', 'tswc2'], ['stay', 'tswc2']]);
    const label = await m.docker('inspect', '--format', '{{index .Config.Labels "com.docker.swarm.reschedule-policies"}}', 'mover');
    assert.equal(label.stdout.trim(), '["on-node-failure"]');
    const down = await run('ip', ['-n', 'tswc2', 'link', 'set', 'eth0', 'down']);
    assert.equal(down.code, 0, down.stderr);
    t.after(() => run('ip', ['-n', 'tswc2', 'link', 'set', 'eth0', 'up']));
    const moved = await eventually(async () => {
      const r = await m.docker('ps', '-a', '--format', '{{.Names}} {{.Status}}');
      const line = r.stdout.split('\n').find((l) => l.includes('/mover '));
      return line && !line.startsWith('tswc2/') && / Up /.test(line) ? line : undefined;
    }, 40_000, 'mover running on another engine');
    assert.match(moved, /^tswc[13]\/mover Up /);
    const ps = (await m.docker('ps', '-a', '--format', '{{.Names}} {{.Status}}')).stdout;
    assert.match(ps, /tswc2\/stay Host Down/);
    assert.match((await m.docker('info')).stdout, /tswc2: 10\.78\.0\.2:2375\n {3}└ ID: .*\n {3}└ Status: Unhealthy\n {3}└ Containers: 1\n/);
    assert.equal((await run('ip', ['-n', 'tswc2', 'link', 'set', 'eth0', 'up'])).code, 0);
    await eventually(async () => {
      const direct = await run('docker', ['ps', '-a', '--format', '{{.Names}}'], { DOCKER_HOST: 'tcp://10.78.0.2:2375' });
      return direct.code === 0 && direct.stdout.trim() === 'stay';
    }, 40_000, 'the old copy of mover removed from tswc2');
    assert.match((await m.docker('info')).stdout, /tswc2: 10\.78\.0\.2:2375\n {3}└ ID: .*\n {3}└ Status: Healthy\n/);
    assert.deepEqual([...(await placements(m)).keys()].sort(), ['mover', 'stay']);
    await clearPool(m);
  });
});

test('tswarm manage --replication: two managers on etcd, the primary SIGKILLed, the replica serves within the lock TTL', { timeout: 180_000, skip: skipUnless('etcd') }, async (t) => {
  await enginesUp();
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const url = `etcd://${etcd.addr}/tswc`;
  // The engines as `tswarm join` registers them.
  const store = parseDiscovery(url);
  const joins = [1, 2, 3].map((i) => store.register(engineAddr(i), { heartbeatMs: 1000, ttlMs: 5000 }));
  t.after(async () => { for (const j of joins) await j.stop(); await store.close?.(); });
  const ttl = 3000;
  const [pa, pb] = [await freePort(), await freePort()];
  const a = await startManager(['--replication', '--advertise', `127.0.0.1:${pa}`, '--replication-ttl', '3s', url], { port: pa });
  t.after(() => a.stop('SIGKILL'));
  const b = await startManager(['--replication', '--advertise', `127.0.0.1:${pb}`, '--replication-ttl', '3s', url], { port: pb });
  t.after(() => b.stop());
  const role = async (m: Manager) => (await m.docker('info')).stdout.match(/ Role: (\w+)\n(?: Primary: (\S+)\n)?/)?.slice(1);
  const [primary, replica] = await eventually(async () => {
    const [ra, rb] = [await role(a), await role(b)];
    if (ra?.[0] === 'primary' && rb?.[0] === 'replica' && rb[1] === `127.0.0.1:${pa}`) return [a, b];
    if (rb?.[0] === 'primary' && ra?.[0] === 'replica' && ra[1] === `127.0.0.1:${pb}`) return [b, a];
    return undefined;
  }, 30_000, 'one primary, one replica naming it');
  // A replica forwards: the container is made by the primary and both see it.
  assert.equal((await replica.docker('run', '-d', '--name', 'via-replica', TEST_IMAGE, 'sleep', '600')).code, 0);
  assert.ok((await placements(primary)).has('via-replica'));

  await primary.stop('SIGKILL');
  const killed = Date.now();
  await eventually(async () => (await replica.docker('run', '-d', '--name', 'after-failover', TEST_IMAGE, 'sleep', '600')).code === 0, 30_000, 'docker run served by the new primary');
  const took = Date.now() - killed;
  assert.deepEqual(await role(replica), ['primary', undefined]);
  // The lock was not released (SIGKILL): the replica waited for it to expire, and took over within its TTL (plus a refresh).
  assert.ok(took > 500 && took < ttl + 2000, `failover in ${took} ms`);
  assert.deepEqual([...(await placements(replica)).keys()].sort(), ['after-failover', 'via-replica']);
  await clearPool(replica);
});
