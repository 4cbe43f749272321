import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../src/clock.js';
import { Allocator } from '../../../src/manager/allocator/allocator.js';
import { createIngressNetwork } from '../../../src/manager/allocator/ingress-network.js';
import { INGRESS_SBOX } from '../../../src/types/network.js';
import { newCluster } from '../../../src/manager/cluster.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { Control } from '../../../src/manager/controlapi/control.js';
import { NetworkViews } from '../../../src/manager/dispatcher/network-views.js';
import { MemoryStore } from '../../../src/store/store.js';
import type { Node } from '../../../src/types/objects.js';
import { PROCESS_ENGINE } from '../../../src/types/executors.js';

const node = (id: string, engine: string, addr: string): Node => ({
  ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: { Role: 'worker', Availability: 'active' },
  Description: { Hostname: id, Engine: { EngineVersion: engine } }, Status: { State: 'ready', Addr: addr },
});

async function until(what: string, ok: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('every container host gets one address on ingress (kept in the store), shown in the ingress view with the published ports; it goes with the host', async () => {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('cluster', newCluster({ clock: systemClock, rootCA: createRootCA(new Date()), clusterId: 'c1' }));
    createIngressNetwork(tx);
    tx.create('nodes', node('n1', '20.10.24', '10.1.0.1'));
    tx.create('nodes', node('n2', '20.10.24', '10.1.0.2'));
    tx.create('nodes', node('p1', PROCESS_ENGINE, '10.1.0.3'));
  });
  const alloc = new Allocator({ store, clock: systemClock });
  alloc.start();
  try {
    const sboxes = () => store.view((tx) => tx.table('netattachments').all().filter((a) => a.ContainerID === INGRESS_SBOX));
    await until('two ingress addresses', () => sboxes().length === 2);
    assert.deepEqual(sboxes().map((a) => a.NodeID).sort(), ['n1', 'n2'], 'a process host serves published ports in user space: none');
    const addrs = sboxes().map((a) => a.Addresses[0]);
    assert.equal(new Set(addrs).size, 2);
    for (const a of addrs) assert.match(a, /^10\.0\.0\.\d+\/24$/);

    const control = new Control(store, { clock: systemClock });
    await control.createService({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'b' } }, Labels: { 'com.tswarm.mesh.keep-source-ip': 'true' },
      EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }, { TargetPort: 53, Protocol: 'udp' }] } });
    await until('ports allocated', () => store.view((tx) => tx.services.getByName('web')?.Endpoint?.Ports?.length === 2));

    const views = new NetworkViews();
    store.view((tx) => views.load(tx));
    const ingressId = store.view((tx) => tx.table('networks').getByName('ingress')!.ID);
    const [change] = views.complete('n1');
    assert.ok(change && 'network' in change, 'a host with no task has the ingress view');
    const v = change.network;
    assert.equal(v.NetworkID, ingressId);
    assert.deepEqual(v.Peers.map((p) => [p.NodeID, p.IngressAddr]).sort(), sboxes().map((a) => [a.NodeID, a.Addresses[0].split('/')[0]]).sort());
    const web = v.Services.find((s) => s.Name === 'web')!;
    assert.deepEqual(web.Ports, [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }, { Protocol: 'udp', TargetPort: 53, PublishedPort: 30000 }]);
    assert.equal(web.KeepSourceIP, true);
    assert.deepEqual(views.complete('p1'), []);

    // The host leaves: its address goes back.
    await store.update((tx) => tx.remove('nodes', 'n2'));
    await until('n2 address released', () => sboxes().length === 1 && sboxes()[0].NodeID === 'n1');
  } finally {
    await alloc.stop();
  }
});
