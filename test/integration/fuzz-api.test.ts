import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';
import { raw, storeDump } from './invalid-input-engine.js';

/**
 * Fuzzing the Engine API: random and mutated bodies, queries and paths for
 * every swarm route, from a seeded generator (TSWARM_FUZZ_SEED replays a run),
 * bounded in count and time. The daemon never crashes, bad input gets a 4xx
 * (a 5xx only where Docker itself answers one, with Docker's message), and
 * after every refused request the store is as it was.
 *
 * Nothing valid is meant to get through: creates reuse the fixture's name
 * (refused as a conflict once decoded and validated), updates carry a stale
 * version (refused once validated, as swarmkit orders it); so the whole store
 * is compared with the one taken at the start.
 */
const SEED = Number(process.env.TSWARM_FUZZ_SEED ?? 20261130);
const MAX_REQUESTS = Number(process.env.TSWARM_FUZZ_REQUESTS ?? 15000);
const MAX_MS = 40_000;

/** mulberry32: small, seeded, good enough to pick things. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type R = ReturnType<typeof rng>;

const NUMBERS = ['0', '1', '-1', '2', '1.5', '1e2', '-0', '1E400', '9007199254740993', '18446744073709551616', '-9223372036854775809', '0.000001'];
const STRINGS = ['', 'x', 'web', '-', 'a_b', '日本', '\u0000', '\ud800', 'node.labels.a==b', 'a==', '==b', 'x'.repeat(300), 'SWMKEY-1-x', 'manager', 'DRAIN', 'global', 'tcp', 'vip', 'dnsrr'];
const KEYS = ['Name', 'name', 'NAME', 'Labels', 'Mode', 'mode', 'Replicated', 'Replicas', 'Global', 'TaskTemplate', 'ContainerSpec', 'Image', 'Env', 'Mounts',
  'EndpointSpec', 'Ports', 'TargetPort', 'UpdateConfig', 'Role', 'Availability', 'Raft', 'ElectionTick', 'Orchestration', 'Secrets', 'Networks', 'Bogus', '', '\u00e9', '__proto__', 'constructor'];

function randomJson(r: R, depth = 0): unknown {
  const k = depth > 4 ? r.int(4) : r.int(6);
  switch (k) {
    case 0: return JSON.parse(r.pick(NUMBERS).replace('1E400', '1e300'));
    case 1: return r.pick(STRINGS);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(KEYS), randomJson(r, depth + 1)]));
  }
}

/** Text for a JSON value, with numbers written as Go would see them (e.g. 1.0, 1e2, -0). */
function render(r: R, v: unknown): string {
  if (typeof v === 'number') return r.chance(0.3) ? r.pick(NUMBERS) : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => render(r, x)).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(r.chance(0.15) ? flipCase(r, k) : k)}:${render(r, x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function flipCase(r: R, s: string) {
  return [...s].map((c) => (r.chance(0.5) ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** A valid body, changed at one to three random places (a leaf's type or value, a key removed or added). */
function mutate(r: R, base: unknown): unknown {
  const v = structuredClone(base);
  for (let n = 1 + r.int(3); n > 0; n--) {
    let node = v as Record<string, unknown>;
    for (let depth = 0; depth < 6; depth++) {
      const keys = node && typeof node === 'object' ? Object.keys(node) : [];
      if (!keys.length) break;
      const key = r.pick(keys);
      const child = node[key];
      if (child && typeof child === 'object' && r.chance(0.7)) { node = child as Record<string, unknown>; continue; }
      const op = r.int(4);
      if (op === 0) delete node[key];
      else if (op === 1 && !Array.isArray(node)) node[r.pick(KEYS)] = randomJson(r, 3);
      else node[key] = randomJson(r, 3);
      break;
    }
  }
  return v;
}

function body(r: R, valid: unknown, keepName?: string): string | Buffer {
  switch (r.int(10)) {
    case 0: return Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)));
    case 1: { const t = JSON.stringify(valid); return t.slice(0, r.int(t.length)); }
    case 2: { const t = Buffer.from(JSON.stringify(valid)); if (t.length) t[r.int(t.length)] = r.int(256); return t; }
    case 3: return render(r, randomJson(r));
    case 4: return r.chance(0.5) ? '['.repeat(1000 + r.int(3000)) : `{"Name":"web","Labels":{"a":"${'x'.repeat(r.chance(0.1) ? 4_300_000 : 100_000)}"}}`;
    default: {
      const m = mutate(r, valid) as Record<string, unknown>;
      if (keepName && m && typeof m === 'object' && !Array.isArray(m)) {
        for (const k of Object.keys(m)) if (k.toLowerCase() === 'name') delete m[k];
        m.Name = keepName;
      }
      return render(r, m);
    }
  }
}

/** Random parameters; the route's own (a stale version) always win, so nothing valid slips through. */
function query(r: R, fixed: Record<string, string>): string {
  const q = new URLSearchParams();
  if (r.chance(0.3)) q.set(r.pick(['version', 'rollback', 'filters', 'status', 'insertDefaults', 'rotateWorkerToken']), r.pick([...STRINGS, '{"name":["a"]}', '{"id":{"x":true}}', '%', '1']));
  if (r.chance(0.2)) q.set('filters', render(r, randomJson(r)));
  for (const [k, v] of Object.entries(fixed)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Status and message pairs that Docker itself answers with a 5xx: anything else in the 5xx range is a tswarm bug. */
const DOCKER_5XX = [
  /^rpc error: code = Unknown desc = update out of sequence$/,
  /^rpc error: code = Unknown desc = (constraint expected one operator|key '.*' is invalid|value '.*' is invalid)/s,
  /^rpc error: code = Unimplemented desc = (renaming services is not supported|service mode change is not allowed)$/,
  /^This node is already part of a swarm/,
  /^You are attempting to leave the swarm on a node that is participating as a manager/,
  /^tswarm runs tasks with the sim executor and has no container engine/,
];

test('fuzzing the Engine API: no crash, 4xx for bad input, the store unchanged', { timeout: 180_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  assert.equal((await docker(d.host, 'service', 'create', '-d', '--name', 'web', '--replicas', '2', '-p', '8080:80', '--constraint', 'node.role==manager', 'busybox', 'sleep', '1d')).code, 0);
  await eventually(async () => (await docker(d.host, 'service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '2/2', 30_000, 'web 2/2');
  let before = '';
  await eventually(async () => { const a = await storeDump(d.socket); const same = a === before; before = a; return same; }, 20_000, 'store settled');

  const web = (await raw(d.socket, 'GET', '/v1.47/services/web')).json;
  const node = (await raw(d.socket, 'GET', '/v1.47/nodes')).json[0];
  const swarm = (await raw(d.socket, 'GET', '/v1.47/swarm')).json;
  const stale = { version: '999999999' };
  const routes: { method: string; path: string; valid?: unknown; keepName?: string; q?: Record<string, string> }[] = [
    { method: 'POST', path: '/services/create', valid: web.Spec, keepName: 'web' },
    { method: 'POST', path: `/services/${web.ID}/update`, valid: web.Spec, q: stale },
    { method: 'POST', path: `/nodes/${node.ID}/update`, valid: node.Spec, q: stale },
    { method: 'POST', path: '/swarm/update', valid: swarm.Spec, q: stale },
    { method: 'POST', path: '/swarm/init', valid: { ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '127.0.0.1', Spec: swarm.Spec } },
    { method: 'POST', path: '/swarm/join', valid: { RemoteAddrs: ['127.0.0.1:1'], JoinToken: 'SWMTKN-1-x' } },
    { method: 'POST', path: '/swarm/unlock', valid: { UnlockKey: 'SWMKEY-1-x' } },
    { method: 'POST', path: '/swarm/leave', valid: {} },
    { method: 'DELETE', path: '/services/nope' },
    { method: 'DELETE', path: `/nodes/${node.ID}` },
    { method: 'GET', path: '/services' }, { method: 'GET', path: `/services/${web.ID}` }, { method: 'GET', path: '/tasks' },
    { method: 'GET', path: '/nodes' }, { method: 'GET', path: `/nodes/${node.ID}` }, { method: 'GET', path: '/swarm' },
    { method: 'GET', path: '/swarm/unlockkey' }, { method: 'GET', path: '/info' }, { method: 'GET', path: '/version' },
    { method: 'GET', path: `/services/${web.ID}/logs` }, { method: 'GET', path: '/secrets' }, { method: 'POST', path: '/configs/create', valid: { Name: 'c', Data: '' } },
  ];

  const r = rng(SEED);
  const start = Date.now();
  const seen = new Map<number, number>();
  let n = 0;
  for (; n < MAX_REQUESTS && Date.now() - start < MAX_MS; n++) {
    const route = r.pick(routes);
    let path = `/v1.${r.pick(['24', '41', '47'])}${route.path}`;
    if (r.chance(0.05)) path = path.replace(/\/([^/]*)$/, (_m, last: string) => `/${r.pick(['%', '%zz', '%ff', '..', encodeURIComponent('日本'), last + '/x'])}`);
    const q = query(r, route.q ?? {});
    const b = route.valid === undefined && route.method !== 'POST' ? undefined : body(r, route.valid ?? {}, route.keepName);
    const what = `#${n} ${route.method} ${path}${q} ${b === undefined ? '' : Buffer.from(b).subarray(0, 300).toString('latin1')} (seed ${SEED})`;
    const a = await raw(d.socket, route.method, path + q, b);
    seen.set(a.status, (seen.get(a.status) ?? 0) + 1);
    assert.equal(d.proc.exitCode, null, `daemon died after ${what}\n${d.log().slice(-2000)}`);
    if (route.method !== 'GET') {
      assert.ok(a.status >= 400, `${what}: accepted (${a.status} ${a.text.slice(0, 200)})`);
    }
    if (a.status >= 500) {
      assert.ok(DOCKER_5XX.some((re) => re.test(a.message ?? '')), `${what}: ${a.status} ${a.text.slice(0, 300)}`);
    }
    if (a.status >= 400 && n % 5 === 0) assert.equal(await storeDump(d.socket), before, `${what}: the store changed`);
  }
  assert.equal(await storeDump(d.socket), before, 'the store at the end');
  assert.ok(n >= 200, `only ${n} requests in ${MAX_MS} ms`);
  t.diagnostic(`seed ${SEED}: ${n} requests in ${Date.now() - start} ms; statuses ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
});
