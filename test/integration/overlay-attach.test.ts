import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBusyboxImage, TEST_IMAGE } from '../helpers/image.js';
import { inNetns, netnsHosts, type NetnsHost } from '../helpers/netns-hosts.js';
import { swarmOnHosts, type HostNode } from '../helpers/netns-swarm.js';
import { docker, eventually } from '../helpers/tswarmd.js';
import { referenceEngine } from './invalid-input-engine.js';

// Plain containers on an attachable overlay (`docker run --network`, `docker
// network connect`), with the docker CLI talking to tswarm on three hosts
// (network namespaces, each its own engine and daemon): addresses from the
// managers, service discovery and traffic both ways across hosts, Docker's
// refusals (checked against the reference engine), and the address and the
// network released when the container goes.

type Node = HostNode;
let hosts: NetnsHost[];
let nodes: Node[];
let ref: string;
const HOSTS = { TSWARM_HOSTS_NAME: 'tswa', TSWARM_HOSTS_NET: '10.83.0' };
const WEB_CMD = ['sh', '-c', 'mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 80 -h /www'];
const sfx = Date.now().toString(36);
const ANET = `anet-${sfx}`; // attachable
const CNET = `cnet-${sfx}`; // not attachable

const cli = (i: number, ...a: string[]) => docker(nodes[i].host, ...a);
const sandboxDir = (n: Node) => join(n.dataRoot, 'agent', 'netns');

async function pidOf(i: number, c: string): Promise<number> {
  return Number((await docker(hosts[i].dockerHost, 'inspect', '-f', '{{.State.Pid}}', c)).stdout.trim());
}
/** The container's IPv4 addresses on the overlay subnet (from its namespace). */
async function overlayAddr(i: number, c: string): Promise<string | undefined> {
  const out = (await inNetns(`/proc/${await pidOf(i, c)}/ns/net`, ['ip', '-4', '-o', 'addr'])).stdout;
  return /inet (10\.0\.83\.\d+)\/24/.exec(out)?.[1];
}
/** Asks the resolver at 127.0.0.11 in a container's namespace (Node's resolver, run there with nsenter). */
async function resolveIn(i: number, c: string, name: string): Promise<string[]> {
  const js = `const {Resolver}=require('dns').promises;const r=new Resolver({timeout:2000,tries:1});r.setServers(['127.0.0.11']);` +
    `r.resolve4(process.argv[1]).then((a)=>console.log(JSON.stringify(a.sort())),(e)=>console.log(JSON.stringify(e.code)))`;
  const out = await inNetns(`/proc/${await pidOf(i, c)}/ns/net`, [process.execPath, '-e', js, name]);
  const v = JSON.parse(out.stdout.trim() || '"EMPTY"') as string[] | string;
  return Array.isArray(v) ? v : [];
}
/** An HTTP GET of / from inside a container (its nc, its resolv.conf): the body's last line. */
async function getIn(i: number, c: string, host: string): Promise<string> {
  const r = await docker(hosts[i].dockerHost, 'exec', c, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 80`);
  return r.code === 0 && /^HTTP\/1\.\d 200/.test(r.stdout) ? r.stdout.trim().split('\n').pop()!.trim() : `ERR ${r.code} ${r.stderr.trim()}`;
}
const overlaysListed = async (i: number) => (await cli(i, 'network', 'ls', '--filter', 'driver=overlay', '--format', '{{.Name}}')).stdout.trim().split('\n').filter((n) => n.endsWith(sfx));
/** The CLI's error line ("Error response from daemon: …" / "docker: Error …"). */
const errLine = (s: string) => s.split('\n').find((l) => /Error/.test(l))?.trim() ?? s.trim();

before(async () => {
  ref = await referenceEngine();
  hosts = await netnsHosts(3, HOSTS);
  await Promise.all([...hosts.map((h) => ensureBusyboxImage(h.dockerHost)), ensureBusyboxImage(ref)]);
  nodes = [];
  await swarmOnHosts(hosts, nodes);
  for (const host of [nodes[0].host, ref]) {
    assert.equal((await docker(host, 'network', 'create', '-d', 'overlay', '--attachable', '--subnet', '10.0.83.0/24', ANET)).code, 0);
    assert.equal((await docker(host, 'network', 'create', '-d', 'overlay', CNET)).code, 0);
  }
  // One web task, on the manager's host.
  const s = await cli(0, 'service', 'create', '-d', '--name', 'web', '--network', ANET, '--constraint', 'node.hostname==tswa1', '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => /Running/.test((await cli(0, 'service', 'ps', 'web', '--format', '{{.CurrentState}}')).stdout), 60_000, 'web running');
});

after(async () => {
  for (const n of nodes ?? []) await n.stop().catch(() => undefined);
  for (const h of hosts ?? []) {
    const ids = (await docker(h.dockerHost, 'ps', '-aq')).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await docker(h.dockerHost, 'rm', '-f', ...ids);
  }
  for (const n of nodes ?? []) {
    for (const f of await readdir(sandboxDir(n)).catch(() => [] as string[])) await inNetns(undefined, ['umount', join(sandboxDir(n), f)]);
    await rm(n.dataRoot, { recursive: true, force: true });
  }
  if (ref) {
    for (const c of ['att-ref-c', 'att-ref-d', 'att-ref-i']) await docker(ref, 'rm', '-f', `${c}-${sfx}`);
    await docker(ref, 'network', 'rm', ANET, CNET);
  }
});

test('docker run --network <attachable overlay> on a worker: an address on it, the service by name and VIP and the task by address across hosts, reached back; gone with the container', async () => {
  const pc = `pc-${sfx}`;
  const r = await cli(1, 'run', '-d', '--name', pc, '--network', ANET, TEST_IMAGE, ...WEB_CMD);
  assert.equal(r.code, 0, r.stderr);
  const addr = await overlayAddr(1, pc);
  assert.ok(addr, 'an address on the overlay');
  assert.match((await docker(hosts[1].dockerHost, 'exec', pc, 'cat', '/etc/resolv.conf')).stdout, /^nameserver 127\.0\.0\.11$/m);
  const webTask = (await docker(hosts[0].dockerHost, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=web')).stdout.trim();
  const webName = (await docker(hosts[0].dockerHost, 'exec', webTask, 'hostname')).stdout.trim();
  const webAddr = await overlayAddr(0, webTask);
  // By the service's name (its VIP), tasks.web and the task's address: all on the other host.
  assert.equal(await getIn(1, pc, 'web'), webName);
  assert.equal(await getIn(1, pc, 'tasks.web'), webName);
  assert.equal(await getIn(1, pc, webAddr!), webName);
  // Reached back: the task on the manager's host gets the container's page by its address.
  const pcName = (await docker(hosts[1].dockerHost, 'exec', pc, 'hostname')).stdout.trim();
  await eventually(async () => (await getIn(0, webTask, addr!)) === pcName, 10_000, 'the task reaches the container');

  // Worker network ls: the overlay in use there, not the other; a worker with nothing on it shows none.
  assert.deepEqual(await overlaysListed(1), [ANET]);
  assert.deepEqual(await overlaysListed(2), []);
  assert.equal((await cli(1, 'network', 'inspect', '-f', '{{.Scope}} {{.Driver}} {{.Attachable}}', ANET)).stdout.trim(), 'swarm overlay true');
  // In use by the container: network rm refused.
  assert.notEqual((await cli(0, 'network', 'rm', ANET)).code, 0);

  // Removed: the address goes back, the worker's namespace for the network goes, it leaves the worker's list.
  assert.equal((await cli(1, 'rm', '-f', pc)).code, 0);
  await eventually(async () => (await overlaysListed(1)).length === 0, 10_000, 'the overlay gone from the worker');
  await eventually(async () => (await readdir(sandboxDir(nodes[1])).catch(() => [])).length === 0, 10_000, 'no namespace left on the worker');
  const again = await cli(1, 'run', '-d', '--name', `${pc}-2`, '--network', ANET, TEST_IMAGE, 'sleep', '60');
  assert.equal(again.code, 0, again.stderr);
  assert.ok(await overlayAddr(1, `${pc}-2`));
  assert.equal((await cli(1, 'stop', '-t', '0', `${pc}-2`)).code, 0);
  await eventually(async () => (await overlaysListed(1)).length === 0, 10_000, 'stopped: the overlay gone from the worker');
});

test('docker network connect/disconnect of a running container on a worker; Docker\'s refusals, as the reference engine words them', async () => {
  const c = `pcc-${sfx}`;
  assert.equal((await cli(2, 'run', '-d', '--name', c, TEST_IMAGE, 'sleep', '600')).code, 0);
  const refC = `att-ref-c-${sfx}`;
  assert.equal((await docker(ref, 'run', '-d', '--name', refC, TEST_IMAGE, 'sleep', '600')).code, 0);
  const con = await cli(2, 'network', 'connect', '--alias', 'pcc', ANET, c);
  assert.equal(con.code, 0, con.stderr);
  const addr = await overlayAddr(2, c);
  assert.ok(addr, 'connected: an address on the overlay');
  const webTask = (await docker(hosts[0].dockerHost, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=web')).stdout.trim();
  const webName = (await docker(hosts[0].dockerHost, 'exec', webTask, 'hostname')).stdout.trim();
  // The resolver at 127.0.0.11 answers in its namespace (its resolv.conf stays the default bridge's: see resolveIn),
  // and the VIP reaches the task on the other host once that host has the container's address (a view flush).
  const vip = await eventually(async () => { const a = await resolveIn(2, c, 'web'); return a.length === 1 ? a[0] : undefined; }, 10_000, 'web resolved');
  await eventually(async () => (await getIn(2, c, vip)) === webName, 10_000, 'the connected container reaches web');

  // The same refusals, word for word, from tswarm and from Docker 20.10 (same names on both).
  // Already connected: Docker 20.10's words (checked by hand; the reference's own attach can time out on this kernel).
  const again = await cli(2, 'network', 'connect', ANET, c);
  assert.equal(errLine(again.stderr), `Error response from daemon: ${c} is already attached to network ${ANET}`);
  const refD = `att-ref-d-${sfx}`;
  const cases: [string, string[]][] = [
    ['not attachable', ['network', 'connect', CNET, '{c}']],
    ['no such network', ['network', 'connect', `nosuch-${sfx}`, '{c}']],
    ['no such container', ['network', 'connect', ANET, `nosuch-${sfx}`]],
    ['run on a non-attachable network', ['run', '-d', '--name', '{d}', '--network', CNET, TEST_IMAGE, 'true']],
  ];
  for (const [what, args] of cases) {
    const ours = await cli(2, ...args.map((a) => a.replace('{c}', c).replace('{d}', `pcd-${sfx}`)));
    const theirs = await docker(ref, ...args.map((a) => a.replace('{c}', refC).replace('{d}', refD)));
    assert.notEqual(ours.code, 0, what);
    assert.equal(ours.code, theirs.code, what);
    assert.equal(errLine(ours.stderr).replaceAll(c, '{c}'), errLine(theirs.stderr).replaceAll(refC, '{c}'), what);
  }

  const dis = await cli(2, 'network', 'disconnect', ANET, c);
  assert.equal(dis.code, 0, dis.stderr);
  assert.equal(await overlayAddr(2, c), undefined, 'disconnected: off the overlay');
  await eventually(async () => (await overlaysListed(2)).length === 0, 10_000, 'the overlay gone from the worker');
  // The engine's own networks stay the engine's.
  assert.equal((await cli(2, 'network', 'disconnect', 'bridge', c)).code, 0);
});

/** An inspect's endpoint on a network, with what differs by run (IDs, the address) put as names. */
function endpointShape(ep: Record<string, unknown>, id: string, netId: string): Record<string, unknown> {
  const ip = String(ep.IPAddress);
  const out = JSON.parse(JSON.stringify(ep).replaceAll(id.slice(0, 12), '{shortid}').replaceAll(netId, '{netid}').replaceAll(`"${ip}"`, '"{ip}"')) as Record<string, unknown>;
  out.EndpointID = /^[0-9a-f]{64}$/.test(String(ep.EndpointID)) ? '{64 hex}' : ep.EndpointID;
  out.MacAddress = ep.MacAddress === `02:42:${ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}` ? '{02:42:ip}' : ep.MacAddress;
  return out;
}
type InspectJson = { Id: string; Path: string; Args: string[]; Config: { Entrypoint: unknown; Cmd: unknown }; Mounts: unknown; HostConfig: { NetworkMode: string; Mounts?: unknown }; NetworkSettings: { IPAddress: string; Gateway: string; Networks: Record<string, Record<string, unknown>> } };
const inspectOf = async (host: string, c: string) => (JSON.parse((await docker(host, 'inspect', c)).stdout) as InspectJson[])[0];

test('docker inspect of an attached container shows the overlay (not docker_gwbridge) as Docker 20.10 does; network inspect lists it on its node', async () => {
  const c = `pci-${sfx}`;
  const refC = `att-ref-i-${sfx}`;
  const run = await cli(1, 'run', '-d', '--name', c, '--network', ANET, '--network-alias', 'foo', TEST_IMAGE, 'sleep', '600');
  assert.equal(run.code, 0, run.stderr);
  const refRun = await docker(ref, 'run', '-d', '--name', refC, '--network', ANET, '--network-alias', 'foo', TEST_IMAGE, 'sleep', '600');
  assert.equal(refRun.code, 0, refRun.stderr);
  const ours = await inspectOf(nodes[1].host, c);
  const theirs = await inspectOf(ref, refC);
  const netId = (await cli(1, 'network', 'inspect', '-f', '{{.Id}}', ANET)).stdout.trim();
  const refNetId = (await docker(ref, 'network', 'inspect', '-f', '{{.Id}}', ANET)).stdout.trim();
  assert.deepEqual(Object.keys(ours.NetworkSettings.Networks), [ANET]);
  assert.deepEqual(Object.keys(ours.NetworkSettings.Networks), Object.keys(theirs.NetworkSettings.Networks));
  assert.equal(ours.HostConfig.NetworkMode, theirs.HostConfig.NetworkMode);
  assert.deepEqual([ours.NetworkSettings.IPAddress, ours.NetworkSettings.Gateway], [theirs.NetworkSettings.IPAddress, theirs.NetworkSettings.Gateway]);
  const ep = ours.NetworkSettings.Networks[ANET];
  assert.equal(ep.NetworkID, netId);
  assert.equal(`${String(ep.IPAddress)}/${String(ep.IPPrefixLen)}`, `${await overlayAddr(1, c)}/24`, 'the address the container has');
  assert.deepEqual(endpointShape(ep, ours.Id, netId), endpointShape(theirs.NetworkSettings.Networks[ANET], theirs.Id, refNetId));
  // The command and mounts as given (the start gate that holds the process until the network is there is not shown).
  const cmdOf = (x: InspectJson) => ({ Path: x.Path, Args: x.Args, Entrypoint: x.Config.Entrypoint, Cmd: x.Config.Cmd, Mounts: x.Mounts, HostMounts: x.HostConfig.Mounts });
  assert.deepEqual(cmdOf(ours), cmdOf(theirs));
  // The container's node lists it under the network's Containers (Docker lists its local endpoints; its load-balancer one aside).
  type NetInspect = { Containers: Record<string, { Name: string; IPv4Address: string; MacAddress: string; EndpointID: string }> }[];
  const listed = (JSON.parse((await cli(1, 'network', 'inspect', ANET)).stdout) as NetInspect)[0].Containers[ours.Id];
  const refListed = (JSON.parse((await docker(ref, 'network', 'inspect', ANET)).stdout) as NetInspect)[0].Containers[theirs.Id];
  assert.deepEqual(listed, { Name: c, IPv4Address: `${String(ep.IPAddress)}/24`, MacAddress: ep.MacAddress, EndpointID: ep.EndpointID, IPv6Address: '' });
  assert.deepEqual(Object.keys(listed).sort(), Object.keys(refListed).sort());
  assert.equal(refListed.Name, refC);
  assert.equal((JSON.parse((await cli(2, 'network', 'inspect', ANET)).stdout || '[{}]') as NetInspect)[0]?.Containers?.[ours.Id], undefined, 'not on another node');
  assert.equal((await cli(1, 'rm', '-f', c)).code, 0);
});

test('attached containers resolve by name, alias and short ID from service tasks and other attached containers, across hosts; not once stopped', async () => {
  const a = `pcn-${sfx}`;
  const b = `pcm-${sfx}`;
  const runA = await cli(1, 'run', '-d', '--name', a, '--network', ANET, '--network-alias', `al-${sfx}`, TEST_IMAGE, ...WEB_CMD);
  assert.equal(runA.code, 0, runA.stderr);
  const runB = await cli(2, 'run', '-d', '--name', b, '--network', ANET, TEST_IMAGE, 'sleep', '600');
  assert.equal(runB.code, 0, runB.stderr);
  const addrA = (await overlayAddr(1, a))!;
  const shortA = (await docker(hosts[1].dockerHost, 'inspect', '-f', '{{.Id}}', a)).stdout.trim().slice(0, 12);
  const webTask = (await docker(hosts[0].dockerHost, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=web')).stdout.trim();
  for (const name of [a, `al-${sfx}`, shortA, `${a}.${ANET}`]) {
    await eventually(async () => (await resolveIn(0, webTask, name)).join() === addrA, 10_000, `${name} from the web task`);
    await eventually(async () => (await resolveIn(2, b, name)).join() === addrA, 10_000, `${name} from the other container`);
  }
  // Reached by name from the other host's container (busybox's own resolver, through its resolv.conf).
  const nameA = (await docker(hosts[1].dockerHost, 'exec', a, 'hostname')).stdout.trim();
  assert.equal(await getIn(2, b, a), nameA);
  assert.equal(await getIn(2, b, `al-${sfx}`), nameA);
  // Stopped: gone from DNS everywhere.
  assert.equal((await cli(1, 'stop', '-t', '0', a)).code, 0);
  await eventually(async () => (await resolveIn(0, webTask, a)).length === 0, 10_000, 'gone from the web task');
  await eventually(async () => (await resolveIn(2, b, `al-${sfx}`)).length === 0, 10_000, 'gone from the other container');
  assert.equal((await cli(1, 'rm', '-f', a)).code, 0);
  assert.equal((await cli(2, 'rm', '-f', b)).code, 0);
});

test('docker run --network: the container\'s process starts once it is on the overlay (interface, resolver, the service reached at once), every time', async () => {
  const webTask = (await docker(hosts[0].dockerHost, 'ps', '-q', '--filter', 'label=com.docker.swarm.service.name=web')).stdout.trim();
  const webName = (await docker(hosts[0].dockerHost, 'exec', webTask, 'hostname')).stdout.trim();
  for (let i = 0; i < 3; i++) {
    // The first thing the process does: list its interfaces and ask the service across hosts by name.
    const r = await cli(2, 'run', '--rm', '--network', ANET, TEST_IMAGE, 'sh', '-c', 'ls /sys/class/net; printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 5 web 80');
    assert.equal(r.code, 0, `run ${i}: ${r.stdout} ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim());
    assert.deepEqual([...lines.slice(0, 3), lines[3].replace(/^HTTP\/1\.\d/, 'HTTP'), lines.at(-1)], ['eth0', 'eth1', 'lo', 'HTTP 200 OK', webName], `run ${i}: ${r.stdout}`);
  }
  // A bare command name is the image's program (found in its PATH), its exit status the container's.
  const ls = await cli(1, 'run', '--rm', '--network', ANET, TEST_IMAGE, 'ls', '/sys/class/net');
  assert.deepEqual([ls.code, ls.stdout.trim().split('\n')], [0, ['eth0', 'eth1', 'lo']]);
  assert.equal((await cli(1, 'run', '--rm', '--network', ANET, TEST_IMAGE, 'sh', '-c', 'exit 3')).code, 3);
  assert.equal((await docker(ref, 'run', '--rm', '--network', ANET, TEST_IMAGE, 'sh', '-c', 'exit 3')).code, 3);
});
