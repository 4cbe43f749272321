/**
 * The embedded resolver and the nftables VIPs in real network namespaces
 * (tswd1..5 on the bridge tswd0, 10.79.0.0/24), with real clients in them:
 * busybox nslookup, wget, httpd, nc. Needs root; runs under the machine-wide lock.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { NetworkServiceView, NetworkView } from '../../src/types/network-view.js';
import { ServiceDiscovery } from '../../src/network/dns/service-discovery.js';
import { taskResolvConf } from '../../src/network/dns/resolv-conf.js';
import { nftInNamespace } from '../../src/network/vip/nft.js';
import { inNs, namespacesDown, namespacesUp, nsAddr, nsPath, startInNs, stopAll } from '../helpers/tswd-netns.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

const NS = [1, 2, 3, 4, 5];
const BACKENDS = [1, 2, 3];
const CLIENT = 4;
const VIP = '10.79.0.100';
const DNS_ASK = fileURLToPath(new URL('../helpers/dns-ask.js', import.meta.url));
const UDP_ECHO = fileURLToPath(new URL('../helpers/udp-echo.js', import.meta.url));

const task = (svc: string, slot: number, n: number) => ({ TaskID: `${svc}task${slot}`, Name: `${svc}.${slot}.${svc}task${slot}`, NodeID: 'node1', Addr: nsAddr(n) });
function webService(backends: number[]): NetworkServiceView {
  return { ServiceID: 'websvc', Name: 'web', EndpointMode: 'vip', VIP, Aliases: ['frontend'], Tasks: backends.map((n) => task('web', n, n)) };
}
function appnet(backends = BACKENDS): NetworkView {
  return {
    NetworkID: 'appnetid', Name: 'appnet', VNI: 4097, Subnet: '10.79.0.0/24', Gateway: '10.79.0.254', Ingress: false, Attachable: false, Encrypted: false, Peers: [],
    Services: [
      webService(backends),
      { ServiceID: 'rrsvc', Name: 'rr', EndpointMode: 'dnsrr', Aliases: [], Tasks: [task('rr', 1, 2), task('rr', 2, 3)] },
      // 60 tasks: more than a 512-byte UDP answer holds.
      { ServiceID: 'bigsvc', Name: 'big', EndpointMode: 'dnsrr', Aliases: [], Tasks: Array.from({ length: 60 }, (_, i) => ({ TaskID: `big${i}`, Name: `big.${i + 1}.big${i}`, NodeID: 'node1', Addr: `10.79.0.${120 + i}` })) },
    ],
  };
}
const othernet: NetworkView = {
  NetworkID: 'othernetid', Name: 'othernet', VNI: 4098, Subnet: '10.79.0.0/24', Gateway: '10.79.0.254', Ingress: false, Attachable: false, Encrypted: false, Peers: [],
  Services: [{ ServiceID: 'hiddensvc', Name: 'hidden', EndpointMode: 'vip', VIP: '10.79.0.200', Aliases: [], Tasks: [task('hidden', 1, 1)] }],
};

let upstream: FakeUpstream;
let sd: ServiceDiscovery;
let dir: string;
const nftCalls: string[] = [];
const started: ChildProcess[] = [];

before(async () => {
  await namespacesUp(NS);
  dir = await mkdtemp(join(tmpdir(), 'tswd-'));
  for (const n of BACKENDS) {
    await mkdir(join(dir, `www${n}`));
    await writeFile(join(dir, `www${n}`, 'index.html'), `b${n}\n`);
    await writeFile(join(dir, `echo${n}.sh`), `#!/bin/sh\necho b${n}\nexec cat\n`);
    await chmod(join(dir, `echo${n}.sh`), 0o755);
    startInNs(n, ['busybox', 'httpd', '-f', '-p', '80', '-h', join(dir, `www${n}`)], started);
    startInNs(n, ['busybox', 'nc', '-ll', '-p', '7000', '-e', join(dir, `echo${n}.sh`)], started);
    startInNs(n, [process.execPath, UDP_ECHO, 'serve', `b${n}`, '9000'], started);
  }
  upstream = await startFakeUpstream({ 'outside.test': '192.0.2.7' });
  sd = new ServiceDiscovery({
    upstreams: [{ host: '127.0.0.1', port: upstream.port }],
    nft: (path, script) => { nftCalls.push(`${path}\n${script}`); return nftInNamespace(path, script); },
  });
  await sd.attach('clienttask', nsPath(CLIENT), [appnet()]);
  await writeFile(join(dir, 'resolv.conf'), taskResolvConf('search example.internal\nnameserver 10.255.255.53\n'));
  // The backends listen before the first request.
  for (const n of BACKENDS) {
    for (let i = 0; i < 50 && (await inNs(CLIENT, ['busybox', 'wget', '-q', '-O', '-', `http://${nsAddr(n)}/`])).code !== 0; i++) await sleep(100);
    for (let i = 0; i < 50 && (await inNs(CLIENT, [process.execPath, UDP_ECHO, 'ask', nsAddr(n), '9000', '1'])).stdout.trim() !== `b${n}`; i++) await sleep(100);
  }
});

after(async () => {
  sd?.close();
  stopAll(started);
  await upstream?.close();
  await namespacesDown(NS);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** busybox nslookup NAME at 127.0.0.11 in namespace n: the addresses answered, or null when the name was not found. */
async function nslookup(n: number, name: string): Promise<string[] | null> {
  const r = await inNs(n, ['busybox', 'nslookup', name, '127.0.0.11']);
  if (/can't find|NXDOMAIN|SERVFAIL/.test(r.stdout + r.stderr)) return null;
  const addrs = [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]);
  return addrs.sort();
}

interface Reply { error?: string; flags: number; answers: { type: string; name: string; ttl: number; data: string }[]; size?: number; flag_tc?: boolean }
async function ask(n: number, name: string, type: string, proto: 'udp' | 'tcp'): Promise<Reply> {
  const r = await inNs(n, [process.execPath, DNS_ASK, '127.0.0.11', '53', name, type, proto]);
  return JSON.parse(r.stdout) as Reply;
}

async function wgetMany(n: number, url: string, count: number): Promise<string[]> {
  const r = await inNs(n, ['sh', '-c', `for i in $(seq ${count}); do busybox wget -q -O - ${url} || echo FAILED; done`], 60_000);
  return r.stdout.trim().split('\n');
}
const tally = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

test('service name → VIP, tasks.<name> → task IPs, aliases, full task names, <name>.<network>; dnsrr → task IPs', async () => {
  const ips = BACKENDS.map(nsAddr).sort();
  assert.deepEqual(await nslookup(CLIENT, 'web'), [VIP]);
  assert.deepEqual(await nslookup(CLIENT, 'WEB'), [VIP]);
  assert.deepEqual(await nslookup(CLIENT, 'tasks.web'), ips);
  assert.deepEqual(await nslookup(CLIENT, 'frontend'), [VIP]);
  assert.deepEqual(await nslookup(CLIENT, 'tasks.frontend'), ips);
  assert.deepEqual(await nslookup(CLIENT, 'web.2.webtask2'), [nsAddr(2)]);
  assert.deepEqual(await nslookup(CLIENT, 'web.appnet'), [VIP]);
  assert.deepEqual(await nslookup(CLIENT, 'tasks.web.appnet'), ips);
  assert.deepEqual(await nslookup(CLIENT, 'web.othernet'), null);
  assert.deepEqual(await nslookup(CLIENT, 'rr'), [nsAddr(2), nsAddr(3)].sort());
  assert.deepEqual(await nslookup(CLIENT, 'tasks.rr'), [nsAddr(2), nsAddr(3)].sort());
  // Docker answers no shorter form of a task name.
  assert.deepEqual(await nslookup(CLIENT, 'web.2'), null);
});

test('PTR of a task address, empty AAAA for our names, TTL 600, TCP too, and truncation over UDP', async () => {
  const ptr = await inNs(CLIENT, ['busybox', 'nslookup', nsAddr(3), '127.0.0.11']);
  assert.match(ptr.stdout, /3\.0\.79\.10\.in-addr\.arpa\s+name = web\.3\.webtask3\.appnet/);

  const a = await ask(CLIENT, 'web', 'A', 'udp');
  assert.deepEqual(a.answers.map((x) => [x.type, x.data, x.ttl]), [['A', VIP, 600]]);
  assert.equal(a.flags & 0xf, 0);
  const t = await ask(CLIENT, 'tasks.web', 'A', 'tcp');
  assert.deepEqual(t.answers.map((x) => x.data).sort(), BACKENDS.map(nsAddr).sort());

  const before = upstream.asked.length;
  const aaaa = await ask(CLIENT, 'web', 'AAAA', 'udp');
  assert.equal(aaaa.flags & 0xf, 0);
  assert.deepEqual(aaaa.answers, []);
  assert.equal(upstream.asked.length, before, 'AAAA of a service name must not go to the host resolver');

  const udp = await ask(CLIENT, 'tasks.big', 'A', 'udp');
  assert.ok(udp.flag_tc, 'truncated');
  assert.ok(udp.size! <= 512 && udp.answers.length > 10 && udp.answers.length < 60, `${udp.answers.length} answers in ${udp.size} bytes`);
  const tcp = await ask(CLIENT, 'tasks.big', 'A', 'tcp');
  assert.equal(tcp.answers.length, 60);
});

test('other names go to the host resolver (UDP and TCP); a task sees only the networks it shares', async () => {
  assert.deepEqual(await nslookup(CLIENT, 'outside.test'), ['192.0.2.7']);
  const tcp = await ask(CLIENT, 'outside.test', 'A', 'tcp');
  assert.deepEqual(tcp.answers.map((x) => x.data), ['192.0.2.7']);

  // hidden is on othernet, which the client task is not attached to.
  assert.equal(await nslookup(CLIENT, 'hidden'), null);
  assert.ok(upstream.asked.includes('A hidden'), 'forwarded, as Docker does with names it does not know');
  assert.equal(await nslookup(CLIENT, 'tasks.hidden'), null);

  await sd.attach('bothtask', nsPath(5), [appnet(), othernet]);
  try {
    assert.deepEqual(await nslookup(5, 'hidden'), ['10.79.0.200']);
    assert.deepEqual(await nslookup(5, 'web'), [VIP]);
    const out = await wgetMany(5, 'http://10.79.0.200/', 2);
    assert.deepEqual(out, ['b1', 'b1']);
  } finally {
    await sd.detach('bothtask');
  }
  assert.equal(await nslookup(CLIENT, 'hidden'), null);

  // The client task joins othernet too (service update --network-add), then leaves it again.
  await sd.attach('clienttask', nsPath(CLIENT), [appnet(), othernet]);
  assert.deepEqual(await nslookup(CLIENT, 'hidden'), ['10.79.0.200']);
  assert.deepEqual(await wgetMany(CLIENT, 'http://10.79.0.200/', 1), ['b1']);
  await sd.attach('clienttask', nsPath(CLIENT), [appnet()]);
  assert.equal(await nslookup(CLIENT, 'hidden'), null);
  assert.deepEqual(await nslookup(CLIENT, 'web'), [VIP]);
});

test('a task whose resolv.conf is the one taskResolvConf makes reaches the service by name', async () => {
  const r = await inNs(CLIENT, ['unshare', '-m', 'sh', '-c',
    `mount --bind ${join(dir, 'resolv.conf')} /etc/resolv.conf && cat /etc/resolv.conf && busybox wget -q -O - http://web/ && busybox wget -q -O - http://tasks.web/`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^search example\.internal\nnameserver 127\.0\.0\.11\noptions ndots:0\n/);
  assert.match(r.stdout, /\nb[123]\nb[123]\n$/);
});

test('the VIP balances connections round robin over the 3 backends', async () => {
  const out = await wgetMany(CLIENT, `http://${VIP}/`, 60);
  const counts = tally(out);
  assert.deepEqual([...counts.keys()].sort(), ['b1', 'b2', 'b3']);
  for (const [b, c] of counts) assert.ok(c >= 18 && c <= 22, `${b} answered ${c} of 60`);
});

test('UDP to the VIP is balanced too, on any port', async () => {
  const r = await inNs(CLIENT, [process.execPath, UDP_ECHO, 'ask', VIP, '9000', '9']);
  const counts = tally(r.stdout.trim().split('\n'));
  assert.deepEqual([...counts].sort(), [['b1', 3], ['b2', 3], ['b3', 3]]);
});

test('a backend removed: no new connection reaches it, an established one to a remaining backend keeps working', async () => {
  const conn = startInNs(CLIENT, ['busybox', 'nc', VIP, '7000'], started);
  const lines: string[] = [];
  conn.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')));
  const waitLines = async (k: number) => { for (let i = 0; i < 100 && lines.length < k; i++) await sleep(50); };
  await waitLines(1);
  const held = lines[0];
  assert.match(held, /^b[123]$/);
  const removed = BACKENDS.find((n) => `b${n}` !== held)!;

  const calls = nftCalls.length;
  await sd.update([appnet(BACKENDS.filter((n) => n !== removed))]);
  assert.equal(nftCalls.length, calls + 1, 'one transaction in the one namespace attached');
  assert.doesNotMatch(nftCalls.at(-1)!, /delete table/, 'a change replaces the VIP chain only');

  const out = await wgetMany(CLIENT, `http://${VIP}/`, 30);
  const counts = tally(out);
  assert.equal(counts.get(`b${removed}`), undefined, `b${removed} was removed: ${JSON.stringify([...counts])}`);
  assert.equal(counts.size, 2);
  conn.stdin!.write('still here\n');
  await waitLines(2);
  assert.equal(lines[1], 'still here');
  conn.kill();
  // The same views again: nothing to do, no nft.
  await sd.update([appnet(BACKENDS.filter((n) => n !== removed)), othernet]);
  assert.equal(nftCalls.length, calls + 1);
  await sd.update([appnet()]);
  assert.equal(tally(await wgetMany(CLIENT, `http://${VIP}/`, 6)).size, 3);
});

test('no backends: connections to the VIP are refused at once and the name is gone', async () => {
  await sd.update([appnet([])]);
  try {
    const t0 = performance.now();
    const r = await inNs(CLIENT, ['busybox', 'wget', '-q', '-O', '-', `http://${VIP}/`]);
    const ms = performance.now() - t0;
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Connection refused/);
    assert.ok(ms < 1000, `refused after ${ms} ms`);
    const udp = await inNs(CLIENT, [process.execPath, UDP_ECHO, 'ask', VIP, '9000', '1']);
    assert.equal(udp.stdout.trim(), 'ECONNREFUSED');
    assert.equal(await nslookup(CLIENT, 'web'), null);
    assert.equal(await nslookup(CLIENT, 'frontend'), null);
  } finally {
    await sd.update([appnet()]);
  }
  assert.deepEqual(await nslookup(CLIENT, 'web'), [VIP]);
});

test('a service gone from the view takes its VIP chain with it', async () => {
  const without = appnet();
  without.Services = without.Services.filter((x) => x.Name !== 'web');
  await sd.update([without]);
  try {
    const table = (await inNs(CLIENT, ['nft', 'list', 'table', 'ip', 'tswarm_vip'])).stdout;
    assert.doesNotMatch(table, /10\.79\.0\.100|vip_10_79_0_100/);
    assert.match(table, /nat_output/);
  } finally {
    await sd.update([appnet()]);
  }
  assert.match((await inNs(CLIENT, ['nft', 'list', 'table', 'ip', 'tswarm_vip'])).stdout, /vip_10_79_0_100/);
  assert.equal(tally(await wgetMany(CLIENT, `http://${VIP}/`, 3)).size, 3);
});

test('a restarted daemon replaces the VIP table it finds; detach stops the resolver and removes the table', async () => {
  // Rules of a previous daemon with another backend set stay in the namespace after close().
  const old = new ServiceDiscovery({ upstreams: [{ host: '127.0.0.1', port: upstream.port }] });
  await old.attach('roundtrip', nsPath(5), [appnet([1])]);
  old.close();
  assert.match((await inNs(5, ['nft', 'list', 'table', 'ip', 'tswarm_vip'])).stdout, /dnat to 10\.79\.0\.1\b/);

  const next = new ServiceDiscovery({ upstreams: [{ host: '127.0.0.1', port: upstream.port }] });
  try {
    await next.attach('roundtrip', nsPath(5), [appnet([2, 3])]);
    const tables = (await inNs(5, ['nft', 'list', 'tables'])).stdout.trim().split('\n');
    assert.deepEqual(tables, ['table ip tswarm_vip']);
    assert.deepEqual([...tally(await wgetMany(5, `http://${VIP}/`, 10)).keys()].sort(), ['b2', 'b3']);
    assert.deepEqual(await nslookup(5, 'web'), [VIP]);
    await next.detach('roundtrip');
    assert.equal((await inNs(5, ['nft', 'list', 'tables'])).stdout.trim(), '');
    const r = await inNs(5, ['busybox', 'nslookup', '-timeout=1', '-retry=0', 'web', '127.0.0.11']);
    assert.notEqual(r.code, 0, r.stdout);
  } finally {
    next.close();
  }
});
