import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../src/clock.js';
import { Control } from '../../../src/manager/controlapi/control.js';
import { newCluster } from '../../../src/manager/cluster.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { MemoryStore } from '../../../src/store/store.js';
import type { ServiceSpec } from '../../../src/types/objects.js';

async function setup() {
  const store = new MemoryStore();
  const rootCA = createRootCA(new Date());
  await store.update((tx) => {
    tx.create('cluster', newCluster({ clock: systemClock, rootCA, clusterId: 'c1', spec: undefined }));
    tx.create('nodes', {
      ID: 'n1', Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Role: 'manager', Availability: 'active', Labels: {} },
      Description: { Hostname: 'h1' }, Status: { State: 'ready' },
    });
  });
  const control = new Control(store, { clock: systemClock });
  const dump = () => JSON.stringify(store.view((tx) => ({ c: tx.cluster(), n: tx.nodes.all(), s: tx.services.all(), t: tx.tasks.all() })));
  return { store, control, rootCA, dump };
}

const svc = (extra: Record<string, unknown> = {}): ServiceSpec => ({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, ...extra } as ServiceSpec);

test('the root CA key and the unlock key never leave the control API through getCluster', async () => {
  const { control, rootCA } = await setup();
  const c0 = control.getCluster();
  await control.updateCluster(c0.Version.Index, { ...c0.Spec, EncryptionConfig: { AutoLockManagers: true } }, {});
  const c = control.getCluster();
  const text = JSON.stringify(c);
  assert.ok(!text.includes(rootCA.keyPem.split('\n')[1]), 'no CA key');
  assert.equal(c.RootCA, undefined);
  assert.equal(c.UnlockKey, undefined);
  const key = control.getUnlockKey();
  assert.match(key, /^SWMKEY-1-/);
  assert.ok(!text.includes(key.slice(9)), 'no unlock key');
  // A caller that changes what it got cannot reach the stored object.
  (c.Spec as Record<string, unknown>).Name = 'changed';
  assert.equal(control.getCluster().Spec.Name, 'default');
});

test('service names follow swarmkit: letters, digits, - and _ between them, 63 characters at most', async () => {
  const { control, dump } = await setup();
  for (const ok of ['a', 'stack_web', 'a-b_c', 'A1', 'x'.repeat(63)]) {
    const { ID } = await control.createService(svc({ Name: ok }));
    assert.equal(control.getService(ID).Spec.Name, ok);
  }
  const before = dump();
  for (const [bad, msg] of [['-a', 'name must be valid as a DNS name component'], ['a_', 'name must be valid as a DNS name component'],
    ['a.b', 'name must be valid as a DNS name component'], ['x'.repeat(64), 'name must be 63 characters or fewer']]) {
    await assert.rejects(control.createService(svc({ Name: bad })), { status: 400, message: `rpc error: code = InvalidArgument desc = ${msg}` }, bad);
  }
  assert.equal(dump(), before);
});

test('a service created without a name gets a random one as Docker\'s (adjective_surname), never one taken', async () => {
  const { control } = await setup();
  const names = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const { ID } = await control.createService(svc({ Name: i % 2 ? '' : undefined }));
    const name = control.getService(ID).Spec.Name!;
    assert.match(name, /^[a-z]+_[a-z]+\d?$/);
    assert.ok(!names.has(name), `${name} given twice`);
    names.add(name);
  }
});

test('spec fields tswarm does not act on are refused with a clear error and never stored', async () => {
  const { control, dump } = await setup();
  const before = dump();
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'net', DriverOpts: { a: 'b' } }] } }, /driver options.*\(TaskTemplate\.Networks\.DriverOpts\)/],
    [{ TaskTemplate: { ContainerSpec: { Image: 'b', Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 1 }] } } }, /Ulimits/],
    [{ TaskTemplate: { ContainerSpec: { Image: 'b', Privileges: { NoNewPrivileges: true } } } }, /Privileges/],
    [{ TaskTemplate: { ContainerSpec: { Image: 'b' }, LogDriver: { Name: 'syslog' } } }, /log driver/],
    [{ TaskTemplate: { ContainerSpec: { Image: 'b' }, Placement: { Platforms: [{ OS: 'linux' }] } } }, /Platforms/],
    [{ TaskTemplate: { ContainerSpec: { Image: 'b' }, Runtime: 'plugin' } }, /Runtime "plugin": not supported/],
    [{ EndpointSpec: { Mode: 'dnsrr', Ports: [{ TargetPort: 80, PublishedPort: 80 }] } }, /port published with ingress mode can't be used with dnsrr mode/],
  ];
  for (const [extra, msg] of refused) {
    await assert.rejects(control.createService(svc(extra)), (e: { status: number; message: string }) => e.status === 400 && msg.test(e.message), JSON.stringify(extra));
  }
  assert.equal(dump(), before, 'nothing stored');
  // Zero values are what the CLI sends when a flag is not given: accepted.
  const { ID } = await control.createService(svc({ TaskTemplate: { ContainerSpec: { Image: 'b', Init: false, DNSConfig: {}, Privileges: { CredentialSpec: null, SELinuxContext: null }, Isolation: 'default' }, Networks: [] } }));
  assert.ok(ID);
  const c = control.getCluster();
  await assert.rejects(control.updateCluster(c.Version.Index, { ...c.Spec, CAConfig: { ExternalCAs: [{ Protocol: 'cfssl', URL: 'https://ca' }] } }, {}), /external CAs/);
});

test('a node update is converted as Docker does: Role and Availability required, any case', async () => {
  const { control, dump } = await setup();
  const n = control.getNode('n1');
  const before = dump();
  await assert.rejects(control.updateNode('n1', n.Version.Index, { Availability: 'drain' }), { status: 400, message: 'invalid Role: ""' });
  await assert.rejects(control.updateNode('n1', n.Version.Index, { Role: 'manager', Availability: 'bogus' as never }), { status: 400, message: 'invalid Availability: "bogus"' });
  assert.equal(dump(), before);
  await control.updateNode('n1', n.Version.Index, { Role: 'MANAGER' as never, Availability: 'Drain' as never, Labels: { a: 'b' } });
  assert.deepEqual(control.getNode('n1').Spec, { Role: 'manager', Availability: 'drain', Labels: { a: 'b' } });
});
