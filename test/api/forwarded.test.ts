import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runForwarded, toForwarded, FORWARDED_HEADERS } from '../../src/api/forwarded.js';
import { MAX_BODY_BYTES, type ApiRequest } from '../../src/api/http.js';
import type { DaemonBackend } from '../../src/api/backend.js';

/** A backend whose control API records what the leader was asked to do. */
function recordingBackend() {
  const calls: unknown[][] = [];
  const control = new Proxy({}, { get: (_t, name) => (...args: unknown[]) => { calls.push([name, ...args]); return name === 'createService' ? Promise.resolve({ ID: 'new' }) : Promise.resolve(); } });
  const backend = {
    control: () => control,
    leave: (...a: unknown[]) => { calls.push(['leave', ...a]); return Promise.resolve(); },
    init: (...a: unknown[]) => { calls.push(['init', ...a]); return Promise.resolve('n'); },
  } as unknown as DaemonBackend;
  return { backend, calls };
}

const write = (method: string, path: string, body = '', query = '') =>
  ({ method, path, query, headers: { 'content-type': 'application/json' }, body: Buffer.from(body).toString('base64') });

test('the leader runs only routes the table marks as cluster writes; anything else is refused', async () => {
  const { backend, calls } = recordingBackend();
  for (const [m, p] of [['POST', '/swarm/leave'], ['POST', '/swarm/init'], ['GET', '/services'], ['POST', '/containers/create'],
    ['DELETE', '/containers/x'], ['GET', '/info'], ['POST', '/services/create/../../swarm/leave'], ['POST', '/v1.47/services/create']]) {
    await assert.rejects(runForwarded(write(m, p, '{}'), backend), (e: { status: number; message: string }) => e.status === 403 && /is not a cluster write/.test(e.message), `${m} ${p}`);
  }
  await assert.rejects(runForwarded({ method: 5, path: null } as never, backend), { status: 403 });
  assert.deepEqual(calls, [], 'nothing ran');
});

test('a forwarded write runs through the same route: decoding, query, answer', async () => {
  const { backend, calls } = recordingBackend();
  const r = await runForwarded(write('POST', '/services/create', '{"name":"web","TaskTemplate":{"ContainerSpec":{"Image":"i"}},"Labels":{"n":"日本"}}'), backend);
  assert.deepEqual(r, { status: 201, body: '{"ID":"new"}' });
  assert.deepEqual(calls[0], ['createService', { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'i' } }, Labels: { n: '日本' } }]);
  const bad = await runForwarded(write('POST', '/services/abc/update', '{}', 'version=x'), backend);
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).message, /invalid service version 'x'/);
  const empty = await runForwarded(write('DELETE', '/services/abc'), backend);
  assert.deepEqual(empty, { status: 200, body: '' });
  const big = await runForwarded({ ...write('POST', '/services/create'), body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20).toString('base64') }, backend);
  assert.equal(big.status, 413);
});

test('a follower forwards the route, its query, the body bytes and only the headers handlers read', async () => {
  const body = Buffer.from('{"Name":"é"}');
  const req: ApiRequest = {
    method: 'POST', path: '/services/create', params: {}, query: new URLSearchParams('a=1&b=%20'),
    headers: { 'content-type': 'application/json', 'x-registry-auth': 'eyJ1c2VyIjoieCJ9', cookie: 'secret', authorization: 'Bearer x' },
    body: async () => body,
  };
  const w = await toForwarded(req);
  assert.deepEqual(w, { method: 'POST', path: '/services/create', query: 'a=1&b=+', headers: { 'content-type': 'application/json', 'x-registry-auth': 'eyJ1c2VyIjoieCJ9' }, body: body.toString('base64') });
  assert.deepEqual([...FORWARDED_HEADERS], ['content-type', 'x-registry-auth']);
});
