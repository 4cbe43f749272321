import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage, TEST_IMAGE } from '../helpers/image.js';
import { inNetns, netnsHosts, type NetnsHost } from '../helpers/netns-hosts.js';
import { swarmOnHosts, type HostNode } from '../helpers/netns-swarm.js';
import { docker, eventually } from '../helpers/tswarmd.js';

// `docker network create -d overlay --opt encrypted`: three simulated hosts (network namespaces with their own
// engine and tswarm daemon), tasks of a service on two of them. Between those two, the network's VXLAN travels
// in ESP (rfc4106(gcm(aes)), ESP in UDP 4500: this machine's kernel has no CONFIG_INET_ESP, so tswarm's own ESP
// endpoint does what xfrm would); the third host holds no keys or SAs; a plain network stays VXLAN in clear; a
// key rotation every 2 s loses no request; a host that leaves keeps no keys, SAs or rules.

type Node = HostNode;
const HOSTS = { TSWARM_HOSTS_NAME: 'tswi', TSWARM_HOSTS_NET: '10.82.0' };
const BRIDGE = 'tswi0';
const ROTATION_MS = 2000;
let hosts: NetnsHost[];
let nodes: Node[];
const vni: Record<string, number> = {};
const WEB_CMD = ['sh', '-c', 'mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 80 -h /www'];

const cli = (...a: string[]) => docker(nodes[0].host, ...a);
const stateFile = (n: Node) => join(n.dataRoot, 'agent', 'esp-states.json');
interface SAState { src: string; dst: string; proto: string; spi: string; dir: 'in' | 'out'; tag: number; aead: string; mode: string }
interface States { keys: number[]; primary: number; vnis: number[]; states: SAState[] }
const states = async (n: Node): Promise<States | undefined> => (existsSync(stateFile(n)) ? JSON.parse(await readFile(stateFile(n), 'utf8')) as States : undefined);

async function containers(h: NetnsHost, service: string): Promise<string[]> {
  const r = await docker(h.dockerHost, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`);
  return r.stdout.trim().split('\n').filter(Boolean);
}
/** An HTTP GET from inside a container: the answering task's hostname, or an error text. */
async function getIn(h: NetnsHost, cid: string, host: string): Promise<string> {
  const r = await docker(h.dockerHost, 'exec', cid, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 80`);
  return r.code === 0 && /^HTTP\/1\.\d 200/.test(r.stdout) ? r.stdout.trim().split('\n').pop()!.trim() : `ERR ${r.code} ${r.stderr.trim()}`;
}
/** A container's network namespace (the host's `ip` runs there; the test image has none). */
async function nsOf(h: NetnsHost, cid: string): Promise<string> {
  return `/proc/${(await docker(h.dockerHost, 'inspect', '-f', '{{.State.Pid}}', cid)).stdout.trim()}/ns/net`;
}
/** The address of a container on a network (its overlay interface). */
async function addrOn(h: NetnsHost, cid: string, subnetPrefix: string): Promise<string> {
  const out = (await inNetns(await nsOf(h, cid), ['ip', '-o', '-4', 'addr'])).stdout;
  return out.match(new RegExp(`inet (${subnetPrefix.replace(/\./g, '\\.')}\\d+)/`))?.[1] ?? '';
}
async function runningOn(service: string): Promise<string[]> {
  const r = await cli('service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
  return r.stdout.trim().split('\n').filter((l) => / Running/.test(l)).map((l) => l.split(' ')[0]).sort();
}

/** A capture of the hosts' link (the bridge in the root namespace), read back with tcpdump's decoding. */
async function capture<T>(during: () => Promise<T>): Promise<{ lines: string[]; result: T }> {
  const dir = await mkdtemp(join(tmpdir(), 'tswi-cap-'));
  const file = join(dir, 'cap.pcap');
  // --immediate-mode: else libpcap hands packets over in blocks (up to 1 s late) and those of the last block are lost at SIGINT.
  const p: ChildProcess = spawn('tcpdump', ['-i', BRIDGE, '-n', '--immediate-mode', '-U', '-w', file, 'udp port 4789 or udp port 4500'], { stdio: 'ignore' });
  await eventually(() => existsSync(file), 5000, 'tcpdump started');
  await new Promise((r) => setTimeout(r, 300));
  const result = await during();
  await new Promise((r) => setTimeout(r, 300));
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGINT');
  await exited;
  const read = await inNetns(undefined, ['tcpdump', '-r', file, '-n', '-nn']);
  await rm(dir, { recursive: true, force: true });
  return { lines: read.stdout.split('\n').filter(Boolean), result };
}

before(async () => {
  // Every leader's key manager rotates this often (Docker: 12 h); the daemons inherit it.
  process.env.TSWARM_NETWORK_KEY_ROTATION_MS = String(ROTATION_MS);
  hosts = await netnsHosts(3, HOSTS);
  await Promise.all(hosts.map((h) => ensureBusyboxImage(h.dockerHost)));
  nodes = [];
  await swarmOnHosts(hosts, nodes);
  for (const [name, subnet, opts] of [['sec', '10.0.82.0/24', ['--opt', 'encrypted']], ['plain', '10.0.83.0/24', []]] as const) {
    const c = await cli('network', 'create', '--driver', 'overlay', '--subnet', subnet, ...opts, name);
    assert.equal(c.code, 0, c.stderr);
    vni[name] = Number((await cli('network', 'inspect', '-f', '{{index .Options "com.docker.network.driver.overlay.vxlanid_list"}}', name)).stdout.trim());
  }
  // One task of each service on tswi1 and tswi2; tswi3 carries none.
  for (const [svc, net] of [['web', 'sec'], ['pweb', 'plain']]) {
    const s = await cli('service', 'create', '-d', '--name', svc, '--replicas', '2', '--replicas-max-per-node', '1', '--constraint', 'node.hostname!=tswi3',
      '--network', net, '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
    assert.equal(s.code, 0, s.stderr);
  }
  for (const svc of ['web', 'pweb']) await eventually(async () => (await runningOn(svc)).join() === 'tswi1,tswi2', 60_000, `${svc} running on tswi1 and tswi2`);
});

after(async () => {
  delete process.env.TSWARM_NETWORK_KEY_ROTATION_MS;
  for (const n of nodes ?? []) await n.stop().catch(() => undefined);
  for (const h of hosts ?? []) {
    const ids = (await docker(h.dockerHost, 'ps', '-aq', '--filter', 'label=com.docker.swarm.task.id')).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await docker(h.dockerHost, 'rm', '-f', ...ids);
    await inNetns(h.netns, ['nft', 'delete', 'table', 'ip', `tswarm_esp_${h.ip.replace(/\./g, '_')}`]);
  }
  for (const n of nodes ?? []) {
    for (const f of await readdir(join(n.dataRoot, 'agent', 'netns')).catch(() => [] as string[])) await inNetns(undefined, ['umount', join(n.dataRoot, 'agent', 'netns', f)]);
    await rm(n.dataRoot, { recursive: true, force: true });
  }
});

test('the two hosts carrying tasks hold ESP SAs for each other under every key of the ring; the host without tasks holds none', async (t) => {
  const [a, b, c] = nodes;
  const t0 = Date.now();
  for (const [self, peer] of [[a, b], [b, a]]) {
    const st = await eventually(async () => { const s = await states(self).catch(() => undefined); return s && s.states.length === 4 ? s : undefined; }, 10_000, `SAs on ${self.h.name}`);
    t.diagnostic(`${self.h.name}: SAs seen after ${Date.now() - t0} ms`);
    assert.deepEqual(st.vnis, [vni.sec], 'only the encrypted network');
    assert.equal(st.keys.length, 3, 'the whole ring');
    // One SA out (the primary key: the second newest) and one in per key, all with the peer, ESP in transport mode.
    const out = st.states.filter((s) => s.dir === 'out');
    assert.deepEqual(out.map((s) => [s.src, s.dst, s.tag]), [[self.h.ip, peer.h.ip, st.primary]]);
    assert.equal(st.primary, [...st.keys].sort((x, y) => y - x)[1]);
    assert.deepEqual(st.states.filter((s) => s.dir === 'in').map((s) => [s.src, s.dst]), [[peer.h.ip, self.h.ip], [peer.h.ip, self.h.ip], [peer.h.ip, self.h.ip]]);
    for (const s of st.states) assert.deepEqual([s.proto, s.mode, s.aead], ['esp', 'transport', 'rfc4106(gcm(aes))']);
    assert.ok(!JSON.stringify(st).includes(c.h.ip), 'no SA with the host without tasks');
    assert.match((await inNetns(self.h.netns, ['nft', 'list', 'table', 'ip', `tswarm_esp_${self.h.ip.replace(/\./g, '_')}`])).stdout, new RegExp(`@th,96,24 0x${vni.sec.toString(16)} dnat`));
  }
  // The two ends agree: a's outbound SPI is one of b's inbound ones.
  const [sa, sb] = [await states(a), await states(b)];
  assert.ok(sb!.states.some((s) => s.dir === 'in' && s.spi === sa!.states.find((x) => x.dir === 'out')!.spi));
  assert.equal(await states(c), undefined, 'tswi3 has no keys and no SAs');
  assert.equal((await inNetns(c.h.netns, ['nft', 'list', 'table', 'ip', 'tswarm_esp_10_82_0_3'])).code !== 0, true, 'and no rules');
  // The kernel here has no ESP (CONFIG_INET_ESP): xfrm holds nothing, the SAs are tswarm's own.
  assert.equal((await inNetns(a.h.netns, ['ip', 'xfrm', 'state'])).stdout.trim(), '');
});

test('on the hosts\' link the encrypted network is ESP only, never VXLAN in clear; the plain network is VXLAN in clear', async () => {
  const [ca] = await containers(hosts[0], 'web');
  const [cb] = await containers(hosts[1], 'web');
  const [pa] = await containers(hosts[0], 'pweb');
  const [pb] = await containers(hosts[1], 'pweb');
  const secB = await addrOn(hosts[1], cb, '10.0.82.');
  const plainB = await addrOn(hosts[1], pb, '10.0.83.');
  // The encrypted network's interfaces leave room for ESP (Docker: 1424; ESP in UDP with a 16-byte ICV: 1408).
  assert.match((await inNetns(await nsOf(hosts[0], ca), ['ip', '-o', 'link'])).stdout, /mtu 1408/);
  const { lines, result } = await capture(async () => [await getIn(hosts[0], ca, secB), await getIn(hosts[0], pa, plainB)]);
  const names = [cb, pb].map(async (c) => (await docker(hosts[1].dockerHost, 'exec', c, 'hostname')).stdout.trim());
  assert.deepEqual(result, await Promise.all(names), 'the tasks on tswi2 answered over both networks');
  const esp = lines.filter((l) => /UDP-encap: ESP\(spi=0x[0-9a-f]+,seq=0x[0-9a-f]+\)/.test(l));
  const between = (l: string) => (l.includes(`${hosts[0].ip}.4500 > ${hosts[1].ip}.4500`) || l.includes(`${hosts[1].ip}.4500 > ${hosts[0].ip}.4500`));
  assert.ok(esp.length >= 6, `ESP packets between the hosts (saw ${esp.length}):\n${lines.join('\n')}`);
  assert.ok(esp.every(between), 'ESP only between the two hosts carrying tasks');
  assert.ok(esp.some((l) => l.includes(`${hosts[0].ip}.4500 >`)) && esp.some((l) => l.includes(`${hosts[1].ip}.4500 >`)), 'both ways');
  const vx = lines.filter((l) => / VXLAN, /.test(l));
  assert.ok(vx.some((l) => l.includes(`vni ${vni.plain}`)), `the plain network's VXLAN is in clear:\n${lines.join('\n')}`);
  assert.ok(!vx.some((l) => l.includes(`vni ${vni.sec}`)), 'no VXLAN of the encrypted network in clear');
  assert.ok(!lines.some((l) => l.includes(secB) || l.includes('10.0.82.')), 'no inner address of the encrypted network visible');
});

test('tasks reach each other by name across key rotations without a failed request', async () => {
  const [ca] = await containers(hosts[0], 'web');
  const remote = (await docker(hosts[1].dockerHost, 'exec', (await containers(hosts[1], 'web'))[0], 'hostname')).stdout.trim();
  const before = (await states(nodes[0]))!;
  const results: string[] = [];
  const t0 = Date.now();
  // By the service's name: the VIP spreads the requests over the local and the remote task, for two and a half
  // rotation periods and until two rotations reached this host (a loaded machine delays them: up to 8 periods).
  const rotatedTwice = async () => Math.min(...(await states(nodes[0]))!.keys) >= Math.max(...before.keys);
  while (Date.now() - t0 < ROTATION_MS * 2.5 || (Date.now() - t0 < ROTATION_MS * 8 && !(await rotatedTwice()))) results.push(await getIn(hosts[0], ca, 'web'));
  const after = (await states(nodes[0]))!;
  assert.ok(Math.min(...after.keys) >= Math.max(...before.keys), `at least two rotations (${before.keys} → ${after.keys})`);
  assert.notEqual(after.primary, before.primary, 'the sending key changed');
  const failed = results.filter((r) => r.startsWith('ERR'));
  assert.deepEqual(failed, [], `${failed.length} of ${results.length} requests failed`);
  assert.ok(results.includes(remote), `the remote task answered (${[...new Set(results)]})`);
  assert.ok(results.length >= 5, `${results.length} requests`);
});

test('a host that leaves the swarm keeps no keys, SAs or rules', async () => {
  const b = nodes[1];
  const leave = await docker(b.host, 'swarm', 'leave', '--force');
  assert.equal(leave.code, 0, leave.stderr);
  await eventually(async () => !existsSync(stateFile(b)), 15_000, 'tswi2 has no SA left');
  assert.notEqual((await inNetns(b.h.netns, ['nft', 'list', 'table', 'ip', `tswarm_esp_${b.h.ip.replace(/\./g, '_')}`])).code, 0, 'no rules left on tswi2');
  assert.doesNotMatch((await inNetns(b.h.netns, ['ss', '-uln'])).stdout, /:4500\b/, 'no ESP endpoint left on tswi2');
});
