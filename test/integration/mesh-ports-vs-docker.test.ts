import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { lockEngines, raw, referenceEngine, socketOf, storeDump } from './invalid-input-engine.js';

/**
 * Published ports that cannot be had, sent to the API directly, to tswarm
 * and to a real swarm-mode Docker 20.10: the same status and message
 * (swarmkit's checkPortConflicts, service IDs aside), and nothing changes;
 * an auto-assigned port (30000–32767) is taken as the first free one and
 * counts as used, and is given back when its service goes.
 */
const svc = (name: string, ports: object[], extra: object = {}) =>
  JSON.stringify({ Name: name, TaskTemplate: { ContainerSpec: { Image: 'busybox', Args: ['sleep', '1d'] } }, Mode: { Replicated: { Replicas: 0 } }, EndpointSpec: { Ports: ports }, ...extra });
const ingress = (published: number | undefined, protocol = 'tcp') => ({ Protocol: protocol, TargetPort: 80, ...(published ? { PublishedPort: published } : {}), PublishMode: 'ingress' });
const host = (published: number) => ({ Protocol: 'tcp', TargetPort: 80, PublishedPort: published, PublishMode: 'host' });

test('published ports in use (ingress or host mode) are refused with Docker\'s messages; auto-assigned ports start at 30000', { timeout: 180_000 }, async (t) => {
  const refHost = await referenceEngine();
  const ref = socketOf(refHost);
  const release = await lockEngines();
  const d = await startTswarmd({ executor: 'sim' });
  const names = ['pin', 'ph', 'pauto', 'pauto2', 'pnew'];
  const cleanup = async () => { for (const s of [d.socket, ref]) for (const n of names) await raw(s, 'DELETE', `/v1.41/services/${n}`); };
  t.after(async () => { await cleanup().catch(() => undefined); await d.stop('SIGKILL'); await release(); });
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  await cleanup();

  // Fixtures on both: an ingress port, a host-mode port, an auto-assigned one.
  const ids = new Map<string, Record<string, string>>();
  for (const socket of [d.socket, ref]) {
    const m: Record<string, string> = {};
    for (const [name, ports] of [['pin', [ingress(18081)]], ['ph', [host(18082)]], ['pauto', [ingress(undefined)]]] as const) {
      const r = await raw(socket, 'POST', '/v1.41/services/create', svc(name, [...ports]));
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      m[name] = r.json.ID;
    }
    ids.set(socket, m);
  }
  const auto = async (socket: string, name: string) => {
    const ep = await eventually(async () => (await raw(socket, 'GET', `/v1.41/services/${name}`)).json?.Endpoint?.Ports?.[0]?.PublishedPort as number | undefined, 10_000, `${name}'s port`);
    return ep;
  };
  const mineAuto = await auto(d.socket, 'pauto');
  const theirAuto = await auto(ref, 'pauto');
  assert.equal(mineAuto, 30000, 'the first auto-assigned port is 30000, as Docker on a fresh swarm');
  assert.ok(theirAuto >= 30000 && theirAuto <= 32767, `Docker gave ${theirAuto}`);

  let before = '';
  await eventually(async () => { const a = await storeDump(d.socket); const same = a === before; before = a; return same; }, 10_000, 'tswarm store settled');
  const refBefore = await storeDump(ref);

  const cases: [string, (port: number) => string][] = [
    ['an ingress port another service publishes in ingress mode', () => svc('pnew', [ingress(18081)])],
    ['a host-mode port another service publishes in ingress mode', () => svc('pnew', [host(18081)])],
    ['an ingress port another service publishes in host mode', () => svc('pnew', [ingress(18082)])],
    ['a port auto-assigned to another service', (p) => svc('pnew', [ingress(p)])],
    ['the same port twice in one spec', () => svc('pnew', [ingress(18090), ingress(18090)])],
    ['an ingress port with a protocol udp and one tcp of another service is fine, but two of it are not', () => svc('pnew', [ingress(18091, 'udp'), ingress(18091, 'udp')])],
  ];
  for (const [what, body] of cases) {
    const mine = await raw(d.socket, 'POST', '/v1.41/services/create', body(mineAuto));
    const theirs = await raw(ref, 'POST', '/v1.41/services/create', body(theirAuto));
    const norm = (m: string | undefined, socket: string): string => {
      let out = m ?? '';
      for (const [n, id] of Object.entries(ids.get(socket)!)) out = out.replace(id, `<${n}>`);
      return out.replace(`'${socket === ref ? theirAuto : mineAuto}'`, "'<auto>'");
    };
    assert.ok(theirs.status >= 400, `${what}: Docker accepted it: ${theirs.text}`);
    assert.deepEqual({ status: mine.status, message: norm(mine.message, d.socket) }, { status: theirs.status, message: norm(theirs.message, ref) }, what);
  }
  // The same through an update (--publish-add of a port in use).
  for (const socket of [d.socket, ref]) {
    const cur = (await raw(socket, 'GET', '/v1.41/services/pin')).json;
    const spec = { ...cur.Spec, EndpointSpec: { Ports: [...cur.Spec.EndpointSpec.Ports, host(18082)] } };
    const r = await raw(socket, 'POST', `/v1.41/services/pin/update?version=${cur.Version.Index}`, JSON.stringify({ ...spec, EndpointSpec: { Ports: [...cur.Spec.EndpointSpec.Ports, ingress(18082)] } }));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.message, `rpc error: code = InvalidArgument desc = port '18082' is already in use by service 'ph' (${ids.get(socket)!.ph}) as a host-published port`);
  }
  assert.equal(await storeDump(d.socket), before, 'tswarm: nothing changed');
  assert.equal(await storeDump(ref), refBefore, 'Docker: nothing changed');

  // Where Docker 20.10 takes what it cannot serve without a word (an unknown protocol becomes tcp, a port above
  // 65535 is stored and never allocated), tswarm refuses it and stores nothing.
  const differs: [string, string, RegExp, (s: { Spec: any; Endpoint?: any }) => void][] = [
    ['protocol icmp', svc('pnew', [ingress(18093, 'icmp')]), /^invalid proto: icmp$/, (x) => assert.equal(x.Spec.EndpointSpec.Ports[0].Protocol, 'tcp')],
    ['published port 70000', svc('pnew', [ingress(70000)]), /port number out of range/, (x) => assert.equal(x.Endpoint?.Ports, undefined)],
  ];
  for (const [what, body, msg, docker] of differs) {
    const mine = await raw(d.socket, 'POST', '/v1.41/services/create', body);
    assert.equal(mine.status, 400, `${what}: ${mine.text}`);
    assert.match(mine.message!, msg, what);
    assert.equal(await storeDump(d.socket), before, `${what}: nothing stored`);
    const theirs = await raw(ref, 'POST', '/v1.41/services/create', body);
    assert.equal(theirs.status, 201, `${what}: Docker ${theirs.text}`);
    docker((await raw(ref, 'GET', '/v1.41/services/pnew')).json);
    await raw(ref, 'DELETE', '/v1.41/services/pnew');
  }

  // A removed service gives its port back: the next auto-assigned one is the first free again.
  assert.equal((await raw(d.socket, 'DELETE', '/v1.41/services/pauto')).status, 200);
  assert.equal((await raw(d.socket, 'POST', '/v1.41/services/create', svc('pauto2', [ingress(undefined)]))).status, 201);
  assert.equal(await auto(d.socket, 'pauto2'), 30000);
});
