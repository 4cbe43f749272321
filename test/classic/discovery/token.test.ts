import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenServer, type TokenServer } from '../../../src/classic/discovery/token-server.js';
import { createCommand, joinCommand, listCommand } from '../../../src/cli/commands/classic-discovery.js';
import { joinDisappearsAfterTtl, registerListWatch, tswarmCli, unreachableAtStart } from './contract.js';

let server: TokenServer;
test.before(async () => { server = await startTokenServer({ host: '127.0.0.1', port: 0 }); });
test.after(() => server.close());

test('token: create prints a token; join registers and list shows; a watch sees adds and drops', { timeout: 60_000 }, async (t) => {
  const env = { TSWARM_DISCOVERY_URL: server.url };
  const created = await tswarmCli(env, 'create');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^[0-9a-f]{32}\n$/);
  const again = await tswarmCli({}, 'create', '--discovery-url', server.url);
  assert.notEqual(again.stdout, created.stdout);
  await registerListWatch(t, `token://${created.stdout.trim()}`, { tokenServiceUrl: server.url });
  // classic Swarm's form with the service in the URL reaches the same cluster
  const host = new URL(server.url).host;
  const listed = await tswarmCli({}, 'list', `token://${host}/v1/${created.stdout.trim()}`);
  assert.equal(listed.stdout, '10.1.0.1:2375\n10.1.0.2:2375\n');
});

test('token: the service speaks the old HTTP API', { timeout: 60_000 }, async () => {
  const r = await fetch(`${server.url}/clusters`, { method: 'POST' });
  const token = await r.text();
  assert.equal(r.status, 200);
  const bad = await fetch(`${server.url}/clusters/${token}?ttl=10`, { method: 'POST', body: 'no-port' });
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), 'address no-port: missing port in address\n');
  assert.equal((await fetch(`${server.url}/clusters/${token}?ttl=10`, { method: 'POST', body: '10.0.0.1:2375' })).status, 200);
  assert.equal((await fetch(`${server.url}/clusters/${token}?ttl=0.3`, { method: 'POST', body: '10.0.0.2:2375' })).status, 200);
  const get = await fetch(`${server.url}/clusters/${token}`);
  assert.equal(get.headers.get('content-type'), 'application/json');
  assert.deepEqual(await get.json(), ['10.0.0.1:2375', '10.0.0.2:2375']);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(await (await fetch(`${server.url}/clusters/${token}`)).json(), ['10.0.0.1:2375']);
  assert.equal((await fetch(`${server.url}/clusters/${token}`, { method: 'DELETE' })).status, 204);
  assert.deepEqual(await (await fetch(`${server.url}/clusters/${token}`)).json(), []);
});

test('token: an engine whose join is killed disappears after its TTL', { timeout: 60_000 }, async (t) => {
  const token = (await tswarmCli({ TSWARM_DISCOVERY_URL: server.url }, 'create')).stdout.trim();
  await joinDisappearsAfterTtl(t, `token://${token}`, { TSWARM_DISCOVERY_URL: server.url });
});

test('token: an unreachable service and bad flags are clear errors', { timeout: 60_000 }, async () => {
  await unreachableAtStart('token', /cannot reach the token discovery service at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  // through the CLI once: exit code 1 and the message on stderr
  const noToken = await tswarmCli({}, 'join', '--advertise', '10.0.0.1:2375', 'token://');
  assert.equal(noToken.code, 1);
  assert.equal(noToken.stderr, 'invalid discovery URL "token://": nothing after "token://"\n');
  // the rest in process: the message the CLI prints is the error's
  const out = () => assert.fail('no output expected');
  const cases: [(argv: string[], o: typeof out) => Promise<number>, string[], string][] = [
    [joinCommand, ['token://abc'], 'missing mandatory --advertise flag'],
    [joinCommand, ['--advertise', '10.0.0.1', 'token://abc'], '--advertise should be of the form ip:port or hostname:port'],
    [joinCommand, ['--advertise', '10.0.0.1:2375', '--heartbeat', '500ms', 'token://abc'], '--heartbeat should be at least one second'],
    [joinCommand, ['--advertise', '10.0.0.1:2375', '--heartbeat', '2s', '--ttl', '2s', 'token://abc'], '--ttl must be strictly superior to the heartbeat value'],
    [joinCommand, ['--advertise', '10.0.0.1:2375', '--ttl', 'soon', 'token://abc'], 'invalid --ttl: time: invalid duration "soon"'],
    [joinCommand, ['--advertise', '10.0.0.1:2375', '--discovery-opt', 'kv.cacertfile=x', 'etcd://h/p'], 'unsupported discovery option "kv.cacertfile=x" (supported: kv.path=PATH)'],
    [joinCommand, ['--advertise', '10.0.0.1:2375', 'a://b', 'c://d'], '"tswarm join" takes one discovery URL, got 2: a://b c://d'],
    [listCommand, ['bogus://x'], 'discovery service not supported: unknown scheme "bogus" in "bogus://x" (supported: nodes, file, token, etcd, consul, zk)'],
    [listCommand, ['--timeout', '0s', 'nodes://a:1'], '--timeout should be a positive number'],
    [createCommand, ['extra'], "the `create` command takes no arguments. See 'tswarm create --help'."],
    [createCommand, ['--discovery-url', 'ftp://x/v1'], 'invalid token discovery service URL "ftp://x/v1": scheme ftp: is not http: or https:'],
  ];
  for (const [cmd, args, message] of cases) await assert.rejects(cmd(args, out), { message }, args.join(' '));
  const saved = [process.env.SWARM_DISCOVERY, process.env.TSWARM_DISCOVERY];
  delete process.env.SWARM_DISCOVERY;
  delete process.env.TSWARM_DISCOVERY;
  try {
    await assert.rejects(joinCommand(['--advertise', '10.0.0.1:2375'], out), { message: "discovery required to join a cluster. See 'tswarm join --help'." });
  } finally {
    if (saved[0] !== undefined) process.env.SWARM_DISCOVERY = saved[0];
    if (saved[1] !== undefined) process.env.TSWARM_DISCOVERY = saved[1];
  }
});
