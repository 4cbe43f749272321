import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { docker, eventually, startTswarmd, type RunResult } from '../helpers/tswarmd.js';
import { raw, referenceEngine, socketOf } from './invalid-input-engine.js';
import { skipWithoutTestEngine, testEngine as engine } from '../helpers/docker-executor-setup.js';

/**
 * The real docker CLI against tswarm and against a real Docker 20.10 swarm
 * manager, side by side: the same commands give the same output, modulo IDs,
 * dates and VXLAN IDs (the reference engine is shared and long-lived), and
 * the same errors. Names and subnets are fresh per run so the reference's
 * other networks never collide.
 */
test('network create/ls/inspect/rm and their refusals: as Docker 20.10', { timeout: 300_000, skip: skipWithoutTestEngine }, async (t) => {
  assert.ok(engine, 'CI must provide TSWARM_TEST_DOCKER_HOST');
  const refHost = await referenceEngine();
  const d = await startTswarmd({ executor: 'docker', dockerHost: engine });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const tag = `nv${randomInt(1e6)}`;
  const net = (s: string) => `${tag}-${s}`;
  const octet = 100 + randomInt(150);
  const subnet = (i: number) => `10.${octet}.${i}.0/24`;
  const both = async (...args: string[]): Promise<[RunResult, RunResult]> => Promise.all([docker(d.host, ...args), docker(refHost, ...args)]);
  const cleanup: string[][] = [];
  t.after(async () => { for (const c of cleanup.reverse()) await docker(refHost, ...c); });
  /** Output with what differs by nature (IDs, dates, VXLAN IDs) masked. */
  const mask = (s: string, ids: string[]) => {
    let out = s.replace(/"Created": "[^"]+"/g, '"Created": "…"').replace(/"(com\.docker\.network\.driver\.overlay\.vxlanid_list)": "\d+"/g, '"$1": "…"');
    for (const id of ids) out = out.split(id).join('<id>').split(id.slice(0, 12)).join('<id>');
    return out;
  };
  const same = (what: string, [a, b]: [RunResult, RunResult], ids: string[] = []) => {
    assert.equal(a.code, b.code, `${what}: exit ${a.code} vs Docker ${b.code}\n${a.stderr}\n${b.stderr}`);
    assert.equal(mask(a.stdout, ids), mask(b.stdout, ids), `${what}: stdout`);
    assert.equal(mask(a.stderr, ids), mask(b.stderr, ids), `${what}: stderr`);
  };

  await t.test('create, inspect, ls with filters', async () => {
    const created = await both('network', 'create', '-d', 'overlay', '--subnet', subnet(1), '--gateway', `10.${octet}.1.1`, '--attachable', '--label', 'a=b', net('front'));
    cleanup.push(['network', 'rm', net('front')]);
    assert.equal(created[0].code, 0, created[0].stderr);
    assert.equal(created[1].code, 0, created[1].stderr);
    const ids = created.map((r) => r.stdout.trim());
    assert.match(ids[0], /^[0-9a-z]{25}$/);
    const plain = await both('network', 'create', '-d', 'overlay', '--subnet', subnet(2), net('back'));
    cleanup.push(['network', 'rm', net('back')]);
    ids.push(...plain.map((r) => r.stdout.trim()));
    same('inspect', await both('network', 'inspect', net('front')), ids);
    same('inspect two', await both('network', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Attachable}} {{.Labels}} {{.IPAM.Config}}', net('front'), net('back')), ids);
    for (const f of [[], ['--filter', 'driver=overlay'], ['--filter', 'label=a=b'], ['--filter', 'label=a'], ['--filter', 'scope=swarm'], ['--filter', 'type=custom'],
      ['--filter', 'type=builtin'], ['--filter', 'dangling=true'], ['--filter', 'scope=local']]) {
      same(`ls ${f.join(' ')}`, await both('network', 'ls', '--filter', `name=${net('front')}`, '--filter', `name=${net('back')}`, '--filter', `name=${tag}`, ...f, '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.IPv6}} {{.Labels}}'), ids);
    }
    // Docker 20.10 filters swarm networks by exact name: a prefix of the name finds none.
    assert.equal((await docker(d.host, 'network', 'ls', '--filter', `name=${net('front')}`, '--format', '{{.Name}}')).stdout, `${net('front')}\n`);
    same('ls by a name prefix', await both('network', 'ls', '--filter', `name=${tag}`, '--format', '{{.Name}}'), ids);
    // By ID prefix: each side finds its own network.
    for (const [host, id] of [[d.host, ids[0]], [refHost, ids[1]]]) {
      assert.equal((await docker(host, 'network', 'ls', '-q', '--filter', `id=${id.slice(0, 6)}`)).stdout, `${id.slice(0, 12)}\n`, host);
    }
    // The merged list: the engine's local networks with the swarm's.
    const all = (await docker(d.host, 'network', 'ls', '--format', '{{.Name}} {{.Scope}}')).stdout.split('\n');
    for (const x of ['bridge local', 'host local', 'none local', 'ingress swarm', `${net('front')} swarm`]) assert.ok(all.includes(x), `${x} in\n${all.join('\n')}`);
    // Driver options: encrypted, and the overlay's MTU, stored and shown as Docker's; any MTU value is taken at
    // create, as Docker's managers do (its driver parses it on each node and rejects the task there:
    // overlay-multihost.test.ts).
    for (const [i, opt] of [[5, 'com.docker.network.driver.mtu=1400'], [6, 'com.docker.network.driver.mtu=abc'], [7, 'encrypted']] as const) {
      const r = await both('network', 'create', '-d', 'overlay', '--subnet', subnet(i), '--opt', opt, net(`opt${i}`));
      cleanup.push(['network', 'rm', net(`opt${i}`)]);
      const optIds = r.map((x) => x.stdout.trim());
      same(`create --opt ${opt}`, r, optIds);
      same(`inspect --opt ${opt}`, await both('network', 'inspect', net(`opt${i}`)), optIds);
    }
    same('bad filter', await both('network', 'ls', '--filter', 'bogus=1'));
    same('bad type', await both('network', 'ls', '--filter', 'type=x'));
  });

  await t.test('refusals: name taken, bad IPAM, predefined names, ingress twice, bad driver', async () => {
    for (const args of [
      ['-d', 'overlay', net('front')],
      ['-d', 'overlay', 'host'],
      ['-d', 'overlay', 'bridge'],
      ['-d', 'overlay', '--subnet', subnet(3), '--gateway', '10.1.1.1', net('x')],
      ['-d', 'overlay', '--subnet', subnet(3), '--gateway', 'abc', net('x')],
      ['-d', 'overlay', '--subnet', subnet(3), '--ip-range', `10.${octet}.4.0/25`, net('x')],
      ['-d', 'overlay', '--ipam-driver', 'foo', net('x')],
      ['-d', 'overlay', '--ingress', net('x')],
      ['-d', 'foo', '--scope', 'swarm', net('x')],
    ]) {
      const r = await both('network', 'create', ...args);
      const ids = [...r[0].stderr.matchAll(/\(([0-9a-z]{25})\)/g), ...r[1].stderr.matchAll(/\(([0-9a-z]{25})\)/g)].map((m) => m[1]);
      same(`create ${args.join(' ')}`, r, ids);
      assert.notEqual(r[0].code, 0);
    }
    // Bad bodies sent to the API itself.
    const ref = socketOf(refHost);
    for (const body of ['{"Name":5,"Driver":"overlay"}', '{"Name":"x","Driver":"overlay","Attachable":"yes"}', '{"Name":"x","Driver":"overlay","IPAM":{"Config":{}}}',
      `{"Name":"${net('x')}","Driver":"overlay","IPAM":{"Config":[{"Subnet":"10.0.0.0/33"}]}}`, `{"Name":"${net('x')}","Driver":"overlay","IPAM":{"Config":[{"Gateway":"10.1.1.1"}]}}`,
      '{"Name":"a b","Driver":"overlay"}', '{"Driver":"overlay"}', '{"Name":"x","Driver":"overlay","Labels":{"com.docker.swarm.internal":"1"}}']) {
      const [a, b] = await Promise.all([raw(d.socket, 'POST', '/v1.41/networks/create', body), raw(ref, 'POST', '/v1.41/networks/create', body)]);
      if (b.status < 300) await raw(ref, 'DELETE', `/v1.41/networks/${b.json.Id}`);
      assert.deepEqual([a.status, a.message], [b.status, b.message], body);
    }
    assert.equal((await docker(d.host, 'network', 'ls', '-q', '--filter', `name=${net('x')}`)).stdout, '', 'nothing stored');
  });

  await t.test('services on networks: VIPs, dnsrr, refusals, rm in use', async () => {
    const svc = net('web');
    const created = await both('service', 'create', '-d', '--name', svc, '--replicas', '0', '--network', `name=${net('front')},alias=w`, 'busybox', 'sleep', '1d');
    cleanup.push(['service', 'rm', svc]);
    assert.equal(created[0].code, 0, created[0].stderr);
    const netIds = await Promise.all([docker(d.host, 'network', 'inspect', '-f', '{{.Id}}', net('front')), docker(refHost, 'network', 'inspect', '-f', '{{.Id}}', net('front'))]);
    const ids = [...netIds.map((r) => r.stdout.trim()), ...created.map((r) => r.stdout.trim())];
    same('service networks', await both('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.Networks}}', svc), ids);
    const vips = await eventually(async () => {
      const r = await both('service', 'inspect', '--format', '{{json .Endpoint.VirtualIPs}}', svc);
      return r.every((x) => x.stdout.includes('Addr')) ? r : undefined;
    }, 20_000, 'VIPs');
    same('VIPs', vips, ids);
    assert.match(vips[0].stdout, new RegExp(`"Addr":"10\\.${octet}\\.1\\.2/24"`));
    const rr = await both('service', 'create', '-d', '--name', net('rr'), '--replicas', '0', '--endpoint-mode', 'dnsrr', '--network', net('back'), 'busybox', 'sleep', '1d');
    cleanup.push(['service', 'rm', net('rr')]);
    assert.equal(rr[0].code, 0, rr[0].stderr);
    await new Promise((r) => setTimeout(r, 500));
    same('dnsrr: no VIP', await both('service', 'inspect', '--format', '{{.Spec.EndpointSpec.Mode}} {{json .Endpoint.VirtualIPs}}', net('rr')));
    for (const args of [
      ['--network', net('nope')],
      ['--network', 'ingress'],
      ['--endpoint-mode', 'dnsrr', '-p', '18099:80'],
    ]) {
      same(`service create ${args.join(' ')}`, await both('service', 'create', '-d', '--name', net('bad'), '--replicas', '0', ...args, 'busybox', 'sleep', '1d'));
    }
    same('rm in use', await both('network', 'rm', net('front')), ids);
    same('update --network-rm/--network-add', await both('service', 'update', '-d', '--network-rm', net('front'), '--network-add', net('back'), svc), ids);
    const nowBack = await both('service', 'inspect', '--format', '{{len .Spec.TaskTemplate.Networks}}', svc);
    same('after update', nowBack);
    assert.equal(nowBack[0].stdout.trim(), '1');
    same('rm no longer in use', await both('network', 'rm', net('front')), ids);
    same('rm of a missing network', await both('network', 'rm', net('front')));
    same('inspect of a missing network', await both('network', 'inspect', net('front')));
  });
});
