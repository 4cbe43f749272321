import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { docker, eventually, startTswarmd } from '../helpers/tswarmd.js';

function api(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((res, rej) => {
    const r = request({ socketPath: socket, method, path, headers: { 'Content-Type': 'application/json' } }, (resp) => {
      let b = '';
      resp.on('data', (c) => (b += c));
      resp.on('end', () => res({ status: resp.statusCode!, json: b ? JSON.parse(b) : undefined }));
    });
    r.on('error', rej);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// Bad input gets Docker's status and message and changes nothing.
test('invalid input is refused with Docker errors and leaves the store unchanged', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  const dk = (...a: string[]) => docker(d.host, ...a);

  const notManager = await api(d.socket, 'GET', '/v1.47/services');
  assert.equal(notManager.status, 503);
  assert.match(notManager.json.message, /This node is not a swarm manager/);

  assert.equal((await dk('swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  assert.equal((await dk('service', 'create', '--name', 'web', '--detach', 'busybox', 'sleep', '86400')).code, 0);
  const snapshot = async () => JSON.stringify((await api(d.socket, 'GET', '/v1.47/services')).json);
  // The allocator records the endpoint and the task runs asynchronously: compare once the service has settled.
  await eventually(async () => (await dk('service', 'ls', '--format', '{{.Replicas}}')).stdout.trim() === '1/1', 30_000, 'web running');
  await eventually(async () => JSON.parse(await snapshot())[0]?.Endpoint !== undefined, 10_000, 'endpoint allocated');
  const before = await snapshot();

  const unknown = await dk('service', 'inspect', 'nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no such service: nope/i);
  const unknownApi = await api(d.socket, 'GET', '/v1.47/services/nope');
  assert.equal(unknownApi.status, 404);
  assert.equal(unknownApi.json.message, 'service nope not found');

  for (const bad of ['-1', 'abc']) {
    const r = await dk('service', 'create', '--name', 'x', '--replicas', bad, 'busybox');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid argument/);
  }
  const negApi = await api(d.socket, 'POST', '/v1.47/services/create', { Name: 'x', TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, Mode: { Replicated: { Replicas: -1 } } });
  assert.equal(negApi.status, 400);

  const globalReplicas = await dk('service', 'create', '--name', 'x', '--mode', 'global', '--replicas', '2', 'busybox');
  assert.notEqual(globalReplicas.code, 0);
  assert.match(globalReplicas.stderr, /replicas can only be used with replicated/);

  const dup = await api(d.socket, 'POST', '/v1.47/services/create', { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } });
  assert.equal(dup.status, 409);
  assert.match(dup.json.message, /name conflicts with an existing object/);

  const constraint = await dk('service', 'create', '--name', 'x', '--detach', '--constraint', 'node.labels.foo', 'busybox');
  assert.notEqual(constraint.code, 0);
  assert.match(constraint.stderr, /invalid constraint|constraint expected one operator/);

  const svc = (await api(d.socket, 'GET', '/v1.47/services/web')).json;
  const stale = await api(d.socket, 'POST', `/v1.47/services/${svc.ID}/update?version=${svc.Version.Index - 1}`, svc.Spec);
  assert.equal(stale.status, 500);
  assert.match(stale.json.message, /update out of sequence/);

  assert.equal(await snapshot(), before, 'nothing changed');
});
