import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { DiscoveryOptions } from '../../../src/classic/discovery/parse.js';
import { parseDiscovery } from '../../../src/classic/discovery/parse.js';
import { eventually, freePort, run, TSWARM_BIN } from '../../helpers/tswarmd.js';

/**
 * What every registering backend (token, etcd, consul, zk) must do, as a user
 * of `tswarm join` / `tswarm list` / `manage` sees it. Each test file starts its
 * store and calls these with a fresh URL.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAMPAIGNER = fileURLToPath(new URL('./campaigner.js', import.meta.url));

export const tswarmCli = (env: Record<string, string>, ...args: string[]) => run(process.execPath, [TSWARM_BIN, ...args], env, 20_000);

/** In process: register two engines, list shows them; a watch sees a third come and go. */
export async function registerListWatch(t: TestContext, url: string, o: DiscoveryOptions = {}) {
  const d = parseDiscovery(url, { refreshMs: 100, retryMs: 200, ...o });
  t.after(() => d.close?.());
  assert.deepEqual(await d.list(), []);
  const regs = ['10.1.0.1:2375', '10.1.0.2:2375'].map((a) => d.register(a, { heartbeatMs: 300, ttlMs: 3000 }));
  t.after(() => Promise.all(regs.map((r) => r.stop())));
  await Promise.all(regs.map((r) => r.first));
  assert.deepEqual(await d.list(), ['10.1.0.1:2375', '10.1.0.2:2375']);

  const seen: string[][] = [];
  const w = d.watch((e) => seen.push(e), (e) => assert.fail(e));
  t.after(() => w.stop());
  await eventually(() => seen.length === 1, 5000, 'the first list');
  assert.deepEqual(seen[0], ['10.1.0.1:2375', '10.1.0.2:2375']);
  const third = d.register('10.1.0.3:2375', { heartbeatMs: 300, ttlMs: 1500 });
  await third.first;
  await eventually(() => seen.at(-1)?.includes('10.1.0.3:2375'), 5000, 'the watch to see the third engine');
  await third.stop(); // withdraws, or (token: the old API has no withdrawal) expires
  await eventually(() => seen.length >= 3 && !seen.at(-1)!.includes('10.1.0.3:2375'), 5000, 'the watch to see the third engine go');
  assert.deepEqual(seen.at(-1), ['10.1.0.1:2375', '10.1.0.2:2375']);
  // a refresh changes nothing a watcher sees
  const n = seen.length;
  await sleep(700);
  assert.equal(seen.length, n);
}

/**
 * `tswarm join` registers, `tswarm list` prints it; SIGKILLed, its entry goes
 * after the TTL: not before TTL - heartbeat (the last refresh), not much after TTL.
 */
export async function joinDisappearsAfterTtl(t: TestContext, url: string, env: Record<string, string> = {}) {
  const d = parseDiscovery(url, env.TSWARM_DISCOVERY_URL ? { tokenServiceUrl: env.TSWARM_DISCOVERY_URL } : {});
  t.after(() => d.close?.());
  const addr = '10.2.0.7:2375';
  const join = spawn(process.execPath, [TSWARM_BIN, 'join', `-addr=${addr}`, '--heartbeat', '1s', '--ttl', '2s', url], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  join.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  t.after(() => join.kill('SIGKILL'));
  await eventually(async () => (await d.list()).includes(addr), 10_000, `join to register (${stderr})`);
  const listed = await tswarmCli(env, 'list', url);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, `${addr}\n`);
  // let it refresh a few times: the entry must outlive the first TTL while join runs
  await sleep(2200);
  assert.deepEqual(await d.list(), [addr], 'still registered after more than one TTL while join refreshes');
  const exited = new Promise((r) => join.once('exit', r));
  join.kill('SIGKILL');
  await exited;
  const killedAt = Date.now();
  await eventually(async () => !(await d.list()).includes(addr), 8000, 'the entry to expire');
  const gone = Date.now() - killedAt;
  t.diagnostic(`${url.split(':')[0]}: entry gone ${gone} ms after join was killed (heartbeat 1 s, TTL 2 s)`);
  assert.ok(gone >= 2000 - 1000 - 300, `gone ${gone} ms after the kill: before TTL - heartbeat`);
  assert.ok(gone <= 2000 + 2500, `gone ${gone} ms after the kill: long after the TTL`);
  assert.match(stderr, new RegExp(`Registering on the discovery service every 1s\\.\\.\\. addr=${addr.replace(/\./g, '\\.')}`));
}

/** A store nobody listens on: list, join and the library say so and which store. */
export async function unreachableAtStart(scheme: string, what: RegExp, env: Record<string, string> = {}) {
  const port = await freePort();
  const url = scheme === 'token' ? `token://127.0.0.1:${port}/v1/abcdef` : `${scheme}://127.0.0.1:${port}/tswarm`;
  const d = parseDiscovery(url);
  try {
    await assert.rejects(d.list(), what);
    const reg = d.register('10.3.0.1:2375', { heartbeatMs: 1000, ttlMs: 3000 });
    await assert.rejects(reg.first!, what);
    await reg.stop();
  } finally {
    await d.close?.();
  }
  const list = await tswarmCli(env, 'list', '--timeout', '8s', url);
  assert.equal(list.code, 1);
  assert.match(list.stderr, what);
  assert.equal(list.stdout, '');
  const join = await tswarmCli(env, 'join', '--advertise', '10.3.0.1:2375', '--heartbeat', '1s', '--ttl', '2s', url);
  assert.equal(join.code, 1);
  assert.match(join.stderr, what);
}

function campaigner(url: string, addr: string, ttlMs: number) {
  const p = spawn(process.execPath, [CAMPAIGNER, url, addr, String(ttlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: string[] = [];
  p.stdout!.on('data', (c: Buffer) => events.push(...c.toString().split('\n').filter(Boolean)));
  return { p, events };
}

const killed = (p: ChildProcess) => {
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  return exited;
};

/**
 * Two managers campaign; the primary is SIGKILLed; the other is elected
 * within the lock's TTL (not before what is left of it), and leader() follows.
 */
export async function lockFailover(t: TestContext, url: string, ttlMs = 2000) {
  const d = parseDiscovery(url);
  t.after(() => d.close?.());
  const election = d.leaderElection!({ ttlMs });
  const a = campaigner(url, '10.4.0.1:2376', ttlMs);
  t.after(() => a.p.kill('SIGKILL'));
  await eventually(() => a.events.includes('elected'), 10_000, 'the first manager to be elected');
  const b = campaigner(url, '10.4.0.2:2376', ttlMs);
  t.after(() => b.p.kill('SIGKILL'));
  assert.equal(await election.leader(), '10.4.0.1:2376');
  await sleep(ttlMs); // b keeps trying while a holds the lock
  assert.deepEqual(b.events, [], 'a replica is not elected while the primary is alive');
  await killed(a.p);
  const killedAt = Date.now();
  await eventually(() => b.events.includes('elected'), ttlMs + 5000, 'the replica to be elected');
  const took = Date.now() - killedAt;
  t.diagnostic(`${url.split(':')[0]}: replica elected ${took} ms after the primary was killed (TTL ${ttlMs} ms)`);
  assert.ok(took >= ttlMs / 3, `elected ${took} ms after the primary died: its lock cannot have expired yet`);
  assert.ok(took <= ttlMs + 2000, `elected ${took} ms after the primary died: TTL ${ttlMs} ms`);
  assert.equal(await election.leader(), '10.4.0.2:2376');
  // a graceful stop resigns at once: a third manager takes over well within the TTL
  const c = campaigner(url, '10.4.0.3:2376', ttlMs);
  t.after(() => c.p.kill('SIGKILL'));
  await sleep(300);
  const stoppedAt = Date.now();
  b.p.kill('SIGTERM');
  await eventually(() => c.events.includes('elected'), ttlMs + 5000, 'the third manager to be elected');
  assert.ok(Date.now() - stoppedAt < ttlMs, 'a resigned lock is taken before its TTL');
  assert.equal(await election.leader(), '10.4.0.3:2376');
  await killed(c.p);
}

/**
 * The store goes away and comes back (same data): the watch reports the
 * outage, keeps trying, and follows again; join's refreshes carry on.
 */
export async function watchSurvivesRestart(t: TestContext, url: string, restart: (downMs: number) => Promise<void>, outage?: RegExp, downMs = 1000) {
  const d = parseDiscovery(url, { retryMs: 200 });
  t.after(() => d.close?.());
  const a = d.register('10.5.0.1:2375', { heartbeatMs: 300, ttlMs: 4000 });
  t.after(() => a.stop());
  await a.first;
  const seen: string[][] = [];
  const errors: Error[] = [];
  const w = d.watch((e) => seen.push(e), (e) => errors.push(e));
  t.after(() => w.stop());
  await eventually(() => seen.at(-1)?.includes('10.5.0.1:2375'), 5000, 'the first list');
  await restart(downMs);
  const b = d.register('10.5.0.2:2375', { heartbeatMs: 300, ttlMs: 4000 });
  t.after(() => b.stop());
  await b.first;
  await eventually(() => seen.at(-1)?.includes('10.5.0.2:2375'), 10_000, 'the watch to follow again after the restart');
  assert.deepEqual(await d.list(), ['10.5.0.1:2375', '10.5.0.2:2375']);
  // zk's client reconnects and sets its watches again without a word; etcd's watch stream breaks and says so
  if (outage) assert.match(errors[0]?.message ?? 'no error reported', outage);
}
