import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { lockEngines, raw, referenceEngine, socketOf, storeDump, type Answer } from './invalid-input-engine.js';

/**
 * Bad requests sent to the API directly (not through the docker CLI, which
 * refuses most of them before sending), to tswarm and to a real swarm-mode
 * Docker 20.10 engine: the same status and message, and nothing changes in
 * either store. Where tswarm deliberately answers otherwise, the case says
 * why and checks both answers.
 */
interface Case {
  what: string;
  method: string;
  /** {svc} {svcv}: the fixture service's ID and version; {node} {nodev}; {swarmv}. */
  path: string;
  body?: string | Buffer;
  /** tswarm differs on purpose: why, and what each side answers. */
  differs?: { why: string; tswarm: Expect; docker: Expect };
}
interface Expect { status: number; message?: RegExp }

const spec = (extra: object) => JSON.stringify({ Name: 'x', TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, ...extra });
const replicas = (v: string) => `{"Name":"x","TaskTemplate":{"ContainerSpec":{"Image":"busybox"}},"Mode":{"Replicated":{"Replicas":${v}}}}`;
const cs = (extra: string) => `{"Name":"x","TaskTemplate":{"ContainerSpec":{"Image":"busybox",${extra}}}}`;
const create = '/v1.41/services/create';

const cases: Case[] = [
  // wrong JSON types, Go's decoder
  ...['"2"', '-1', '1.5', '1e2', 'true', '"abc"', '18446744073709551616'].map((v) => ({ what: `replicas ${v}`, method: 'POST', path: create, body: replicas(v) })),
  { what: 'mode a string', method: 'POST', path: create, body: spec({ Mode: 'x' }) },
  { what: 'replicated an array', method: 'POST', path: create, body: spec({ Mode: { Replicated: [1] } }) },
  { what: 'name a number', method: 'POST', path: create, body: spec({ Name: 5 }) },
  { what: 'labels an array', method: 'POST', path: create, body: spec({ Labels: [] }) },
  { what: 'label value a number', method: 'POST', path: create, body: spec({ Labels: { a: 1 } }) },
  { what: 'env a string', method: 'POST', path: create, body: cs('"Env":"A"') },
  { what: 'mount target a number', method: 'POST', path: create, body: cs('"Mounts":[{"Target":5}]') },
  { what: 'grace period a string', method: 'POST', path: create, body: cs('"StopGracePeriod":"1s"') },
  { what: 'healthcheck retries a string', method: 'POST', path: create, body: cs('"Healthcheck":{"Retries":"a"}') },
  { what: 'failure ratio out of float32', method: 'POST', path: create, body: spec({ UpdateConfig: { MaxFailureRatio: 1e100 } }) },
  { what: 'published port a string', method: 'POST', path: create, body: spec({ EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: '80' }] } }) },
  { what: 'an array for a spec', method: 'POST', path: create, body: '[]' },
  { what: 'a string for a spec', method: 'POST', path: create, body: '"x"' },
  // malformed bodies
  ...['{"Name":"x",', '', '   ', '{"Name":"x" "a"}', '{"Name":"x\\q"}', '{"Name":tru}', '{"Name":-}', '{"Name":"x"]', '{"Name":"x",}', '{"Name" 1}',
    '{"a":1.}', '{"a":1e}', '{"a":"\\u12x4"}', 'x', '{"Name":"x\u0001"}', '\u00ff'].map((b) => ({ what: `malformed ${JSON.stringify(b)}`, method: 'POST', path: create, body: b })),
  // Docker's conversion, then swarmkit's validation
  { what: 'null spec', method: 'POST', path: create, body: 'null' },
  { what: 'no container spec', method: 'POST', path: create, body: '{"Name":"x"}' },
  { what: 'no image', method: 'POST', path: create, body: '{"Name":"x","TaskTemplate":{"ContainerSpec":{}}}' },
  { what: 'global with replicas', method: 'POST', path: create, body: spec({ Mode: { Global: {}, Replicated: { Replicas: 2 } } }) },
  { what: 'name starting with -', method: 'POST', path: create, body: spec({ Name: '-ab' }) },
  { what: 'name with a dot', method: 'POST', path: create, body: spec({ Name: 'a.b' }) },
  { what: 'name ending with _', method: 'POST', path: create, body: spec({ Name: 'a_' }) },
  { what: 'name of 64 characters', method: 'POST', path: create, body: spec({ Name: 'a'.repeat(64) }) },
  { what: 'constraint without operator', method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Placement: { Constraints: ['node.labels.foo'] } } }) },
  { what: 'constraint with two operators', method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Placement: { Constraints: ['a==b!=c'] } } }) },
  { what: 'a name already taken', method: 'POST', path: create, body: spec({ Name: 'web' }) },
  // swarmkit's resource checks (limits first), before the image is looked at
  ...[['a cpu limit under 0.001', { Limits: { NanoCPUs: 1000 } }], ['a cpu reservation of 0.0005', { Reservations: { NanoCPUs: 500000 } }],
    ['a negative cpu limit', { Limits: { NanoCPUs: -5 } }], ['a memory limit under 4 MiB', { Limits: { MemoryBytes: 100000 } }],
    ['a memory reservation under 4 MiB, the limit fine', { Limits: { MemoryBytes: 8 << 20 }, Reservations: { MemoryBytes: 4194303 } }]].map(([what, r]) => ({
    what: what as string, method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Resources: r } }),
  })),
  // swarmkit's restart policy and update checks: negative delays and windows (a negative rollback delay passes in Docker)
  ...[['a negative restart delay', { RestartPolicy: { Delay: -1 } }], ['a negative restart window', { RestartPolicy: { Window: -1_000_000_000 } }],
    ['a negative restart delay and window', { RestartPolicy: { Delay: -1, Window: -1 } }]].map(([what, tt]) => ({
    what: what as string, method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox' }, ...(tt as object) } }),
  })),
  // Docker's conversion: names it knows (mounts before the restart condition, both before the update settings)
  { what: 'a restart condition bogus', method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox' }, RestartPolicy: { Condition: 'bogus' } } }) },
  { what: 'a mount type bogus', method: 'POST', path: create, body: cs('"Mounts":[{"Type":"bogus","Target":"/x"}]') },
  { what: 'a mount type cluster (not in 20.10)', method: 'POST', path: create, body: cs('"Mounts":[{"Type":"cluster","Target":"/x"}]') },
  { what: 'a bind propagation bogus', method: 'POST', path: create, body: cs('"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/x","BindOptions":{"Propagation":"bogus"}}]') },
  { what: 'a bad restart condition and mount type', method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: [{ Type: 'bogus', Target: '/x' }] }, RestartPolicy: { Condition: 'bogus' } } }) },
  { what: 'a bad restart condition and failure action', method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: { Image: 'busybox' }, RestartPolicy: { Condition: 'bogus' } }, UpdateConfig: { FailureAction: 'x' } }) },
  // swarmkit's container spec checks: mount points, then the health check
  { what: 'a mount point twice', method: 'POST', path: create, body: cs('"Mounts":[{"Type":"volume","Target":"/x"},{"Type":"volume","Target":"/x"}]') },
  { what: 'a mount point twice and negative retries', method: 'POST', path: create, body: cs('"Mounts":[{"Type":"volume","Target":"/x"},{"Type":"volume","Target":"/x"}],"Healthcheck":{"Retries":-1}') },
  ...[['a health interval under 1ms', '"Interval":500000'], ['a negative health timeout', '"Timeout":-1'], ['a negative health start period', '"StartPeriod":-1'],
    ['negative health retries', '"Retries":-1'], ['every health duration negative', '"Interval":-1,"Timeout":-1,"StartPeriod":-1']].map(([what, h]) => ({
    what, method: 'POST', path: create, body: cs(`"Healthcheck":{${h}}`),
  })),
  { what: 'a negative update delay', method: 'POST', path: create, body: spec({ UpdateConfig: { Delay: -5 } }) },
  { what: 'a negative update monitor', method: 'POST', path: create, body: spec({ UpdateConfig: { Monitor: -5 } }) },
  { what: 'a small memory limit and no image', method: 'POST', path: create, body: spec({ TaskTemplate: { ContainerSpec: {}, Resources: { Limits: { MemoryBytes: 1 } } } }) },
  {
    what: 'a body over 4 MiB', method: 'POST', path: create, body: spec({ Labels: { a: 'x'.repeat(5_000_000) } }),
    differs: {
      why: 'tswarm bounds request bodies before reading them whole (413); Docker reads it, then swarmkit\'s 4 MiB gRPC limit answers 500',
      tswarm: { status: 413, message: /^rpc error: code = ResourceExhausted desc = grpc: received message larger than max \(\d+ vs\. 4194304\)$/ },
      docker: { status: 500, message: /^rpc error: code = ResourceExhausted desc = grpc: received message larger than max \(\d+ vs\. 4194304\)$/ },
    },
  },
  // service update
  { what: 'update without version', method: 'POST', path: '/v1.41/services/{svc}/update', body: spec({ Name: 'web' }) },
  { what: 'update with version abc', method: 'POST', path: '/v1.41/services/{svc}/update?version=abc', body: spec({ Name: 'web' }) },
  { what: 'update with version -1', method: 'POST', path: '/v1.41/services/{svc}/update?version=-1', body: spec({ Name: 'web' }) },
  { what: 'update with a stale version', method: 'POST', path: '/v1.41/services/{svc}/update?version=999999', body: spec({ Name: 'web' }) },
  { what: 'update renaming', method: 'POST', path: '/v1.41/services/{svc}/update?version={svcv}', body: spec({ Name: 'web2' }) },
  { what: 'update renaming with a stale version', method: 'POST', path: '/v1.41/services/{svc}/update?version=999999', body: spec({ Name: 'web2' }) },
  { what: 'update to global with a stale version', method: 'POST', path: '/v1.41/services/{svc}/update?version=999999', body: spec({ Name: 'web', Mode: { Global: {} } }) },
  { what: 'update with replicas a string', method: 'POST', path: '/v1.41/services/{svc}/update?version={svcv}', body: replicas('"3"').replace('"x"', '"web"') },
  {
    what: 'update with rollback=bogus', method: 'POST', path: '/v1.41/services/{svc}/update?version={svcv}&rollback=bogus', body: spec({ Name: 'web' }),
    differs: { why: 'a bad parameter is the client\'s error: 400 (Docker 20.10 answers 500)', tswarm: { status: 400, message: /^unrecognized rollback option bogus$/ }, docker: { status: 500, message: /^unrecognized rollback option bogus$/ } },
  },
  // nodes
  { what: 'node role a number', method: 'POST', path: '/v1.41/nodes/{node}/update?version={nodev}', body: '{"Role":5}' },
  { what: 'node without role', method: 'POST', path: '/v1.41/nodes/{node}/update?version={nodev}', body: '{"Availability":"drain"}' },
  { what: 'node availability bogus', method: 'POST', path: '/v1.41/nodes/{node}/update?version={nodev}', body: '{"Role":"manager","Availability":"bogus"}' },
  { what: 'node labels an array', method: 'POST', path: '/v1.41/nodes/{node}/update?version={nodev}', body: '{"Labels":["a"]}' },
  { what: 'node version abc', method: 'POST', path: '/v1.41/nodes/{node}/update?version=abc', body: '{}' },
  { what: 'node update, empty body', method: 'POST', path: '/v1.41/nodes/{node}/update?version={nodev}', body: '' },
  // swarm
  { what: 'swarm update, election tick a string', method: 'POST', path: '/v1.41/swarm/update?version={swarmv}', body: '{"Raft":{"ElectionTick":"x"}}' },
  { what: 'swarm update, version abc', method: 'POST', path: '/v1.41/swarm/update?version=abc', body: '{}' },
  { what: 'swarm update, no version', method: 'POST', path: '/v1.41/swarm/update', body: '{}' },
  { what: 'swarm update, empty body', method: 'POST', path: '/v1.41/swarm/update?version={swarmv}', body: '' },
  { what: 'swarm update, history limit a string', method: 'POST', path: '/v1.41/swarm/update?version={swarmv}', body: '{"Orchestration":{"TaskHistoryRetentionLimit":"5"}}' },
  { what: 'swarm update, a name other than default', method: 'POST', path: '/v1.41/swarm/update?version={swarmv}', body: '{"Name":"other"}' },
  { what: 'swarm update, a negative heartbeat', method: 'POST', path: '/v1.41/swarm/update?version={swarmv}', body: '{"Dispatcher":{"HeartbeatPeriod":-1}}' },
  { what: 'swarm update, a short cert expiry and a negative heartbeat', method: 'POST', path: '/v1.41/swarm/update?version={swarmv}', body: '{"Dispatcher":{"HeartbeatPeriod":-1},"CAConfig":{"NodeCertExpiry":1}}' },
  { what: 'swarm init, already in a swarm', method: 'POST', path: '/v1.41/swarm/init', body: '{}' },
  { what: 'swarm init, empty body', method: 'POST', path: '/v1.41/swarm/init', body: '' },
  { what: 'swarm join, already in a swarm', method: 'POST', path: '/v1.41/swarm/join', body: '{"RemoteAddrs":["127.0.0.1:1"],"JoinToken":"x"}' },
  { what: 'swarm unlock, not locked', method: 'POST', path: '/v1.41/swarm/unlock', body: '{"UnlockKey":"x"}' },
  { what: 'swarm unlock, key a number', method: 'POST', path: '/v1.41/swarm/unlock', body: '{"UnlockKey":5}' },
  // paths and versions
  {
    what: 'a malformed %-escape in the path', method: 'GET', path: '/v1.41/services/%zz',
    differs: { why: 'Go\'s server answers a bare text/plain "400 Bad Request"; tswarm says which escape, as JSON', tswarm: { status: 400, message: /^invalid URL escape "%zz"$/ }, docker: { status: 400 } },
  },
  { what: 'a bad escape in the query only', method: 'POST', path: '/v1.41/services/create?x=%zz', body: '{"Name":"x"}' },
  { what: 'an escape that is not UTF-8', method: 'GET', path: '/v1.41/services/%ff%fe', differs: { why: 'Go takes any bytes as an ID; tswarm refuses what is not UTF-8', tswarm: { status: 400, message: /not UTF-8/ }, docker: { status: 404, message: /not found/ } } },
  {
    what: 'an API version too new', method: 'GET', path: '/v1.99/services',
    differs: { why: 'each says its own maximum (tswarm serves 1.47, Docker 20.10 1.41)', tswarm: { status: 400, message: /^client version 1\.99 is too new\. Maximum supported API version is 1\.47$/ }, docker: { status: 400, message: /^client version 1\.99 is too new\. Maximum supported API version is 1\.41$/ } },
  },
  {
    what: 'an API version too old for tswarm', method: 'GET', path: '/v1.12/services',
    differs: { why: 'tswarm serves API versions from 1.24 (Docker 20.10 from 1.12)', tswarm: { status: 400, message: /^client version 1\.12 is too old\. Minimum supported API version is 1\.24/ }, docker: { status: 200 } },
  },
  // filters
  { what: 'filters not JSON', method: 'GET', path: '/v1.41/services?filters=xx' },
  { what: 'an unknown filter', method: 'GET', path: `/v1.41/services?filters=${encodeURIComponent('{"foo":["a"]}')}` },
  { what: 'a filter value a string', method: 'GET', path: `/v1.41/services?filters=${encodeURIComponent('{"name":"a"}')}` },
  { what: 'an unknown task filter', method: 'GET', path: `/v1.41/tasks?filters=${encodeURIComponent('{"bogus":["a"]}')}` },
  { what: 'an unknown node filter', method: 'GET', path: `/v1.41/nodes?filters=${encodeURIComponent('{"bogus":["a"]}')}` },
  ...[['tasks', 'desired-state', 'desired-state'], ['nodes', 'role', 'role']].map(([res, key, word]) => ({
    what: `a bad ${key} filter value`, method: 'GET', path: `/v1.41/${res}?filters=${encodeURIComponent(JSON.stringify({ [key]: ['bogus'] }))}`,
    differs: { why: 'a bad filter value is the client\'s error: 400 (Docker 20.10 answers 500)', tswarm: { status: 400, message: new RegExp(`^Invalid ${word} filter: 'bogus'$`) }, docker: { status: 500, message: new RegExp(`^Invalid ${word} filter: 'bogus'$`) } },
  })),
  {
    what: 'a bad mode filter value', method: 'GET', path: `/v1.41/services?filters=${encodeURIComponent('{"mode":["bogus"]}')}`,
    differs: { why: 'Docker 20.10 matches nothing and answers an empty list; tswarm says the value is not a mode', tswarm: { status: 400, message: /^Invalid mode filter: 'bogus'$/ }, docker: { status: 200 } },
  },
  // objects that do not exist
  { what: 'inspect a missing service', method: 'GET', path: '/v1.41/services/nope' },
  { what: 'remove a missing service', method: 'DELETE', path: '/v1.41/services/nope' },
  { what: 'update a missing service', method: 'POST', path: '/v1.41/services/nope/update?version=1', body: spec({}) },
  { what: 'inspect a missing node', method: 'GET', path: '/v1.41/nodes/nope' },
  { what: 'remove a missing node', method: 'DELETE', path: '/v1.41/nodes/nope' },
  { what: 'inspect a missing task', method: 'GET', path: '/v1.41/tasks/nope' },
  ...['/v1.41/services/nope/logs', '/v1.41/tasks/nope/logs'].map((path) => ({
    what: `logs of a missing object without a stream (${path})`, method: 'GET', path,
    differs: { why: 'a bad parameter is the client\'s error: 400 (Docker 20.10 answers 500); both check it before the lookup', tswarm: { status: 400, message: /^Bad parameters: you must choose at least one stream$/ }, docker: { status: 500, message: /^Bad parameters: you must choose at least one stream$/ } },
  })),
  {
    what: 'logs without a stream', method: 'GET', path: '/v1.41/services/{svc}/logs',
    differs: { why: 'a bad parameter is the client\'s error: 400 (Docker 20.10 answers 500)', tswarm: { status: 400, message: /^Bad parameters: you must choose at least one stream$/ }, docker: { status: 500, message: /^Bad parameters: you must choose at least one stream$/ } },
  },
];

function check(what: string, side: string, a: Answer, e: Expect) {
  assert.equal(a.status, e.status, `${what}: ${side} status (${a.text.slice(0, 300)})`);
  if (e.message) assert.match(a.message ?? '', e.message, `${what}: ${side} message`);
}

test('bad requests get Docker 20.10\'s status and message and change nothing, in tswarm as in Docker', { timeout: 300_000 }, async (t) => {
  const release = await lockEngines(); // the reference's store must not change beside this test
  t.after(release);
  const refHost = await referenceEngine();
  const ref = socketOf(refHost);
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));

  const notManager = await raw(d.socket, 'GET', '/v1.41/services');
  assert.equal(notManager.status, 503);
  assert.match(notManager.message!, /This node is not a swarm manager/);

  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  // The fixture: tswarm runs two (simulated) tasks; the reference has no image, so it runs none.
  for (const host of [d.host, refHost]) {
    await docker(host, 'service', 'rm', 'web');
    const r = await docker(host, 'service', 'create', '--detach', '--name', 'web', '--replicas', host === d.host ? '2' : '0', 'busybox', 'sleep', '86400');
    assert.equal(r.code, 0, r.stderr);
  }
  t.after(() => docker(refHost, 'service', 'rm', 'web'));
  await eventually(async () => (await docker(d.host, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '2/2', 30_000, 'web running');
  await eventually(async () => (await raw(d.socket, 'GET', '/v1.41/services/web')).json?.Endpoint !== undefined, 10_000, 'endpoint allocated');
  // The store settles (statuses reported, the endpoint written): two equal dumps in a row.
  let before = '';
  await eventually(async () => { const a = await storeDump(d.socket); const same = a === before; before = a; return same; }, 20_000, 'tswarm store settled');
  const refBefore = await storeDump(ref);

  const vars = async (socket: string) => {
    const svc = (await raw(socket, 'GET', '/v1.41/services/web')).json;
    const node = (await raw(socket, 'GET', '/v1.41/nodes')).json[0];
    const swarm = (await raw(socket, 'GET', '/v1.41/swarm')).json;
    return { svc: svc.ID, svcv: String(svc.Version.Index), node: node.ID, nodev: String(node.Version.Index), swarmv: String(swarm.Version.Index) } as Record<string, string>;
  };
  const [tv, rv] = [await vars(d.socket), await vars(ref)];
  const fill = (p: string, v: Record<string, string>) => p.replace(/\{(\w+)\}/g, (_m, k: string) => v[k]);

  for (const c of cases) {
    const mine = await raw(d.socket, c.method, fill(c.path, tv), c.body);
    const theirs = await raw(ref, c.method, fill(c.path, rv), c.body);
    if (c.differs) {
      check(c.what, 'tswarm', mine, c.differs.tswarm);
      check(c.what, 'Docker', theirs, c.differs.docker);
    } else {
      assert.ok(theirs.status >= 400, `${c.what}: Docker accepted it (${theirs.status} ${theirs.text.slice(0, 200)}): not a bad request`);
      assert.deepEqual({ status: mine.status, message: mine.message }, { status: theirs.status, message: theirs.message }, c.what);
    }
    assert.ok(mine.status < 500 || mine.status === theirs.status, `${c.what}: tswarm answered ${mine.status} where Docker answered ${theirs.status}`);
  }
  assert.equal(await storeDump(d.socket), before, 'tswarm: services, tasks, nodes and the swarm are unchanged');
  assert.equal(await storeDump(ref), refBefore, 'Docker: unchanged too');
});

test('fields tswarm does not act on yet are refused where Docker accepts them, and never stored', { timeout: 120_000 }, async (t) => {
  const refHost = await referenceEngine();
  const ref = socketOf(refHost);
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  // The node registers (Ready) just after init: compare from then on.
  await eventually(async () => (await docker(d.host, 'node', 'ls', '--format', '{{.Status}}')).stdout.trim() === 'Ready', 10_000, 'node ready');
  let before = await storeDump(d.socket);
  await eventually(async () => { const a = await storeDump(d.socket); const same = a === before; before = a; return same; }, 10_000, 'store settled');
  const zero = { Mode: { Replicated: { Replicas: 0 } } };
  const refused: [string, object, RegExp][] = [
    ['network driver options', { ...zero, TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: [{ Target: 'ingress', DriverOpts: { a: 'b' } }] } }, /network driver options per service/],
    ['a published port above 65535', { ...zero, EndpointSpec: { Ports: [{ TargetPort: 70000 }] } }, /port number out of range/],
  ];
  let i = 0;
  for (const [what, extra, msg] of refused) {
    const name = `acc${i++}`;
    const body = JSON.stringify({ Name: name, TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, ...extra });
    const mine = await raw(d.socket, 'POST', '/v1.41/services/create', body);
    assert.equal(mine.status, 400, `${what}: ${mine.text}`);
    assert.match(mine.message!, msg, what);
    const theirs = await raw(ref, 'POST', '/v1.41/services/create', body);
    // Docker acts on these (or, for the port, takes it as given): it stores them.
    await raw(ref, 'DELETE', `/v1.41/services/${name}`);
    assert.ok([201, 400].includes(theirs.status), `${what}: Docker ${theirs.status} ${theirs.text}`);
  }
  assert.equal(await storeDump(d.socket), before, 'nothing stored');

  // Unknown fields, of any type, are ignored by both (Go's encoding/json), and not stored.
  const unknown = JSON.stringify({ Name: 'unk', Bogus: 5, TaskTemplate: { ContainerSpec: { Image: 'busybox', Nope: [1, { a: 2 }] } }, Mode: { Replicated: { Replicas: 0 }, Weird: 'x' } });
  for (const socket of [d.socket, ref]) {
    const r = await raw(socket, 'POST', '/v1.41/services/create', unknown);
    assert.equal(r.status, 201, r.text);
    const s = (await raw(socket, 'GET', '/v1.41/services/unk')).json;
    assert.equal(s.Spec.Bogus, undefined);
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Nope, undefined);
    assert.deepEqual(s.Spec.Mode, { Replicated: { Replicas: 0 } });
    await raw(socket, 'DELETE', '/v1.41/services/unk');
  }
});
