import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { docker, dockerWithInput, eventually, startTswarmd, tswarm } from '../helpers/tswarmd.js';
import { ensureBusyboxImage } from '../helpers/image.js';
import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { raw, socketOf } from './invalid-input-engine.js';
import { removeNodeContainers, skipWithoutTestEngine as skip, testEngine as engine } from '../helpers/docker-executor-setup.js';

interface Ev { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; scope: string; time: number; timeNano: number }

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');

/**
 * A Docker 20.10 swarm of this test's own: the story below creates services
 * and drains the node, which the shared reference engine must not see (other
 * tests compare its whole store before and after their requests).
 */
function eventsReference(): Promise<string> {
  // Its own subnet: 172.30.97.0/24 is scripts/up.sh's engine's, which a machine that ran the suite may start next.
  const env = {
    ...process.env, TSWARM_SWARM_ENGINE_DIR: '/tmp/tswarm-ci-events-engine', TSWARM_SWARM_ENGINE_BRIDGE: 'tswev0',
    TSWARM_SWARM_ENGINE_CIDR: '172.30.95.1/24', TSWARM_SWARM_ENGINE_INIT_FLAGS: '--listen-addr 127.0.0.1:2477 --data-path-port 4799',
  };
  return new Promise((res, rej) => {
    execFile('bash', [resolve(repo, 'scripts/swarm-engine.sh')], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`the events reference engine did not start: ${stderr}`)); else res(stdout.trim());
    });
  });
}

const nowSecs = () => Math.floor(Date.now() / 1000);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `docker events … --format '{{json .}}'` as parsed lines. */
async function events(host: string, ...args: string[]): Promise<Ev[]> {
  const r = await docker(host, 'events', '--format', '{{json .}}', ...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
}

/** What must match between two engines: everything but IDs, times and the names given. */
function shape(evs: Ev[], names: Record<string, string>): unknown[] {
  return evs.map((e) => ({
    Type: e.Type, Action: e.Action, scope: e.scope,
    Attributes: Object.fromEntries(Object.entries(e.Actor.Attributes).map(([k, v]) => [k, names[v] ?? v])),
  }));
}

/**
 * The same commands on tswarm (docker executor) and on a real Docker 20.10
 * swarm: `docker events` shows the same swarm events with the same
 * attributes; tswarm merges in the engine's own (container) events.
 */
test('docker events: the swarm\'s events as Docker 20.10 shows them', { timeout: 300_000, skip }, async (t) => {
  assert.ok(engine, 'CI must provide TSWARM_TEST_DOCKER_HOST');
  const ref = await eventsReference();
  const image = await ensureBusyboxImage(engine);
  await ensureBusyboxImage(ref);
  const d = await startTswarmd({ executor: 'docker', dockerHost: engine, extra: ['--hostname', 'evhost'] });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init')).code, 0);
  const refNode = (await docker(ref, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
  const ourNode = (await docker(d.host, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
  t.after(() => removeNodeContainers(engine!, ourNode));
  const name = `ev${randomBytes(4).toString('hex')}`;

  // The same story on both: create, scale, a new image, remove; a node drained and made active again.
  const story = async (host: string, nodeRef: string) => {
    await pause(1100);
    const since = nowSecs();
    const run = async (...a: string[]) => { const r = await docker(host, ...a); assert.equal(r.code, 0, `${a.join(' ')}: ${r.stderr}`); };
    await run('service', 'create', '-d', '--name', name, '--replicas', '1', image, 'sleep', '86400');
    await pause(1500);
    await run('service', 'scale', '-d', `${name}=0`);
    await run('service', 'update', '-d', '--image', 'tswarm-busybox:other', name);
    await pause(500);
    await run('node', 'update', '--availability', 'drain', nodeRef);
    await run('node', 'update', '--availability', 'active', nodeRef);
    await run('service', 'rm', name);
    await pause(1100);
    return { since: String(since), until: String(nowSecs()) };
  };
  const ours = await story(d.host, ourNode);
  const theirs = await story(ref, refNode);
  const names = (node: string): Record<string, string> => ({ [name]: 'SERVICE', [node]: 'NODE' });
  const ourHost = 'evhost';
  const refHost = (await docker(ref, 'node', 'inspect', refNode, '--format', '{{.Description.Hostname}}')).stdout.trim();

  await t.test('service events: create, update (replicas, image), remove, with Docker\'s attributes', async () => {
    const q = (w: { since: string; until: string }) => ['--since', w.since, '--until', w.until, '--filter', 'type=service', '--filter', `service=${name}`];
    const mine = await events(d.host, ...q(ours));
    const real = await events(ref, ...q(theirs));
    assert.deepEqual(shape(mine, names(ourHost)), shape(real, names(refHost)));
    assert.deepEqual(mine.map((e) => e.Action), ['create', 'update', 'update', 'remove']);
    const [created] = mine;
    assert.match(created.Actor.ID, /^[a-z0-9]{25}$/);
    assert.equal(created.time, Math.floor(created.timeNano / 1e9));
    assert.ok(created.time >= Number(ours.since) && created.time <= Number(ours.until));
  });

  await t.test('--filter event=update keeps only the updates', async () => {
    const q = (w: { since: string; until: string }) => ['--since', w.since, '--until', w.until, '--filter', 'type=service', '--filter', 'event=update', '--filter', `service=${name}`];
    const mine = await events(d.host, ...q(ours));
    assert.deepEqual(shape(mine, names(ourHost)), shape(await events(ref, ...q(theirs)), names(refHost)));
    assert.deepEqual(mine.map((e) => e.Action), ['update', 'update']);
  });

  await t.test('node events on node update --availability drain', async () => {
    const q = (w: { since: string; until: string }, node: string) => ['--since', w.since, '--until', w.until, '--filter', 'type=node', '--filter', `node=${node}`];
    // The reference engine is shared: compare the node's availability changes (other writers may touch it meanwhile).
    const avail = (evs: Ev[]) => evs.filter((e) => 'availability.new' in e.Actor.Attributes);
    const mine = avail(await events(d.host, ...q(ours, ourNode)));
    const real = avail(await events(ref, ...q(theirs, refNode)));
    assert.deepEqual(shape(mine, names(ourHost)), shape(real, names(refHost)));
    assert.deepEqual(mine.map((e) => [e.Action, e.Actor.Attributes['availability.old'], e.Actor.Attributes['availability.new'], e.Actor.Attributes.name]),
      [['update', 'active', 'drain', ourHost], ['update', 'drain', 'active', ourHost]]);
  });

  await t.test('the engine\'s own events are merged in (the task\'s container)', async () => {
    // A story of its own, read at once: the engine keeps only its last 256 events, and other tests share it.
    const cname = `${name}c`;
    await pause(1100);
    const since = String(nowSecs());
    assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', cname, image, 'sleep', '86400')).code, 0);
    await eventually(async () => (await docker(d.host, 'service', 'ps', cname, '--format', '{{.CurrentState}}')).stdout.startsWith('Running'), 30_000, `${cname} running`);
    await pause(1100);
    const window = { since, until: String(nowSecs()) };
    t.after(() => docker(d.host, 'service', 'rm', cname));
    const mine = await events(d.host, '--since', window.since, '--until', window.until, '--filter', 'type=container', '--filter', `label=com.docker.swarm.service.name=${cname}`);
    const actions = mine.map((e) => e.Action);
    for (const a of ['create', 'start']) assert.ok(actions.includes(a), `container ${a} in ${actions.join(',')}`);
    assert.ok(mine.every((e) => e.scope === 'local'));
    // and in one stream with the swarm's, in time order
    const both = await events(d.host, '--since', window.since, '--until', window.until, '--filter', `service=${cname}`);
    assert.deepEqual([...new Set(both.map((e) => e.Type))].sort(), ['container', 'service']);
    assert.deepEqual(both.map((e) => e.timeNano), [...both.map((e) => e.timeNano)].sort((a, b) => a - b));
  });

  await t.test('secret, config and network events as Docker 20.10 shows them; a window cut inside the story holds exactly its part', async () => {
    const obj = `${name}o`;
    const storyOf = async (host: string) => {
      await pause(1100);
      const since = nowSecs();
      const run = async (input: string | undefined, ...a: string[]) => {
        const r = input === undefined ? await docker(host, ...a) : await dockerWithInput(host, input, ...a);
        assert.equal(r.code, 0, `${a.join(' ')}: ${r.stderr}`);
      };
      await run('s3cret', 'secret', 'create', '--label', 'a=b', obj, '-');
      await run('x=1', 'config', 'create', obj, '-');
      await run(undefined, 'network', 'create', '-d', 'overlay', '--label', 'n=1', obj);
      await run(undefined, 'secret', 'rm', obj);
      await run(undefined, 'config', 'rm', obj);
      await run(undefined, 'network', 'rm', obj);
      await pause(1100);
      return { since: String(since), until: String(nowSecs()) };
    };
    const [w1, w2] = [await storyOf(d.host), await storyOf(ref)];
    const q = (w: { since: string; until: string }) => ['--since', w.since, '--until', w.until, '--filter', 'type=secret', '--filter', 'type=config', '--filter', 'type=network', '--filter', 'scope=swarm'];
    const mine = (await events(d.host, ...q(w1))).filter((e) => e.Actor.Attributes.name === obj);
    const real = (await events(ref, ...q(w2))).filter((e) => e.Actor.Attributes.name === obj);
    const objNames = { [obj]: 'OBJ' };
    assert.deepEqual(shape(mine, objNames), shape(real, objNames));
    // a network's allocation is an update right after its create, in Docker as here
    assert.deepEqual(mine.map((e) => `${e.Type} ${e.Action}`), ['secret create', 'config create', 'network create', 'network update', 'secret remove', 'config remove', 'network remove']);
    // since/until in nanoseconds between two events: only those inside, on the docker CLI and on tswarm's.
    const at = (e: Ev) => BigInt(e.timeNano);
    const fmt = (n: bigint) => `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')}`;
    const window = [fmt((at(mine[0]) + at(mine[1])) / 2n), fmt((at(mine[5]) + at(mine[6])) / 2n)];
    const args = ['--since', window[0], '--until', window[1], '--filter', `secret=${obj}`, '--filter', `config=${obj}`, '--filter', `network=${obj}`, '--filter', 'scope=swarm', '--format', '{{.Type}} {{.Action}}'];
    const inside = await docker(d.host, 'events', ...args);
    assert.equal(inside.stdout, 'config create\nnetwork create\nnetwork update\nsecret remove\nconfig remove\n');
    assert.equal((await tswarm(d.host, 'events', ...args)).stdout, inside.stdout);
  });

  await t.test('--since 10m --until 1m (relative, as the CLIs turn them into times) replays exactly the events in that window', async () => {
    const key = (e: Ev) => `${e.Type} ${e.Action} ${e.Actor.ID} ${e.time}`;
    const all = await events(d.host, '--since', '1', '--until', String(nowSecs()), '--filter', 'scope=swarm');
    assert.ok(all.length >= 12, 'the stories\' events');
    for (const cli of [docker, tswarm]) {
      const parsed = async (...a: string[]) => (await cli(d.host, 'events', ...a, '--filter', 'scope=swarm', '--format', '{{json .}}')).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
      const started = Date.now();
      const got = await parsed('--since', '10m', '--until', '1m');
      const ended = Date.now();
      assert.ok(ended - started < 5000, 'ended at once');
      // what the window must hold, of the events this daemon has (a second of slack for the CLI's own clock read)
      const sure = all.filter((e) => e.time >= Math.floor(ended / 1000) - 600 && e.time < Math.floor(started / 1000) - 60);
      const maybe = all.filter((e) => e.time >= Math.floor(started / 1000) - 600 - 1 && e.time <= Math.floor(ended / 1000) - 60);
      for (const e of sure) assert.ok(got.some((g) => key(g) === key(e)), `${key(e)} in the window`);
      for (const g of got) assert.ok(maybe.some((e) => key(e) === key(g)), `${key(g)} outside the window`);
      // and the same window ending now holds them all
      const toNow = (await parsed('--since', '10m', '--until', '0s')).map(key);
      for (const e of all) assert.ok(toNow.includes(key(e)), `${key(e)} in --since 10m --until 0s`);
    }
  });

  await t.test('the tswarm CLI prints what the docker CLI prints', async () => {
    for (const extra of [[], ['--format', '{{json .}}'], ['--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'], ['--filter', 'event=update']]) {
      const args = ['events', '--since', ours.since, '--until', ours.until, '--filter', `service=${name}`, ...extra];
      const theirs = await docker(d.host, ...args);
      const mine = await tswarm(d.host, ...args);
      assert.equal(theirs.code, 0, theirs.stderr);
      assert.equal(mine.stdout, theirs.stdout, extra.join(' '));
      assert.ok(mine.stdout.split('\n').length > 2, mine.stdout);
    }
  });

  await t.test('--since 10m --until 1m replays the past and ends', async () => {
    const started = Date.now();
    const evs = await events(d.host, '--since', '10m', '--until', '1m', '--filter', 'scope=swarm');
    assert.ok(Date.now() - started < 5000, 'ended at once');
    const lo = nowSecs() - 600 - 5;
    const hi = nowSecs() - 60;
    for (const e of evs) assert.ok(e.time >= lo && e.time <= hi, `${JSON.stringify(e)} outside the window`);
  });

  await t.test('a stream with a future --until shows new events as they come, then ends at until', async () => {
    const until = nowSecs() + 4;
    const started = Date.now();
    const p = spawn('docker', ['events', '--filter', 'type=service', '--until', String(until), '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { env: { ...process.env, DOCKER_HOST: d.host } });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    const exited = new Promise<number>((r) => p.on('exit', (code) => r(code ?? -1)));
    await pause(500);
    const live = `${name}live`;
    assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', live, '--replicas', '0', image, 'sleep', '1')).code, 0);
    await eventually(() => out.includes(`create ${live}`), 3000, 'the create streamed');
    assert.equal(await exited, 0);
    const took = Date.now() - started;
    assert.ok(took >= (until - 1) * 1000 - started && took <= 8000, `ended at until (${took} ms)`);
    assert.ok(Date.now() >= (until - 1) * 1000, 'not before until');
    await docker(d.host, 'service', 'rm', live);
  });

  await t.test('bad since, until and filters sent to the API get Docker\'s messages', async () => {
    const cases: [string, number][] = [
      ['since=abc', 500], ['until=abc', 500], ['since=1.5x&until=2', 500], ['since=100&until=50', 400],
      [`filters=${encodeURIComponent('{bad')}`, 500], [`filters=${encodeURIComponent('[1]')}`, 500],
    ];
    for (const [q, dockerStatus] of cases) {
      const mine = await raw(socketOf(d.host), 'GET', `/v1.41/events?${q}`);
      const real = await raw(socketOf(ref), 'GET', `/v1.41/events?${q}`);
      assert.equal(real.status, dockerStatus, `${q}: Docker ${real.status} ${real.text}`);
      // Docker answers these with 500; a bad parameter is the client's error here (400), same words.
      assert.equal(mine.status, 400, `${q}: ${mine.text}`);
      assert.equal(mine.message, real.message, q);
    }
    // An unknown filter key is no error (Docker does not check them): the past replays, nothing matches.
    const unknown = `filters=${encodeURIComponent('{"bogus":{"x":true}}')}&until=1`;
    assert.deepEqual([(await raw(socketOf(d.host), 'GET', `/v1.41/events?${unknown}`)).status, (await raw(socketOf(ref), 'GET', `/v1.41/events?${unknown}`)).status], [200, 200]);
  });
});
