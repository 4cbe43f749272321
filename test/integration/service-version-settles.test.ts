import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, startTswarmd } from '../helpers/tswarmd.js';
import { raw, socketOf } from './invalid-input-engine.js';

// A client that creates a service and at once inspects and updates it (docker-py, scripts with -d) must
// not find its version moved by the manager in between: a service with nothing to allocate (no port,
// no network) is stored with its endpoint, and no second write follows (it did, ~13 ms later, and the
// update failed with "update out of sequence"). One with a published port gets its allocation as before.
test('create, inspect, update at once: no "update out of sequence"; the version settles', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const sock = socketOf(d.host);
  const spec = (name: string, extra: object = {}) => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: 'busybox', Args: ['top'] } }, Mode: { Replicated: { Replicas: 0 } }, ...extra });
  for (let i = 0; i < 20; i++) {
    const c = await raw(sock, 'POST', '/v1.41/services/create', JSON.stringify(spec(`s${i}`)));
    assert.equal(c.status, 201, c.text);
    const s = (await raw(sock, 'GET', `/v1.41/services/${c.json.ID}`)).json;
    assert.deepEqual(s.Endpoint, { Spec: { Mode: 'vip' } });
    const u = await raw(sock, 'POST', `/v1.41/services/${s.ID}/update?version=${s.Version.Index}`, JSON.stringify({ ...s.Spec, Labels: { n: String(i) } }));
    assert.equal(u.status, 200, `service ${i}: ${u.text}`);
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = (await raw(sock, 'GET', '/v1.41/services/s0')).json;
  assert.equal(after.CreatedAt < after.UpdatedAt, true);
  const v = after.Version.Index;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await raw(sock, 'GET', '/v1.41/services/s0')).json.Version.Index, v, 'no write after the update');

  // A published port still gets its number and the ingress VIP from the allocator.
  const p = await raw(sock, 'POST', '/v1.41/services/create', JSON.stringify(spec('ported', { EndpointSpec: { Ports: [{ TargetPort: 80 }] } })));
  assert.equal(p.status, 201, p.text);
  let ep: { Ports?: { PublishedPort?: number }[]; VirtualIPs?: unknown[] } | undefined;
  for (let i = 0; i < 50 && !ep?.VirtualIPs?.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    ep = (await raw(sock, 'GET', '/v1.41/services/ported')).json.Endpoint;
  }
  assert.equal(ep?.Ports?.[0]?.PublishedPort, 30000);
  assert.equal(ep?.VirtualIPs?.length, 1);
});
