import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBusyboxImage, TEST_IMAGE } from '../helpers/image.js';
import { inNetns, netnsHosts, type NetnsHost } from '../helpers/netns-hosts.js';
import { swarmOnHosts, type HostNode } from '../helpers/netns-swarm.js';
import { docker, eventually } from '../helpers/tswarmd.js';

// Three simulated hosts (network namespaces, each with its own Docker engine and
// its own tswarm daemon with the docker executor), joined with the real docker
// CLI; an overlay network across them, services on it, and what a task sees.

type Node = HostNode;
let hosts: NetnsHost[];
let nodes: Node[];
let netId: string;
const HEARTBEAT_MS = 5000; // Docker's default dispatcher heartbeat
const WEB_CMD = ['sh', '-c', 'mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 80 -h /www'];

const cli = (...a: string[]) => docker(nodes[0].host, ...a);
const sandboxDir = (n: Node) => join(n.dataRoot, 'agent', 'netns');

/** The containers of a service on a host's engine. */
async function containers(h: NetnsHost, service: string): Promise<string[]> {
  const r = await docker(h.dockerHost, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`);
  return r.stdout.trim().split('\n').filter(Boolean);
}
async function pidOf(h: NetnsHost, cid: string): Promise<number> {
  return Number((await docker(h.dockerHost, 'inspect', '-f', '{{.State.Pid}}', cid)).stdout.trim());
}
/** Asks the resolver at 127.0.0.11 in a container's namespace (Node's resolver, run there with nsenter). */
async function resolveIn(h: NetnsHost, cid: string, name: string): Promise<string[]> {
  const js = `const {Resolver}=require('dns').promises;const r=new Resolver({timeout:2000,tries:1});r.setServers(['127.0.0.11']);` +
    `r.resolve4(process.argv[1]).then((a)=>console.log(JSON.stringify(a.sort())),(e)=>console.log(JSON.stringify(e.code)))`;
  const out = await inNetns(`/proc/${await pidOf(h, cid)}/ns/net`, [process.execPath, '-e', js, name]);
  const v = JSON.parse(out.stdout.trim() || '"EMPTY"') as string[] | string;
  return Array.isArray(v) ? v : [];
}
/** An HTTP GET of / from inside a container (its own nc and resolv.conf): the body's last line. */
async function getIn(h: NetnsHost, cid: string, host: string): Promise<string> {
  const r = await docker(h.dockerHost, 'exec', cid, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 80`);
  return r.code === 0 && /^HTTP\/1\.\d 200/.test(r.stdout) ? r.stdout.trim().split('\n').pop()!.trim() : `ERR ${r.code} ${r.stderr.trim()}`;
}
/** The overlay addresses of a service's running tasks, from the managers. */
async function taskAddrs(service: string): Promise<string[]> {
  const ids = (await cli('service', 'ps', '-q', '--filter', 'desired-state=running', service)).stdout.trim().split('\n').filter(Boolean);
  const out: string[] = [];
  for (const id of ids) {
    const r = await cli('inspect', '--type', 'task', '-f', `{{range .NetworksAttachments}}{{if eq .Network.ID "${netId}"}}{{range .Addresses}}{{.}}{{end}}{{end}}{{end}}`, id);
    out.push(r.stdout.trim().split('/')[0]);
  }
  return out.sort();
}
/** A host still running a web task (other than `not`), and that task: scaling down may remove any host's task. */
async function webTaskOn(not?: NetnsHost): Promise<{ h: NetnsHost; c: string } | undefined> {
  for (const h of hosts) {
    if (h === not) continue;
    const [c] = await containers(h, 'web');
    if (c) return { h, c };
  }
  return undefined;
}
/** tasks.web as a running web task sees it: from whichever host still has one, as the scale-down may take any. */
async function tasksWebSeen(): Promise<number> {
  const w = await webTaskOn();
  return w ? (await resolveIn(w.h, w.c, 'tasks.web')).length : -1;
}
/** Six requests to the VIP of web from a task reach exactly `names` (each task of three twice), within a heartbeat. */
async function vipSpreadsOver(h: NetnsHost, cid: string, names: Set<string>): Promise<void> {
  let seen: string[] = [];
  await eventually(async () => {
    seen = [];
    for (let i = 0; i < 6; i++) seen.push(await getIn(h, cid, 'web'));
    return JSON.stringify([...new Set(seen)].sort()) === JSON.stringify([...names].sort());
  }, HEARTBEAT_MS, 'the VIP spreading over the tasks').catch((e) => { throw new Error(`${(e as Error).message}: ${seen.join(', ')}`); });
}
async function runningOn(service: string): Promise<string[]> {
  const r = await cli('service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
  return r.stdout.trim().split('\n').filter((l) => / Running/.test(l)).map((l) => l.split(' ')[0]).sort();
}

before(async () => {
  hosts = await netnsHosts(3);
  await Promise.all(hosts.map((h) => ensureBusyboxImage(h.dockerHost)));
  nodes = [];
  await swarmOnHosts(hosts, nodes);
  const c = await cli('network', 'create', '--driver', 'overlay', '--subnet', '10.0.77.0/24', 'tnet');
  assert.equal(c.code, 0, c.stderr);
  netId = c.stdout.trim();
});

after(async () => {
  for (const n of nodes ?? []) await n.stop().catch(() => undefined);
  for (const h of hosts ?? []) {
    const ids = (await docker(h.dockerHost, 'ps', '-aq', '--filter', 'label=com.docker.swarm.task.id')).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await docker(h.dockerHost, 'rm', '-f', ...ids);
  }
  // Nothing of the overlay stays behind: each data plane removes its namespaces when its tasks go.
  for (const n of nodes ?? []) {
    for (const f of await readdir(sandboxDir(n)).catch(() => [] as string[])) await inNetns(undefined, ['umount', join(sandboxDir(n), f)]);
    await rm(n.dataRoot, { recursive: true, force: true });
  }
});

test('tasks of one service on three hosts reach each other by service name (a VIP balanced over all three) and by tasks.<name>', async () => {
  const s = await cli('service', 'create', '-d', '--name', 'web', '--replicas', '3', '--network', 'tnet', '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => (await runningOn('web')).length === 3, 60_000, 'three running web tasks');
  assert.deepEqual(await runningOn('web'), ['tswh1', 'tswh2', 'tswh3']);
  const addrs = await taskAddrs('web');
  assert.equal(addrs.length, 3);
  for (const a of addrs) assert.match(a, /^10\.0\.77\.\d+$/);

  const [c1] = await containers(hosts[0], 'web');
  assert.match((await docker(hosts[0].dockerHost, 'exec', c1, 'cat', '/etc/resolv.conf')).stdout, /^nameserver 127\.0\.0\.11$/m);
  const names = new Set<string>();
  for (const h of hosts) names.add((await docker(h.dockerHost, 'exec', (await containers(h, 'web'))[0], 'hostname')).stdout.trim());
  // tasks.web: every task's address, wherever it runs (the last task's within a heartbeat of its start); web: the VIP, which is none of them.
  await eventually(async () => JSON.stringify(await resolveIn(hosts[0], c1, 'tasks.web')) === JSON.stringify(addrs), HEARTBEAT_MS, `tasks.web → ${addrs}`);
  const vip = await resolveIn(hosts[0], c1, 'web');
  assert.equal(vip.length, 1);
  assert.ok(!addrs.includes(vip[0]), `${vip[0]} is a task address`);
  // The VIP spreads new connections over the tasks on all three hosts (round robin: 6 requests, each task twice),
  // once the last task's backend is in (programmed a moment after its name).
  await vipSpreadsOver(hosts[0], c1, names);
  // By a task's address on another host, and by tasks.web.
  const other = addrs.find((a) => a !== addrs[0])!;
  assert.ok(names.has(await getIn(hosts[0], c1, other)));
  assert.ok(names.has(await getIn(hosts[0], c1, 'tasks.web')));
  // Outside traffic leaves through docker_gwbridge (the default route); the overlay is a second interface with its subnet's route.
  const ns = `/proc/${await pidOf(hosts[0], c1)}/ns/net`;
  const routes = (await inNetns(ns, ['ip', 'route'])).stdout;
  assert.match(routes, /^default via \S+ dev eth0/m);
  assert.match(routes, /^10\.0\.77\.0\/24 dev eth1 .*src 10\.0\.77\.\d+/m);
  const gw = await docker(hosts[0].dockerHost, 'network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.enable_icc"}} {{index .Options "com.docker.network.bridge.enable_ip_masquerade"}}', 'docker_gwbridge');
  assert.equal(gw.stdout.trim(), 'false true');
});

test('a dnsrr service resolves to all its task addresses, and a removed service leaves DNS within a heartbeat', async () => {
  const s = await cli('service', 'create', '-d', '--name', 'rr', '--replicas', '3', '--network', 'tnet', '--endpoint-mode', 'dnsrr', '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => (await runningOn('rr')).length === 3, 60_000, 'three running rr tasks');
  const addrs = await taskAddrs('rr');
  const [c2] = await containers(hosts[1], 'web');
  await eventually(async () => JSON.stringify(await resolveIn(hosts[1], c2, 'rr')) === JSON.stringify(addrs), 10_000, `rr → ${addrs}`);
  assert.deepEqual(await resolveIn(hosts[1], c2, 'tasks.rr'), addrs);

  const t0 = Date.now();
  assert.equal((await cli('service', 'rm', 'rr')).code, 0);
  await eventually(async () => (await resolveIn(hosts[1], c2, 'rr')).length === 0, 15_000, 'rr gone from DNS');
  const took = Date.now() - t0;
  assert.ok(took <= HEARTBEAT_MS, `rr left DNS after ${took} ms`);
});

test('a task removed leaves DNS and the VIP\'s backends within a heartbeat; its host drops the network with its last task', async () => {
  assert.equal(await tasksWebSeen(), 3);
  const t0 = Date.now();
  assert.equal((await cli('service', 'scale', '-d', 'web=2')).code, 0);
  await eventually(async () => (await tasksWebSeen()) === 2, 15_000, 'tasks.web down to 2');
  const took = Date.now() - t0;
  assert.ok(took <= HEARTBEAT_MS, `the removed task left DNS after ${took} ms`);
  // The removed task leaves DNS as it is told to stop; its container may still be stopping: the two left, once it is gone.
  const counts = await eventually(async () => {
    const cs = await Promise.all(hosts.map((h) => containers(h, 'web')));
    return cs.flat().length === 2 ? cs : undefined;
  }, 15_000, 'two web containers left');
  const left = await taskAddrs('web');
  const w = (await webTaskOn())!;
  assert.deepEqual(await resolveIn(w.h, w.c, 'tasks.web'), left);
  // The VIP now spreads over the two tasks left only.
  const leftNames = new Set<string>();
  for (const h of hosts) for (const c of await containers(h, 'web')) leftNames.add((await docker(h.dockerHost, 'exec', c, 'hostname')).stdout.trim());
  assert.equal(leftNames.size, 2);
  await vipSpreadsOver(w.h, w.c, leftNames);
  // The host without a web task has no task on tnet left: the network's namespace is gone from it.
  const empty = nodes[counts.findIndex((cs) => cs.length === 0)];
  await eventually(async () => (await readdir(sandboxDir(empty)).catch(() => [])).length === 0, 10_000, `network removed from ${empty.h.name}`);
  for (const n of nodes) if (n !== empty) assert.deepEqual(await readdir(sandboxDir(n)), [netId]);
});

test('a daemon SIGKILLed and restarted reuses the network it had made and removes what it had left half made', async () => {
  // A worker that still runs a web task.
  const withTask = await Promise.all(nodes.map(async (x) => (await containers(x.h, 'web')).length > 0));
  const victim = nodes.find((_x, i) => i > 0 && withTask[i])!;
  const sb = join(sandboxDir(victim), netId);
  const inodeBefore = (await inNetns(sb, ['stat', '-L', '-c', '%i', '/proc/self/ns/net'])).stdout.trim();
  await victim.kill('SIGKILL');
  // What a daemon killed in the middle of making a network leaves: a namespace file never bound.
  await mkdir(sandboxDir(victim), { recursive: true });
  await writeFile(join(sandboxDir(victim), 'halfmade00000000000000000'), '');
  await victim.restart();
  await eventually(async () => (await readdir(sandboxDir(victim))).join() === netId, 15_000, 'the half-made network removed');
  const inodeAfter = (await inNetns(sb, ['stat', '-L', '-c', '%i', '/proc/self/ns/net'])).stdout.trim();
  assert.equal(inodeAfter, inodeBefore, 'the same network namespace is reused');
  // The restarted daemon's task resolves names again (its resolver is started anew)…
  const [cv] = await containers(victim.h, 'web');
  await eventually(async () => (await resolveIn(victim.h, cv, 'tasks.web')).length === 2, 20_000, 'DNS in the restarted host\'s task');
  // …and still answers by name from the other host with a task.
  const w = (await webTaskOn(victim.h))!;
  const victimTask = (await docker(victim.h.dockerHost, 'exec', cv, 'hostname')).stdout.trim();
  await eventually(async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await getIn(w.h, w.c, 'web'));
    return seen.has(victimTask);
  }, 15_000, 'the restarted host\'s task answering through the VIP');
});

test('an overlay made with --opt com.docker.network.driver.mtu=1400: devices and task interfaces of 1350 on each host (as Docker 20.10), full frames cross hosts; a bad value rejects the task with Docker\'s message', async () => {
  const c = await cli('network', 'create', '-d', 'overlay', '--subnet', '10.0.78.0/24', '--opt', 'com.docker.network.driver.mtu=1400', 'mtunet');
  assert.equal(c.code, 0, c.stderr);
  const mtuNet = c.stdout.trim();
  assert.equal((await cli('network', 'create', '-d', 'overlay', '--opt', 'com.docker.network.driver.mtu=abc', 'mtubad')).code, 0, 'any value is taken, as Docker\'s managers do');
  const big = ['sh', '-c', 'mkdir -p /www; busybox dd if=/dev/zero of=/www/big bs=1024 count=200 2>/dev/null; exec httpd -f -p 80 -h /www'];
  try {
    assert.equal((await cli('service', 'create', '-d', '--name', 'big', '--replicas', '2', '--network', 'mtunet', '--stop-grace-period', '1s', TEST_IMAGE, ...big)).code, 0);
    assert.equal((await cli('service', 'create', '-d', '--name', 'bad', '--network', 'mtubad', TEST_IMAGE, 'sleep', '1d')).code, 0);
    await eventually(async () => (await runningOn('big')).length === 2, 60_000, 'two running big tasks');
    const tasks: { h: NetnsHost; c: string; addr: string }[] = [];
    for (const h of hosts) {
      for (const cid of await containers(h, 'big')) {
        const ns = `/proc/${await pidOf(h, cid)}/ns/net`;
        const line = (await inNetns(ns, ['ip', '-o', '-4', 'addr', 'show'])).stdout.split('\n').find((l) => l.includes(' 10.0.78.'))!;
        const [, ifname, addr] = /^\d+: (\S+)\s+inet (\S+)\//.exec(line)!;
        assert.equal((await docker(h.dockerHost, 'exec', cid, 'cat', `/sys/class/net/${ifname}/mtu`)).stdout.trim(), '1350', `the task's ${ifname} on ${h.name}`);
        const links = (await inNetns(join(sandboxDir(nodes.find((n) => n.h === h)!), mtuNet), ['ip', '-o', 'link'])).stdout;
        assert.match(links, /: vx-\S+: .* mtu 1350 /, `the VXLAN device on ${h.name}`);
        assert.match((await inNetns(ns, ['ip', '-d', 'link', 'show', ifname])).stdout, /macvlan mode bridge/, `the task's ${ifname} is a macvlan of it`);
        tasks.push({ h, c: cid, addr });
      }
    }
    assert.equal(tasks.length, 2);
    assert.notEqual(tasks[0].h, tasks[1].h, 'one task per host');
    // 200 kB from the task on the other host: full 1350-byte frames (1400 with VXLAN's headers) cross the underlay.
    const got = await docker(tasks[0].h.dockerHost, 'exec', tasks[0].c, 'sh', '-c', `printf 'GET /big HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${tasks[1].addr} 80 | busybox wc -c`);
    assert.ok(Number(got.stdout.trim()) > 200 * 1024, `fetched ${got.stdout.trim()} bytes ${got.stderr}`);
    // Docker 20.10 rejects such a task on its node with these words (seen on the reference engine).
    await eventually(async () => (await cli('service', 'ps', '--no-trunc', '--format', '{{.CurrentState}}|{{.Error}}', 'bad')).stdout.includes('Rejected'), 30_000, 'the bad task rejected');
    const ps = (await cli('service', 'ps', '--no-trunc', '--format', '{{.CurrentState}}|{{.Error}}', 'bad')).stdout.split('\n').find((l) => l.startsWith('Rejected'))!;
    assert.equal(ps.split('|')[1], '"failed to parse abc: strconv.Atoi: parsing "abc": invalid syntax"');
  } finally {
    // Gone even when a check failed: the next test wants no overlay left.
    await cli('service', 'rm', 'big', 'bad');
    for (const n of ['mtunet', 'mtubad']) await eventually(async () => (await cli('network', 'rm', n)).code === 0, 20_000, `network rm ${n}`);
  }
});

test('removing the service and the network leaves no overlay namespace on any host', async () => {
  assert.equal((await cli('service', 'rm', 'web')).code, 0);
  for (const n of nodes) await eventually(async () => (await readdir(sandboxDir(n)).catch(() => [])).length === 0, 20_000, `no network left on ${n.h.name}`);
  assert.equal((await cli('network', 'rm', 'tnet')).code, 0);
  for (const h of hosts) assert.doesNotMatch((await inNetns(h.netns, ['ip', '-o', 'link'])).stdout, /vx-|ve-|br-/);
});
