import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ensureBusyboxImage, TEST_IMAGE } from '../helpers/image.js';
import { inNetns, MESH_HOSTS_ENV, netnsHosts, type NetnsHost } from '../helpers/netns-hosts.js';
import { swarmOnHosts, type HostNode } from '../helpers/netns-swarm.js';
import { docker, eventually } from '../helpers/tswarmd.js';

// The routing mesh across three simulated hosts (network namespaces, each with its own Docker engine and
// tswarm daemon with the docker executor), asked from outside them: this test process, in the root
// namespace, is the client (10.81.0.254 on the hosts' bridge).

type Node = HostNode;
let hosts: NetnsHost[];
let nodes: Node[];
const HEARTBEAT_MS = 5000; // Docker's default dispatcher heartbeat
/** This test process's address on the hosts' bridge: the client. */
const CLIENT = '10.81.0.254';
const UDP_ECHO = fileURLToPath(new URL('../helpers/udp-echo.js', import.meta.url));
/** A web server answering its host name on / and, by CGI, the address the connection came from on /cgi-bin/ip (also logged). */
const WEB_CMD = ['sh', '-c', 'mkdir -p /www/cgi-bin; hostname > /www/index.html; ' +
  'printf \'#!/bin/sh\\necho "client $REMOTE_ADDR" >&2\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n%%s\\\\n" "$REMOTE_ADDR"\\n\' > /www/cgi-bin/ip; ' +
  'busybox chmod +x /www/cgi-bin/ip; exec httpd -f -p 80 -h /www'];
const started: ChildProcess[] = [];

const cli = (...a: string[]) => docker(nodes[0].host, ...a);

/** GET http://ip:port/path from the client; the body's last line, or ERR… */
function get(ip: string, port: number, path = '/', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const r = request({ host: ip, port, path, timeout: timeoutMs, agent: false }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      // busybox httpd shows an IPv4 client as [::ffff:a.b.c.d] (its socket is IPv6).
      res.on('end', () => resolve(res.statusCode === 200 ? b.trim().split('\n').pop()!.trim().replace(/^\[::ffff:(.*)\]$/, '$1') : `ERR ${res.statusCode}`));
    });
    r.on('error', (e) => resolve(`ERR ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.end();
  });
}

/** One datagram from a new socket (a new flow for conntrack); the answer or ERR… */
function ask(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (x: string) => { clearTimeout(timer); s.close(); resolve(x); };
    const timer = setTimeout(() => done('ERR timeout'), 2000);
    s.on('message', (m) => done(m.toString()));
    s.on('error', (err) => done(`ERR ${(err as NodeJS.ErrnoException).code}`));
    s.connect(port, ip, () => s.send('hi'));
  });
}

async function containers(h: NetnsHost, service: string): Promise<string[]> {
  const r = await docker(h.dockerHost, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`);
  return r.stdout.trim().split('\n').filter(Boolean);
}
async function runningOn(service: string): Promise<string[]> {
  const r = await cli('service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
  return r.stdout.trim().split('\n').filter((l) => / Running/.test(l)).map((l) => l.split(' ')[0]).sort();
}
/** The host names of a service's running containers (its tasks' answers). */
async function taskNames(service: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const h of hosts) for (const c of await containers(h, service)) out.add((await docker(h.dockerHost, 'exec', c, 'hostname')).stdout.trim());
  return out;
}
/** Each host's own address on the ingress network (the mesh's source address without keep-source-ip). */
async function ingressAddrs(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of nodes) {
    const ns = await inNetns(n.h.netns, ['ip', '-j', 'link', 'show']);
    const link = (JSON.parse(ns.stdout) as { ifname: string }[]).find((l) => l.ifname.startsWith('tsi-'));
    assert.ok(link, `no mesh link on ${n.h.name}`);
    const file = (await inNetns(undefined, ['sh', '-c', `ls ${n.dataRoot}/agent/ingress/`])).stdout.trim();
    const a = await inNetns(`${n.dataRoot}/agent/ingress/${file}`, ['ip', '-j', 'addr', 'show']);
    const br = (JSON.parse(a.stdout) as { ifname: string; addr_info: { local: string }[] }[]).find((l) => l.ifname.startsWith('br-'));
    out.set(n.h.name, br!.addr_info[0].local);
  }
  return out;
}

before(async () => {
  hosts = await netnsHosts(3, MESH_HOSTS_ENV);
  await Promise.all(hosts.map((h) => ensureBusyboxImage(h.dockerHost)));
  nodes = [];
  await swarmOnHosts(hosts, nodes);
});

after(async () => {
  for (const p of started) p.kill('SIGKILL');
  for (const h of hosts ?? []) {
    const ids = (await docker(h.dockerHost, 'ps', '-aq', '--filter', 'label=com.docker.swarm.task.id')).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) await docker(h.dockerHost, 'rm', '-f', ...ids);
  }
  // Leaving removes what the mesh made on each host (namespace, host link, nftables table, FORWARD rules).
  for (const n of [...(nodes ?? [])].reverse()) await docker(n.host, 'swarm', 'leave', '--force');
  for (const n of nodes ?? []) await n.stop().catch(() => undefined);
  for (const h of hosts ?? []) {
    assert.doesNotMatch((await inNetns(h.netns, ['ip', '-o', 'link'])).stdout, /tsi-/, `mesh link left on ${h.name}`);
    assert.doesNotMatch((await inNetns(h.netns, ['nft', 'list', 'tables'])).stdout, /tswarm_mesh/, `mesh table left on ${h.name}`);
  }
});

test('a published port answers on every host, balanced over the tasks on all three hosts', async () => {
  const s = await cli('service', 'create', '-d', '--name', 'web', '--replicas', '3', '-p', '18080:80', '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => (await runningOn('web')).length === 3, 60_000, 'three running web tasks');
  assert.deepEqual(await runningOn('web'), ['tswm1', 'tswm2', 'tswm3']);
  const names = await taskNames('web');
  assert.equal(names.size, 3);
  for (const h of hosts) {
    // Round robin per new connection: six requests reach each task twice, whichever host they enter by
    // (the port answers as soon as one task's backend is in; the others' come within a heartbeat).
    await eventually(async () => (await get(h.ip, 18080)) !== '' && !(await get(h.ip, 18080)).startsWith('ERR'), 10_000, `${h.name}:18080 answering`);
    let seen: string[] = [];
    await eventually(async () => {
      seen = [];
      for (let i = 0; i < 6; i++) seen.push(await get(h.ip, 18080));
      return JSON.stringify([...new Set(seen)].sort()) === JSON.stringify([...names].sort());
    }, HEARTBEAT_MS, `${h.name} balancing over the three tasks`).catch((e) => { throw new Error(`${(e as Error).message}: ${seen.join(', ')}`); });
  }
  // Without keep-source-ip the task sees the entry host's ingress address (SNAT), as Docker.
  const ing = await ingressAddrs();
  for (const h of hosts) assert.equal(await get(h.ip, 18080, '/cgi-bin/ip'), ing.get(h.name), `source seen through ${h.name}`);
});

test('keep-source-ip: the task sees (and logs) the client\'s address whether it runs on the entry host or another', async () => {
  const s = await cli('service', 'create', '-d', '--name', 'api', '--replicas', '1', '--constraint', 'node.hostname==tswm2', '-p', '19090:80',
    '--label', 'com.tswarm.mesh.keep-source-ip=true', '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => (await runningOn('api')).length === 1, 60_000, 'the api task running');
  for (const h of hosts) {
    // tswm2: the task is local to the entry host; tswm1, tswm3: it is remote (the reply goes back through them).
    let last = '';
    await eventually(async () => (last = await get(h.ip, 19090, '/cgi-bin/ip')) === CLIENT, HEARTBEAT_MS, `the client's address seen through ${h.name}`)
      .catch((e) => { throw new Error(`${(e as Error).message}; last answer ${last}`); });
    // Several connections, each answered (the replies of every one route back).
    for (let i = 0; i < 3; i++) assert.equal(await get(h.ip, 19090, '/cgi-bin/ip'), CLIENT, `through ${h.name}`);
  }
  const [c] = await containers(hosts[1], 'api');
  const logged = (await docker(hosts[1].dockerHost, 'logs', c)).stderr.split('\n').filter((l) => l.startsWith('client ')).map((l) => l.replace(/^client (\[::ffff:)?([^\]]*)\]?$/, '$2'));
  assert.ok(logged.length >= 12, `${logged.length} requests logged`);
  assert.deepEqual(new Set(logged), new Set([CLIENT]));
  // The web service (no label) still sees each entry host's ingress address.
  const ing = await ingressAddrs();
  assert.equal(await get(hosts[0].ip, 18080, '/cgi-bin/ip'), ing.get(hosts[0].name));
  assert.equal((await cli('service', 'rm', 'api')).code, 0);
});

test('UDP: a published UDP port answers on every host from the tasks of all hosts', async () => {
  const s = await cli('service', 'create', '-d', '--name', 'ud', '--replicas', '3', '-p', '5353:53/udp', '--stop-grace-period', '1s', TEST_IMAGE, 'sleep', '1d');
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => (await runningOn('ud')).length === 3, 60_000, 'three running ud tasks');
  // The answering process lives in each task's network namespace (busybox has no UDP server).
  for (const h of hosts) {
    for (const c of await containers(h, 'ud')) {
      const pid = (await docker(h.dockerHost, 'inspect', '-f', '{{.State.Pid}}', c)).stdout.trim();
      started.push(spawn('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, UDP_ECHO, 'serve', `ud-${h.name}`, '53'], { stdio: 'ignore' }));
    }
  }
  const want = new Set(hosts.map((h) => `ud-${h.name}`));
  for (const h of hosts) {
    await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await ask(h.ip, 5353));
      return [...want].every((w) => seen.has(w)) && seen.size === 3;
    }, 15_000, `UDP through ${h.name} reaching all three tasks`);
  }
  assert.equal((await cli('service', 'rm', 'ud')).code, 0);
});

test('a task killed: no request to the published port fails for longer than a heartbeat', async () => {
  let stop = false;
  const results: { t: number; ok: boolean }[] = [];
  const loop = (async () => {
    while (!stop) {
      const t = Date.now();
      const r = await get(hosts[0].ip, 18080, '/', 1000);
      results.push({ t, ok: !r.startsWith('ERR') });
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  const [victim] = await containers(hosts[1], 'web');
  const victimTask = (await docker(hosts[1].dockerHost, 'inspect', '-f', '{{index .Config.Labels "com.docker.swarm.task.id"}}', victim)).stdout.trim();
  const tKill = Date.now();
  assert.equal((await docker(hosts[1].dockerHost, 'kill', victim)).code, 0);
  // Replaced: the managers know the killed task ended, and three others run.
  await eventually(async () => (await cli('inspect', '--type', 'task', '-f', '{{.Status.State}}', victimTask)).stdout.trim() !== 'running' &&
    (await runningOn('web')).length === 3, 30_000, 'the task replaced');
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await loop;
  let worst = 0;
  let since: number | undefined;
  for (const r of results) {
    if (!r.ok) since ??= r.t; else if (since !== undefined) { worst = Math.max(worst, r.t - since); since = undefined; }
  }
  const timeline = results.map((r) => `${r.t - tKill}:${r.ok ? 'ok' : 'ERR'}`).join(' ');
  assert.equal(since, undefined, `requests still failing at the end (ms after the kill: ${timeline})`);
  assert.ok(results.length > 10, `only ${results.length} requests made`);
  assert.ok(worst < HEARTBEAT_MS, `requests failed for ${worst} ms (${timeline})`);
  // The new task answers too.
  const names = await taskNames('web');
  await eventually(async () => { const seen = new Set<string>(); for (let i = 0; i < 6; i++) seen.add(await get(hosts[2].ip, 18080)); return [...names].every((n) => seen.has(n)); }, 10_000, 'every task answering again');
});

test('one task: the two hosts without it forward to it, and a drained host still answers', async () => {
  assert.equal((await cli('service', 'scale', '-d', 'web=1')).code, 0);
  await eventually(async () => (await runningOn('web')).length === 1 && (await taskNames('web')).size === 1, 30_000, 'one web task');
  const [only] = await taskNames('web');
  for (const h of hosts) await eventually(async () => { for (let i = 0; i < 3; i++) if ((await get(h.ip, 18080)) !== only) return false; return true; }, HEARTBEAT_MS, `${h.name} answering from the one task`);
  const [where] = await runningOn('web');
  assert.equal((await cli('node', 'update', '--availability', 'drain', where)).code, 0);
  try {
    await eventually(async () => { const on = await runningOn('web'); return on.length === 1 && on[0] !== where; }, 30_000, 'the task moved off the drained host');
    // The old container may still be stopping (listed, exec failing): wait for the one new task's name.
    const moved = await eventually(async () => {
      const names = [...await taskNames('web')].filter(Boolean);
      return names.length === 1 && names[0] !== only ? names[0] : undefined;
    }, 30_000, 'the moved task alone');
    const drained = hosts.find((h) => h.name === where)!;
    let last = '';
    await eventually(async () => (last = await get(drained.ip, 18080)) === moved, HEARTBEAT_MS, 'the drained host forwarding')
      .catch((e) => { throw new Error(`${(e as Error).message}: last answer ${last}, the task ${moved}`); });
  } finally {
    // The next tests need every host: active again even when this one failed.
    assert.equal((await cli('node', 'update', '--availability', 'active', where)).code, 0);
  }
});

test('host mode: the port answers only on the hosts running a task; a fourth task finds no host with the port free', async () => {
  const s = await cli('service', 'create', '-d', '--name', 'h', '--replicas', '2', '--publish', 'published=18085,target=80,mode=host',
    '--constraint', 'node.hostname!=tswm1', '--stop-grace-period', '1s', TEST_IMAGE, ...WEB_CMD);
  assert.equal(s.code, 0, s.stderr);
  await eventually(async () => (await runningOn('h')).length === 2, 60_000, 'two h tasks');
  assert.deepEqual(await runningOn('h'), ['tswm2', 'tswm3']);
  for (const h of hosts.slice(1)) {
    const [c] = await containers(h, 'h');
    const own = (await docker(h.dockerHost, 'exec', c, 'hostname')).stdout.trim();
    await eventually(async () => (await get(h.ip, 18085)) === own, 10_000, `${h.name}:18085 answering from its own task`);
  }
  assert.match(await get(hosts[0].ip, 18085), /^ERR ECONNREFUSED/, 'no task on tswm1: nothing listens there');
  // Two tasks with one host port cannot share a host: the third waits with the scheduler's reason.
  assert.equal((await cli('service', 'scale', '-d', 'h=3')).code, 0);
  await eventually(async () => /host-mode port already in use on 2 nodes/.test((await cli('service', 'ps', '--no-trunc', '--format', '{{.Error}} {{.CurrentState}}', 'h')).stdout), 15_000, 'the third task pending');
  assert.equal((await cli('service', 'rm', 'h')).code, 0);
});

test('--publish-add / --publish-rm re-program every host', async () => {
  const u = await cli('service', 'update', '-d', '--publish-add', '18443:80', '--publish-rm', 'published=18080,target=80', 'web');
  assert.equal(u.code, 0, u.stderr);
  const [only] = await taskNames('web');
  for (const h of hosts) {
    await eventually(async () => (await get(h.ip, 18443)) === only, HEARTBEAT_MS, `${h.name}:18443 answering`);
    let last = '';
    await eventually(async () => (last = await get(h.ip, 18080)).startsWith('ERR ECONNREFUSED'), HEARTBEAT_MS, `${h.name}:18080 closed`).catch((e) => { throw new Error(`${(e as Error).message}; last answer ${last}`); });
  }
});
