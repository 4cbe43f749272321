import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

// The container flags of `service create` / `service update` (networks, mounts, DNS, hosts, groups, capabilities,
// sysctls, ulimits, init, tty, read-only, log driver, isolation, OOM score, pids limit, env files, registry flags):
// tswarm's CLI against the docker CLI on the same daemon (sim executor), each on a service of its own (Xsvc is
// dsvc / tsvc): the same output, exit status and stored spec, a refusal of the daemon's included.

const norm = (s: string) => s.replace(/\b[dt]svc\b/g, 'X').replace(/\b[a-z0-9]{25}\b/g, '<id>').replaceAll('tswarm', 'docker');
// the docker CLI looks the image up in a registry before it sends a spec: not the daemon's output
const registryWarning = /^image \S+ could not be accessed on a registry[^]*?versions of the image\.\n\n?/m;
const outcome = (r: RunResult) => ({ code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr.replace(registryWarning, '')) });

test('tswarm service create/update container flags: docker\'s output and stored spec', { timeout: 240_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  for (const n of ['netx', 'nety']) assert.equal((await docker(d.host, 'network', 'create', '-d', 'overlay', n)).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'svc-flags-'));
  const envFile = join(dir, 'env');
  await writeFile(envFile, 'A=1\n# a comment\n  C=3\nPATH\n');
  const same = async (args: string[]) => {
    const [a, b] = await Promise.all([
      docker(d.host, ...args.map((x) => x.replaceAll('Xsvc', 'dsvc'))), tswarm(d.host, ...args.map((x) => x.replaceAll('Xsvc', 'tsvc')))]);
    assert.deepEqual(outcome(b), outcome(a), args.join(' '));
    return a;
  };
  const spec = async (name: string) => (await docker(d.host, 'service', 'inspect', '-f', '{{json .Spec}}', name)).stdout.trim().replaceAll(name, 'X');
  const sameSpec = async (what: string) => {
    const [a, b] = await Promise.all([spec('dsvc'), spec('tsvc')]);
    assert.equal(b, a, what);
    return JSON.parse(a);
  };

  await t.test('create with networks (long syntax, aliases), mounts of each type, DNS, hosts, caps, sysctls, init, tty, read-only, env file', async () => {
    const r = await same(['service', 'create', '-d', '--name', 'Xsvc', '--network', 'netx', '--network', 'name=nety,alias=a1,alias=a2',
      '--mount', 'type=volume,source=v,target=/d,volume-opt=a=b,volume-label=l=1,volume-driver=local',
      '--mount', 'type=bind,source=/tmp,target=/t,readonly,bind-propagation=rshared', '--mount', 'type=tmpfs,target=/tm,tmpfs-size=1m,tmpfs-mode=0700',
      '--dns', '1.1.1.1', '--init', '--env-file', envFile, '-e', 'A=2', '--read-only', '-t', '--host', 'h1:1.2.3.4', '--host', 'h2=5.6.7.8',
      '--cap-add', 'net_admin', '--cap-add', 'CAP_SYS_TIME', '--cap-drop', 'CHOWN', '--sysctl', 'net.core.somaxconn=1024', '--limit-pids', '10',
      '--no-resolve-image', '--with-registry-auth', 'busybox', 'top']);
    assert.equal(r.code, 0, r.stderr);
    const s = await sameSpec('create');
    const cs = s.TaskTemplate.ContainerSpec;
    assert.equal(s.TaskTemplate.Networks.length, 2);
    assert.equal(cs.Mounts.length, 3);
    assert.deepEqual([cs.Init, cs.TTY, cs.ReadOnly, cs.Hosts], [true, true, true, ['1.2.3.4 h1', '5.6.7.8 h2']]);
    assert.deepEqual(cs.Env.slice(0, 2), ['C=3', `PATH=${process.env.PATH}`]);
    assert.deepEqual(cs.CapabilityAdd, ['CAP_NET_ADMIN', 'CAP_SYS_TIME']);
    assert.equal(s.TaskTemplate.Resources.Limits.Pids, 10);
  });

  await t.test('update: network-add/rm, mount-add/rm, dns-add/rm, host-add/rm, group-rm, cap-add/drop, sysctl-add/rm, bools off, pids', async () => {
    const r = await same(['service', 'update', '-d', '--network-rm', 'nety', '--network-add', 'name=nety,alias=b1', '--mount-add', 'type=volume,source=w,target=/w',
      '--mount-rm', '/t', '--dns-add', '8.8.8.8', '--dns-rm', '1.1.1.1', '--init=false', '--read-only=false', '--tty=false', '--host-add', 'h3:9.9.9.9',
      '--host-rm', 'h1', '--group-rm', 'g', '--cap-add', 'chown', '--cap-drop', 'net_admin', '--sysctl-add', 'a.b=1', '--sysctl-rm', 'net.core.somaxconn',
      '--limit-pids', '0', '--no-resolve-image', 'Xsvc']);
    assert.equal(r.code, 0, r.stderr);
    const s = await sameSpec('update');
    assert.deepEqual(s.TaskTemplate.ContainerSpec.Hosts, ['5.6.7.8 h2', '9.9.9.9 h3']);
    assert.deepEqual(s.TaskTemplate.ContainerSpec.Sysctls, { 'a.b': '1' });
    // a network the service is on already
    assert.equal((await same(['service', 'update', '-d', '--network-add', 'netx', 'Xsvc'])).code, 1);
    await sameSpec('nothing changed');
  });

  await t.test('update: constraint-add/rm (sorted, as docker), placement-pref-add/rm, and a bad preference', async () => {
    const r = await same(['service', 'update', '-d', '--constraint-add', 'node.role==manager', '--constraint-add', 'node.labels.a==1',
      '--placement-pref-add', 'spread=node.labels.zone', '--placement-pref-add', 'spread=node.labels.rack', 'Xsvc']);
    assert.equal(r.code, 0, r.stderr);
    let s = await sameSpec('constraints and preferences added');
    assert.deepEqual(s.TaskTemplate.Placement.Constraints, ['node.labels.a==1', 'node.role==manager']);
    assert.deepEqual(s.TaskTemplate.Placement.Preferences.map((x: { Spread: { SpreadDescriptor: string } }) => x.Spread.SpreadDescriptor), ['node.labels.zone', 'node.labels.rack']);
    assert.equal((await same(['service', 'update', '-d', '--constraint-rm', 'node.labels.a==1', '--constraint-add', 'node.hostname!=x',
      '--placement-pref-rm', 'spread=node.labels.zone', '--placement-pref-add', 'spread=node.labels.zone', 'Xsvc'])).code, 0);
    s = await sameSpec('one of each removed, one added back');
    assert.deepEqual(s.TaskTemplate.Placement.Constraints, ['node.hostname!=x', 'node.role==manager']);
    assert.deepEqual(s.TaskTemplate.Placement.Preferences.map((x: { Spread: { SpreadDescriptor: string } }) => x.Spread.SpreadDescriptor), ['node.labels.rack', 'node.labels.zone']);
    assert.equal((await same(['service', 'update', '-d', '--constraint-rm', 'node.hostname!=x', '--constraint-rm', 'node.role==manager',
      '--placement-pref-rm', 'spread=node.labels.rack', '--placement-pref-rm', 'spread=node.labels.zone', 'Xsvc'])).code, 0);
    s = await sameSpec('all removed');
    assert.deepEqual(s.TaskTemplate.Placement ?? {}, {});
    assert.equal((await same(['service', 'update', '-d', '--placement-pref-add', 'pack=node.id', 'Xsvc'])).code, 125);
    await sameSpec('nothing changed by the refusal');
  });

  await t.test('update: publish-rm by target port (protocol and mode kept apart), publish-add once, sorted, as docker', async () => {
    // A service of each CLI's own (docker's publishes 28xxx, tswarm's 29xxx; P stands for the prefix).
    const svc = [{ cli: docker, name: 'dports', base: 28 }, { cli: tswarm, name: 'tports', base: 29 }];
    const ports = async (x: typeof svc[number], args: string[]) => {
      const r = await x.cli(d.host, 'service', 'update', '-d', ...args.map((a) => a.replaceAll('P', String(x.base))), x.name);
      assert.equal(r.code, 0, r.stderr);
      return stored(x);
    };
    const stored = async (x: typeof svc[number]) => {
      // Once the allocator has taken the spec (Endpoint.Spec), the next update cannot race its write: as with Docker,
      // an update sent meanwhile is refused "update out of sequence".
      const both = '{{json .Spec.EndpointSpec.Ports}}|{{json .Endpoint.Spec.Ports}}|{{.Endpoint.Spec.Mode}}';
      const [spec] = await eventually(async () => {
        const [a, b, mode] = (await docker(d.host, 'service', 'inspect', '-f', both, x.name)).stdout.trim().split('|');
        return a === b && mode !== '' && [a];
      }, 10_000, `${x.name}'s ports allocated`);
      const list = JSON.parse(spec) as { TargetPort: number; PublishedPort: number; Protocol: string }[] | null;
      return (list ?? []).map((p) => ({ ...p, PublishedPort: p.PublishedPort ? p.PublishedPort - x.base * 1000 : -1 })); // -1: none
    };
    const both = async (args: string[]) => {
      const [a, b] = [await ports(svc[0], args), await ports(svc[1], args)];
      assert.deepEqual(b, a, args.join(' '));
      return a.map((x) => `${x.PublishedPort}:${x.TargetPort}/${x.Protocol}`);
    };
    for (const x of svc) {
      assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', x.name, 'busybox', 'top')).code, 0);
      await stored(x);
    }
    assert.deepEqual(await both(['--publish-add', 'P097:80', '--publish-add', 'P098:81', '--publish-add', 'P099:80/udp']), ['97:80/tcp', '98:81/tcp', '99:80/udp']);
    // a published port names nothing: docker compares the target port
    assert.deepEqual(await both(['--publish-rm', 'P097']), ['97:80/tcp', '98:81/tcp', '99:80/udp']);
    assert.deepEqual(await both(['--publish-rm', '80', '--publish-add', 'P100:82', '--publish-add', 'P096:83', '--publish-add', 'P098:81']),
      ['96:83/tcp', '98:81/tcp', '99:80/udp', '100:82/tcp']);
    assert.deepEqual(await both(['--publish-rm', 'published=1,target=80,protocol=udp', '--publish-rm', 'target=81,mode=host']), ['96:83/tcp', '98:81/tcp', '100:82/tcp']);
    for (const x of svc) assert.equal((await docker(d.host, 'service', 'rm', x.name)).code, 0);

    // -p ranges (one container port over a host range; paired ranges), the long syntax, no published port. Docker's
    // order of a range's ports is its map's, so the lists are compared sorted.
    const made = async (x: typeof svc[number]) => {
      const p = (v: string) => ['-p', v.replaceAll('P', String(x.base))];
      const r = await x.cli(d.host, 'service', 'create', '-d', '--name', x.name, ...p('P000-P002:80'), ...p('P010-P011:90-91/uDp'),
        ...p('published=P020,target=93,mode=host,protocol=sctp'), ...p('94'), 'busybox', 'top');
      assert.equal(r.code, 0, r.stderr);
      return stored(x);
    };
    const key = (x: { PublishedPort: number; TargetPort: number; Protocol: string }) => `${x.PublishedPort}:${x.TargetPort}/${x.Protocol}`;
    const [a, b] = [(await made(svc[0])).map(key).sort(), (await made(svc[1])).map(key).sort()];
    assert.deepEqual(b, a);
    assert.deepEqual(a, ['-1:94/tcp', '0:80/tcp', '10:90/udp', '11:91/udp', '1:80/tcp', '20:93/sctp', '2:80/tcp']);
  });

  await t.test('the daemon\'s refusals of fields it does not support, as the docker CLI prints them', async () => {
    const refused = [
      ['--dns-search', 'example.com'], ['--dns-option', 'ndots:2'], ['--group', 'g1'], ['--ulimit', 'nofile=100:200'],
      ['--log-driver', 'json-file', '--log-opt', 'max-size=1m'], ['--isolation', 'process'], ['--oom-score-adj', '5'],
      ['--network', 'name=netx,driver-opt=x=y'],
    ];
    for (const flags of refused) assert.equal((await same(['service', 'create', '-d', '--name', 'Xbad', ...flags, 'busybox', 'top'])).code, 1, flags.join(' '));
    for (const flags of [['--group-add', 'g1'], ['--ulimit-add', 'nofile=1:2'], ['--ulimit-rm', 'nofile'], ['--dns-search-add', 'a.com'], ['--dns-search-rm', 'a.com'],
      ['--dns-option-add', 'x'], ['--dns-option-rm', 'x'], ['--log-driver', 'syslog'], ['--oom-score-adj', '1'], ['--isolation', 'hyperv']]) {
      await same(['service', 'update', '-d', ...flags, 'Xsvc']);
    }
    await sameSpec('after the refusals');
  });

  await t.test('errors: a network that does not exist, bad --mount syntax, bad values', async () => {
    assert.equal((await same(['service', 'create', '-d', '--name', 'Xbad', '--network', 'nope', 'busybox', 'top'])).code, 1);
    assert.equal((await same(['service', 'update', '-d', '--network-rm', 'nope', 'Xsvc'])).code, 1);
    for (const bad of [['--mount', 'type=volume'], ['--mount', 'source=a,target=/b,foo=bar'], ['--mount', 'a"b'], ['--mount', 'target=/a,readonly=maybe'],
      ['--mount', 'type=bind,target=/a,volume-opt=x=y'], ['--mount', 'type=tmpfs,target=/a,tmpfs-size=big'], ['--dns', 'notip'], ['--host', 'bad'],
      ['--ulimit', 'nofile=1:x'], ['--ulimit', 'nope=1'], ['--limit-pids', 'x'], ['--oom-score-adj', '1.5'], ['--network', 'name=x,foo=bar'], ['--log-opt', '=x']]) {
      assert.equal((await same(['service', 'create', '-d', '--name', 'Xbad', ...bad, 'busybox', 'top'])).code, 125, bad.join(' '));
    }
    // A missing env file: docker's open error (Node 20 itself reads --env-file anywhere on its command line unless after `--`)
    assert.equal((await same(['service', 'create', '-d', '--name', 'Xbad', '--env-file', '/nonexistent/env', 'busybox', 'top'])).code, 1);
    assert.equal((await same(['service', 'update', '-d', '--mount-add', 'type=nope', 'Xsvc'])).code, 125);
    assert.equal((await same(['service', 'update', '-d', '--mount-add', 'target=/x', '--mount-add', 'target=/x', 'Xsvc'])).code, 1);
    assert.equal((await docker(d.host, 'service', 'ls', '-q', '--filter', 'name=Xbad')).stdout, '');
    await sameSpec('nothing changed');
  });
});
