import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../src/clock.js';
import { Allocator } from '../../../src/manager/allocator/allocator.js';
import { NetworkAttacher } from '../../../src/manager/allocator/attachments.js';
import { createIngressNetwork } from '../../../src/manager/allocator/ingress-network.js';
import { Control } from '../../../src/manager/controlapi/control.js';
import { newCluster } from '../../../src/manager/cluster.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { MemoryStore } from '../../../src/store/store.js';
import type { AssignmentsMessage } from '../../../src/types/dispatcher.js';

async function until(what: string, ok: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a plain container on an attachable network gets an address from the leader, the node gets the network view, and detach gives it back', async () => {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('cluster', newCluster({ clock: systemClock, rootCA: createRootCA(new Date()), clusterId: 'c1' }));
    createIngressNetwork(tx);
  });
  const control = new Control(store, { clock: systemClock });
  await control.createNetwork({ Name: 'att', Driver: 'overlay', Attachable: true, IPAM: { Config: [{ Subnet: '10.0.9.0/24' }] } });
  await control.createNetwork({ Name: 'closed', Driver: 'overlay' });
  const allocator = new Allocator({ store, clock: systemClock });
  const d = new Dispatcher(store, systemClock, new NetworkAttacher(store, allocator));
  d.start();
  allocator.start();
  const { sessionId } = await d.register({ nodeId: 'n1', description: { Hostname: 'h1' }, addr: '192.168.1.1' });
  const got: AssignmentsMessage[] = [];
  d.assignments(sessionId, { onMessage: (m) => got.push(m), onClose: () => undefined });

  const a = await d.attachNetwork({ sessionId, network: 'att', containerId: 'c0ffee', aliases: ['db'], name: 'pc' });
  assert.equal(a.address, '10.0.9.2/24');
  assert.equal(a.networkId, control.findNetwork('att')!.ID);
  assert.deepEqual(await d.attachNetwork({ sessionId, network: 'att', containerId: 'c0ffee' }), a, 'the same container again: the same answer');
  await assert.rejects(d.attachNetwork({ sessionId, network: 'closed', containerId: 'c0ffee' }),
    { status: 403, message: `rpc error: code = PermissionDenied desc = network closed not manually attachable` });
  await assert.rejects(d.attachNetwork({ sessionId, network: 'nope', containerId: 'x' }), { status: 404, message: 'network nope not found' });
  await assert.rejects(d.attachNetwork({ sessionId: 'bogus', network: 'att', containerId: 'x' }), /session invalid/);

  // The node needs the network now: its view, with the container's address behind the node.
  await until('the view', () => got.some((m) => m.changes.some((c) => 'network' in c)));
  const view = got.flatMap((m) => m.changes).flatMap((c) => ('network' in c ? [c.network] : [])).at(-1)!;
  assert.deepEqual(view.Peers, [{ NodeID: 'n1', Addr: '192.168.1.1', Addresses: ['10.0.9.2'] }]);
  assert.equal(view.Attachable, true);
  // Its name and aliases for the network's DNS.
  assert.deepEqual(view.Containers, [{ ContainerID: 'c0ffee', Name: 'pc', Aliases: ['db'], NodeID: 'n1', Addr: '10.0.9.2' }]);
  // A service on the same network never gets the container's address.
  await control.createService({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'att' }] } });
  await until('VIP', () => !!control.getService('web').Endpoint?.VirtualIPs?.[0]?.Addr);
  assert.equal(control.getService('web').Endpoint!.VirtualIPs![0].Addr, '10.0.9.3/24');
  await assert.rejects(control.removeNetwork('att'), /is in use by/);

  got.length = 0;
  await d.detachNetwork({ sessionId, attachmentId: a.attachmentId });
  await until('removal', () => got.some((m) => m.changes.some((c) => 'networkId' in c && c.networkId === a.networkId)));
  assert.equal(store.view((tx) => tx.table('netattachments').all()).length, 0);
  const b = await d.attachNetwork({ sessionId, network: 'att', containerId: 'other' });
  assert.equal(b.address, '10.0.9.4/24', 'serial: the next address, not the one just released');
  await allocator.stop();
  await d.stop();
});
