import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { OverlayHost } from '../../../src/network/overlay/overlay-host.js';
import { IpRunner } from '../../../src/network/overlay/ip-runner.js';
import { isMounted } from '../../../src/network/overlay/sandbox.js';
import { notrackTable } from '../../../src/network/overlay/vxlan-notrack.js';
import type { NetworkView } from '../../../src/types/network-view.js';
import type { Task } from '../../../src/types/objects.js';
import { netnsHosts, inNetns, type NetnsHost } from '../../helpers/netns-hosts.js';

// The data plane alone, from hand-made NetworkViews: two simulated hosts
// (network namespaces on one bridge), a "task" namespace on each, a VXLAN
// between them; ping and HTTP over it, then teardown and restart.

const NET = 'n1overlaytest0000000000aa';
let hosts: NetnsHost[];
let dir: string;
const taskNs: string[] = [];
let httpd: ChildProcess | undefined;

function view(peers: { node: string; addr: string; tasks: string[] }[]): NetworkView {
  return {
    NetworkID: NET, Name: 'hand-made', VNI: 4242, Subnet: '10.99.9.0/24', Gateway: '10.99.9.1', Ingress: false, Attachable: false, Encrypted: false,
    Peers: peers.map((p) => ({ NodeID: p.node, Addr: p.addr, Addresses: p.tasks })), Services: [],
  };
}
function task(id: string, addr: string): Task {
  return { ID: id, NetworksAttachments: [{ Network: { ID: NET, Spec: { Name: 'hand-made', DriverConfiguration: { Name: 'overlay' } } }, Addresses: [addr] }] } as unknown as Task;
}
function overlay(i: number, viewWaitMs = 2000) {
  return new OverlayHost({ root: join(dir, `h${i}`), localAddr: hosts[i].ip, nodeId: () => `node${i}`, runner: new IpRunner(hosts[i].netns), viewWaitMs });
}
async function newNs(name: string) {
  const p = join(dir, name);
  await writeFile(p, '');
  const r = await inNetns(undefined, ['unshare', `--net=${p}`, 'true']);
  assert.equal(r.code, 0, r.stderr);
  taskNs.push(p);
  return p;
}
const links = async (netns: string) => (await inNetns(netns, ['ip', '-o', 'link'])).stdout;

before(async () => {
  hosts = await netnsHosts(2);
  dir = await mkdtemp(join(tmpdir(), 'tswarm-overlay-'));
});

after(async () => {
  httpd?.kill();
  for (const p of taskNs) { await inNetns(undefined, ['umount', p]); }
  for (const i of [0, 1]) await overlay(i).removeAll().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

test('two tasks on two hosts reach each other over the VXLAN built from the views; the network goes with its last task; a restart reconciles', async () => {
  const [o1, o2] = [overlay(0), overlay(1)];
  const v = view([{ node: 'node0', addr: hosts[0].ip, tasks: ['10.99.9.2'] }, { node: 'node1', addr: hosts[1].ip, tasks: ['10.99.9.3'] }]);
  await o1.setView(v);
  await o2.setView(v);
  const [a, b] = [await newNs('taskA'), await newNs('taskB')];
  const ja = await o1.attach(task('taskaaaaaaaaaaaaaaaaaaaaa', '10.99.9.2/24'), a);
  const jb = await o2.attach(task('taskbbbbbbbbbbbbbbbbbbbbb', '10.99.9.3/24'), b);
  assert.deepEqual(ja.map((j) => [j.ifname, j.address]), [['eth0', '10.99.9.2']]);
  assert.deepEqual(jb.map((j) => [j.ifname, j.address]), [['eth0', '10.99.9.3']]);

  // The hosts show nothing of the overlay: the VXLAN device lives in the network's namespace, the tasks' links in theirs.
  assert.doesNotMatch(await links(hosts[0].netns), /vx-|br-|ve-/);
  const sb1 = join(dir, 'h0', NET);
  assert.match(await links(sb1), /vx-n1overlaytes/);
  const vx = (await inNetns(sb1, ['ip', '-d', 'link', 'show', 'vx-n1overlaytes'])).stdout;
  assert.match(vx, /vxlan id 4242 local 10\.77\.0\.1 .*dstport 4789 nolearning proxy/);
  // The task's link is a macvlan of that VXLAN device, with the MAC made from its address; no bridge, no veth.
  assert.match((await inNetns(a, ['ip', '-d', 'link', 'show', 'eth0'])).stdout, /eth0@if\d+: .* mtu 1450 [\s\S]*link\/ether 02:42:0a:63:09:02 [\s\S]*macvlan mode bridge/);
  assert.doesNotMatch(await links(sb1), /br-|ve-/);
  // The peer's address is programmed statically: neighbour and FDB entries, nothing learnt.
  assert.match((await inNetns(sb1, ['ip', 'neigh', 'show', 'dev', 'vx-n1overlaytes'])).stdout, /10\.99\.9\.3 lladdr 02:42:0a:63:09:03 PERMANENT/);
  assert.match((await inNetns(sb1, ['bridge', 'fdb', 'show', 'dev', 'vx-n1overlaytes'])).stdout, /02:42:0a:63:09:03 dst 10\.77\.0\.2 .*self permanent/);

  // The host's conntrack skips the network's VXLAN datagrams (by VNI 4242 = 0x1092, both ways); an encrypted network's stay tracked
  // (its ESP NAT needs them: overlay-encrypted.test.ts sees no VXLAN in clear on the wire).
  const notrack = async () => (await inNetns(hosts[0].netns, ['nft', 'list', 'table', 'ip', notrackTable(join(dir, 'h0'))])).stdout;
  assert.match(await notrack(), /prerouting priority raw[\s\S]*udp dport 4789 @th,96,24 0x1092 notrack[\s\S]*output priority raw[\s\S]*udp dport 4789 @th,96,24 0x1092 notrack/);

  const ping = await inNetns(a, ['busybox', 'ping', '-c', '2', '-W', '2', '10.99.9.3']);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  const www = join(dir, 'www');
  await mkdir(www);
  await writeFile(join(www, 'index.html'), 'over the overlay\n');
  httpd = spawn('nsenter', [`--net=${b}`, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
  let body = '';
  for (let i = 0; i < 50 && !body; i++) {
    body = (await inNetns(a, ['curl', '-s', '--max-time', '2', 'http://10.99.9.3:8080/'])).stdout;
    if (!body) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(body, 'over the overlay\n');

  // A peer's task leaves the view: its entries go, and it can no longer be reached.
  await o1.setView(view([{ node: 'node0', addr: hosts[0].ip, tasks: ['10.99.9.2'] }, { node: 'node1', addr: hosts[1].ip, tasks: [] }]));
  assert.doesNotMatch((await inNetns(sb1, ['bridge', 'fdb', 'show', 'dev', 'vx-n1overlaytes'])).stdout, /02:42:0a:63:09:03 dst/);
  assert.doesNotMatch((await inNetns(sb1, ['ip', 'neigh', 'show', 'dev', 'vx-n1overlaytes'])).stdout, /10\.99\.9\.3/);
  assert.notEqual((await inNetns(a, ['busybox', 'ping', '-c', '1', '-W', '1', '10.99.9.3'])).code, 0);
  await o1.setView(v);

  // A daemon that restarts (a new OverlayHost on the same state) keeps what its tasks use and removes the rest.
  const c = await newNs('taskC');
  await o1.attach(task('taskccccccccccccccccccccc', '10.99.9.4/24'), c);
  // Two tasks of one host reach each other through their macvlans (bridge mode), not through VXLAN.
  const local = await inNetns(c, ['busybox', 'ping', '-c', '1', '-W', '2', '10.99.9.2']);
  assert.equal(local.code, 0, local.stdout + local.stderr);
  // Attaching again (a rejoin after a restart) changes nothing.
  assert.deepEqual((await o1.attach(task('taskccccccccccccccccccccc', '10.99.9.4/24'), c)).map((j) => j.ifname), [undefined]);
  assert.equal((await links(c)).match(/eth\d+@/g)?.length, 1);
  const restarted = overlay(0);
  await restarted.reconcile(['taskaaaaaaaaaaaaaaaaaaaaa']);
  assert.doesNotMatch(await links(c), /eth0/, 'the link of a task not kept goes from its namespace');
  assert.match(await links(a), /eth0/);
  assert.deepEqual(await readdir(join(dir, 'h0-links', NET)), ['ve-taskaaaaaaaa']);
  assert.equal((await inNetns(a, ['busybox', 'ping', '-c', '1', '-W', '2', '10.99.9.3'])).code, 0);

  // The last task leaves (its namespace alive): its link goes from there, the network's namespace (VXLAN, entries) and records from the host.
  await restarted.detach('taskaaaaaaaaaaaaaaaaaaaaa');
  assert.equal(await isMounted(sb1), false);
  assert.deepEqual(await readdir(join(dir, 'h0')), []);
  assert.deepEqual(await readdir(join(dir, 'h0-links')), []);
  assert.doesNotMatch(await links(a), /eth0/);
  // The other host still has its task, so its network stays.
  assert.equal(await isMounted(join(dir, 'h1', NET)), true);
  await o2.detach('taskbbbbbbbbbbbbbbbbbbbbb');
  assert.equal(await isMounted(join(dir, 'h1', NET)), false);
  // Leaving the swarm: the notrack rules go with the rest.
  await restarted.removeAll();
  assert.doesNotMatch((await inNetns(hosts[0].netns, ['nft', 'list', 'tables'])).stdout, new RegExp(notrackTable(join(dir, 'h0'))));
});

test('a half-made network (a file without a namespace, as after a SIGKILL) is cleaned on reconcile', async () => {
  const o = overlay(0);
  await mkdir(join(dir, 'h0'), { recursive: true });
  await writeFile(join(dir, 'h0', 'halfmade00000000000000000'), '');
  await o.reconcile([]);
  assert.deepEqual(await readdir(join(dir, 'h0')), []);
});

test('a task whose namespace went away without a detach no longer holds its network: it goes at the next check', async () => {
  const o = overlay(0);
  await o.setView(view([{ node: 'node0', addr: hosts[0].ip, tasks: ['10.99.9.5'] }]));
  const e = await newNs('taskE');
  await o.attach(task('taskeeeeeeeeeeeeeeeeeeeee', '10.99.9.5/24'), e);
  assert.equal(await isMounted(join(dir, 'h0', NET)), true);
  // The namespace ends (its last holder gone) and its macvlan with it; the agent still thinks the task runs.
  assert.equal((await inNetns(undefined, ['umount', e])).code, 0);
  await o.reconcile(['taskeeeeeeeeeeeeeeeeeeeee']);
  assert.equal(await isMounted(join(dir, 'h0', NET)), false);
  assert.deepEqual(await readdir(join(dir, 'h0-links')), []);
});

test('a view with the swarm\'s data path port: the VXLAN device and the notrack rules use it, and tasks on two hosts reach each other over it', async () => {
  const [o1, o2] = [overlay(0), overlay(1)];
  const v = { ...view([{ node: 'node0', addr: hosts[0].ip, tasks: ['10.99.9.6'] }, { node: 'node1', addr: hosts[1].ip, tasks: ['10.99.9.7'] }]), DataPathPort: 7790 };
  await o1.setView(v);
  await o2.setView(v);
  const [f, g] = [await newNs('taskF'), await newNs('taskG')];
  await o1.attach(task('taskfffffffffffffffffffff', '10.99.9.6/24'), f);
  await o2.attach(task('taskggggggggggggggggggggg', '10.99.9.7/24'), g);
  const vx = (await inNetns(join(dir, 'h0', NET), ['ip', '-d', 'link', 'show', 'vx-n1overlaytes'])).stdout;
  assert.match(vx, /vxlan id 4242 local 10\.77\.0\.1 .*dstport 7790 /);
  assert.match((await inNetns(hosts[0].netns, ['nft', 'list', 'table', 'ip', notrackTable(join(dir, 'h0'))])).stdout, /udp dport 7790 @th,96,24 0x1092 notrack/);
  const ping = await inNetns(f, ['busybox', 'ping', '-c', '2', '-W', '2', '10.99.9.7']);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  for (const [o, id] of [[o1, 'taskfffffffffffffffffffff'], [o2, 'taskggggggggggggggggggggg']] as const) { await o.detach(id); await o.removeAll(); }
});

test('attaching to a network with no view fails with a clear error', async () => {
  const o = overlay(0, 300);
  const ns = await newNs('taskD');
  await assert.rejects(o.attach(task('taskddddddddddddddddddddd', '10.99.9.9/24'), ns), /network n1overlaytest0000000000aa not found on this node/);
});
