import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { lockEngines, raw, referenceEngine, socketOf } from './invalid-input-engine.js';

/** Names on the shared reference engine carry this prefix. */
const P = 'echo11';

/**
 * A service spec sent field by field in Go's order (so only what tswarm does to it can differ), with every
 * map's keys out of order: Docker answers maps sorted (Go's encoding/json), whatever order they came in.
 */
const serviceBody = (name: string, replicas: number) => JSON.stringify({
  Name: name, Labels: { zeta: '1', Alpha: '2', beta: '3', 'a.b': '4' },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'busybox', Labels: { z: '1', c: '2', B: '3' }, Args: ['sleep', '1000'], Env: ['B=1', 'A=2'],
      Mounts: [{ Type: 'volume', Source: `${name}-v`, Target: '/v', VolumeOptions: { Labels: { y: '1', x: '2' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } } } }],
      StopGracePeriod: 10e9, Sysctls: { 'net.ipv4.tcp_syncookies': '1', 'net.core.somaxconn': '1024' },
    },
    Resources: { Limits: {}, Reservations: {} }, RestartPolicy: { Condition: 'any', Delay: 5e9, MaxAttempts: 0 }, Placement: {}, ForceUpdate: 0, Runtime: 'container',
  },
  Mode: { Replicated: { Replicas: replicas } },
  UpdateConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0, Order: 'stop-first' },
  RollbackConfig: { Parallelism: 1, FailureAction: 'pause', Monitor: 5e9, MaxFailureRatio: 0, Order: 'stop-first' },
  EndpointSpec: { Mode: 'vip' },
});

const LABELS = { z: '1', b: '2', B: '3', a: '4' };

// What a client reads back of what it wrote, byte for byte against Docker 20.10: maps in Go's order, the
// `"Isolation": "default"` Docker shows in every container spec, the empty DNSConfig of `insertDefaults`.
test('specs read back as Docker 20.10 writes them: maps sorted by key, Isolation and DNSConfig', { timeout: 120_000 }, async (t) => {
  const release = await lockEngines(); // objects are created on the shared reference engine
  t.after(release);
  const ref = socketOf(await referenceEngine());
  const d = await startTswarmd({ executor: 'sim' });
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const sides = [d.socket, ref];
  const both = <T>(fn: (s: string) => Promise<T>) => Promise.all(sides.map(fn));
  const json = async (s: string, path: string) => (await raw(s, 'GET', `/v1.41${path}`)).json;
  const cleanup = async (s: string) => {
    await raw(s, 'DELETE', `/v1.41/services/${P}-svc`);
    await raw(s, 'DELETE', `/v1.41/secrets/${P}-secret`);
    await raw(s, 'DELETE', `/v1.41/configs/${P}-config`);
    await eventually(async () => (await raw(s, 'DELETE', `/v1.41/networks/${P}-net`)).status !== 403, 20_000, 'network free');
  };
  await both(cleanup);
  t.after(async () => { await both(cleanup); await d.stop('SIGKILL'); });

  const created = await both((s) => raw(s, 'POST', '/v1.41/services/create', serviceBody(`${P}-svc`, 0)));
  for (const c of created) assert.equal(c.status, 201, c.text);
  // `docker service inspect` asks with insertDefaults: the whole spec, as text.
  const [mine, theirs] = await both(async (s) => JSON.stringify((await json(s, `/services/${P}-svc?insertDefaults=true`)).Spec));
  assert.equal(mine, theirs, 'service spec with insertDefaults');
  assert.match(mine, /"DNSConfig":\{\},"Isolation":"default"/);
  // Without insertDefaults Docker adds no DNSConfig, and still says Isolation.
  const plain = await both(async (s) => (await json(s, `/services/${P}-svc`)).Spec.TaskTemplate.ContainerSpec);
  for (const cs of plain) assert.deepEqual([cs.DNSConfig, cs.Isolation], [undefined, 'default']);

  // An update with labels in another order: still sorted; the previous spec too.
  // (Read again when the allocator wrote the service between the read and the update.)
  await both((s) => eventually(async () => {
    const cur = await json(s, `/services/${P}-svc`);
    const spec = { ...cur.Spec, Labels: { y: '1', x: '2', '9': '3', '10': '4' }, Mode: { Replicated: { Replicas: 1 } } };
    const u = await raw(s, 'POST', `/v1.41/services/${P}-svc/update?version=${cur.Version.Index}`, JSON.stringify(spec));
    if (/out of sequence/.test(u.message ?? '')) return false;
    assert.equal(u.status, 200, u.text);
    return true;
  }, 10_000, 'service updated'));
  const [m2, t2] = await both(async (s) => { const v = await json(s, `/services/${P}-svc`); return JSON.stringify([v.Spec.Labels, v.PreviousSpec.Labels]); });
  // Keys that are array indices ("9", "10") come first in any JavaScript object, in numeric order: the one
  // order tswarm cannot give as Go does ("10" before "9"); compared as sets here.
  assert.deepEqual(JSON.parse(m2), JSON.parse(t2));
  assert.equal(m2.replace(/"(9|10)":"\d",?/g, ''), t2.replace(/"(9|10)":"\d",?/g, ''), 'labels after update, and the previous spec\'s');
  // The task's container spec (the reference runs no task unless its image is there: read once one exists).
  const [tm, tt] = await both(async (s) => {
    const f = encodeURIComponent(JSON.stringify({ service: [`${P}-svc`] }));
    const ts = await eventually(async () => { const l = await json(s, `/tasks?filters=${f}`); return l?.length ? l : undefined; }, 30_000, 'a task');
    return JSON.stringify(ts[0].Spec.ContainerSpec);
  });
  assert.equal(tm, tt, 'the task\'s container spec');

  // Secrets, configs, networks: labels (and a network's options) sorted.
  const objs = await both(async (s) => {
    const sec = await raw(s, 'POST', '/v1.41/secrets/create', JSON.stringify({ Name: `${P}-secret`, Labels: LABELS, Data: 'eA==' }));
    const cfg = await raw(s, 'POST', '/v1.41/configs/create', JSON.stringify({ Name: `${P}-config`, Labels: LABELS, Data: 'eA==' }));
    const net = await raw(s, 'POST', '/v1.41/networks/create', JSON.stringify({ Name: `${P}-net`, Driver: 'overlay', Labels: LABELS, Options: { encrypted: '' } }));
    for (const r of [sec, cfg, net]) assert.equal(r.status, 201, r.text);
    // Options get the VXLAN ID once the network is allocated.
    const n = await eventually(async () => { const v = await json(s, `/networks/${P}-net`); return Object.keys(v.Options ?? {}).length === 2 && v; }, 10_000, 'network allocated');
    return JSON.stringify({
      secret: (await json(s, `/secrets/${P}-secret`)).Spec, config: (await json(s, `/configs/${P}-config`)).Spec,
      // The VXLAN ID each engine picks is its own.
      network: [n.Labels, Object.keys(n.Options)],
    });
  });
  assert.equal(objs[0], objs[1], 'secret, config and network');

  // A node's labels: set out of order, then put back as they were.
  const nodes = await both(async (s) => {
    const n = (await json(s, '/nodes'))[0];
    const put = (spec: unknown, v: number) => raw(s, 'POST', `/v1.41/nodes/${n.ID}/update?version=${v}`, JSON.stringify(spec));
    assert.equal((await put({ ...n.Spec, Labels: LABELS }, n.Version.Index)).status, 200);
    const after = await json(s, `/nodes/${n.ID}`);
    assert.equal((await put(n.Spec, after.Version.Index)).status, 200);
    return JSON.stringify(after.Spec.Labels);
  });
  assert.equal(nodes[0], nodes[1], 'node labels');
  assert.equal(nodes[0], '{"B":"3","a":"4","b":"2","z":"1"}');
});
