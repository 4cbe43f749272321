import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../../src/clock.js';
import { Allocator } from '../../../src/manager/allocator/allocator.js';
import { createIngressNetwork } from '../../../src/manager/allocator/ingress-network.js';
import { vniOf, subnetOf } from '../../../src/manager/allocator/network-state.js';
import { Control } from '../../../src/manager/controlapi/control.js';
import { newCluster } from '../../../src/manager/cluster.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { MemoryStore } from '../../../src/store/store.js';
import type { NetworkAttachment } from '../../../src/types/network-view.js';
import type { ServiceSpec, Task } from '../../../src/types/objects.js';
import { newId } from '../../../src/ids.js';

async function setup(pool?: { pools: string[]; size: number }) {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('cluster', newCluster({ clock: systemClock, rootCA: createRootCA(new Date()), clusterId: 'c1', defaultAddrPool: pool?.pools, subnetSize: pool?.size }));
    createIngressNetwork(tx);
  });
  const control = new Control(store, { clock: systemClock });
  return { store, control };
}

const spec = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: 'b' } }, ...extra });

/** New tasks of a service, as the orchestrator makes them. */
async function newTasks(store: MemoryStore, serviceId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  await store.update((tx) => {
    const s = tx.services.get(serviceId)!;
    for (let i = 0; i < n; i++) {
      const id = newId();
      ids.push(id);
      tx.create('tasks', {
        ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: s.Spec.TaskTemplate ?? {}, ServiceID: s.ID, Slot: i + 1,
        ServiceAnnotations: { Name: s.Spec.Name }, DesiredState: 'running', Status: { State: 'new' },
      });
    }
  });
  return ids;
}

async function until(what: string, ok: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const addrs = (t: Task | undefined) => ((t?.NetworksAttachments ?? []) as NetworkAttachment[]).flatMap((a) => a.Addresses);

test('the ingress network exists from the start: 10.0.0.0/24, gateway 10.0.0.1, VXLAN ID 4096; user networks follow from the pool, 4097 upward', async () => {
  const { store, control } = await setup();
  const ingress = store.view((tx) => tx.table('networks').getByName('ingress'))!;
  assert.deepEqual([subnetOf(ingress), vniOf(ingress), ingress.Spec.Ingress], [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1' }, 4096, true]);
  await control.createNetwork({ Name: 'a', Driver: 'overlay', IPAM: { Config: [{ Subnet: '10.0.9.0/24' }] } });
  await control.createNetwork({ Name: 'b', Driver: 'overlay' });
  const a = control.findNetwork('a')!;
  const b = control.findNetwork('b')!;
  assert.deepEqual([subnetOf(a), vniOf(a)], [{ subnet: '10.0.9.0/24', gateway: '10.0.9.1' }, 4097]);
  // A subnet a user named does not move the pool's cursor (as Docker: the next from the pool is 10.0.1.0/24).
  assert.deepEqual([subnetOf(b), vniOf(b)], [{ subnet: '10.0.1.0/24', gateway: '10.0.1.1' }, 4098]);
  await assert.rejects(control.createNetwork({ Name: 'c', Driver: 'overlay', IPAM: { Config: [{ Subnet: '10.0.9.128/25' }] } }),
    { status: 400, message: 'rpc error: code = InvalidArgument desc = failed allocating pools and gateway IP for network c: Pool overlaps with other one on this address space' });
  assert.equal(store.view((tx) => tx.table('networks').getByName('c')), undefined, 'nothing stored');
});

test('--default-addr-pool and its mask length decide the ingress subnet and the next ones', async () => {
  const { store, control } = await setup({ pools: ['10.20.0.0/16'], size: 26 });
  assert.equal(subnetOf(store.view((tx) => tx.table('networks').getByName('ingress'))!)?.subnet, '10.20.0.0/26');
  await control.createNetwork({ Name: 'a', Driver: 'overlay' });
  assert.equal(subnetOf(control.findNetwork('a')!)?.subnet, '10.20.0.64/26');
});

test('a VIP per service per network (none for dnsrr), an address per task; a task is pending only with its addresses; addresses come back when tasks die', async () => {
  const { store, control } = await setup();
  await control.createNetwork({ Name: 'front', Driver: 'overlay', IPAM: { Config: [{ Subnet: '10.0.9.0/29' }] } });
  const alloc = new Allocator({ store, clock: systemClock });
  alloc.start();
  const { ID: web } = await control.createService(spec('web', { TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'front', Aliases: ['w'] }] } }));
  const { ID: rr } = await control.createService(spec('rr', { TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'front' }] }, EndpointSpec: { Mode: 'dnsrr' } }));
  const { ID: pub } = await control.createService(spec('pub', { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] } }));
  const front = control.findNetwork('front')!;
  const svc = (id: string) => store.view((tx) => tx.services.get(id)!);
  await until('VIPs', () => !!svc(web).Endpoint?.VirtualIPs && !!svc(pub).Endpoint?.VirtualIPs && !!svc(rr).Endpoint);
  assert.deepEqual(svc(web).Endpoint!.VirtualIPs, [{ NetworkID: front.ID, Addr: '10.0.9.2/29' }]);
  assert.equal(svc(rr).Endpoint!.VirtualIPs, undefined, 'dnsrr: no VIP');
  const ingress = control.findNetwork('ingress')!;
  assert.deepEqual(svc(pub).Endpoint!.VirtualIPs, [{ NetworkID: ingress.ID, Addr: '10.0.0.2/24' }], 'ingress-published ports: a VIP on ingress');
  // /29: 10.0.9.1 gateway, .2 web's VIP, .3-.6 for tasks; the fifth waits in NEW.
  const ids = await newTasks(store, web, 5);
  const task = (id: string) => store.view((tx) => tx.tasks.get(id));
  await until('4 pending', () => ids.filter((id) => task(id)?.Status.State === 'pending').length === 4);
  await new Promise((r) => setTimeout(r, 100));
  const waiting = ids.filter((id) => task(id)?.Status.State === 'new');
  assert.equal(waiting.length, 1, 'the network is full: one task stays new');
  const given = ids.flatMap((id) => addrs(task(id)));
  assert.deepEqual([...given].sort(), ['10.0.9.3/29', '10.0.9.4/29', '10.0.9.5/29', '10.0.9.6/29']);
  const att = task(ids[0])!.NetworksAttachments![0] as NetworkAttachment;
  assert.deepEqual([att.Network.ID, att.Network.Spec.Name, att.Aliases], [front.ID, 'front', ['w']]);
  // One task dies (desired shutdown, state failed): its address goes back and the waiting task gets it.
  const dead = ids.find((id) => task(id)?.Status.State === 'pending')!;
  const deadAddr = addrs(task(dead))[0];
  await store.update((tx) => { const t = tx.tasks.get(dead)!; tx.update('tasks', { ...t, DesiredState: 'shutdown', Status: { State: 'failed' } }); });
  await until('the waiting task is pending', () => task(waiting[0])?.Status.State === 'pending');
  assert.deepEqual(addrs(task(waiting[0])), [deadAddr]);
  // Tasks of the published service join ingress.
  const [p1] = await newTasks(store, pub, 1);
  await until('pub pending', () => task(p1)?.Status.State === 'pending');
  assert.deepEqual(addrs(task(p1)), ['10.0.0.3/24']);
  await alloc.stop();
});

test('allocation state is the store: a new leader (a new allocator) never hands out an address twice', async () => {
  const { store, control } = await setup();
  await control.createNetwork({ Name: 'front', Driver: 'overlay' });
  const { ID: web } = await control.createService(spec('web', { TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'front' }] } }));
  const task = (id: string) => store.view((tx) => tx.tasks.get(id));
  const seen: string[] = [];
  for (let round = 0; round < 3; round++) {
    const alloc = new Allocator({ store, clock: systemClock });
    alloc.start();
    const ids = await newTasks(store, web, 20);
    await until(`round ${round}`, () => ids.every((id) => task(id)?.Status.State === 'pending'));
    // Some tasks of this round die: their addresses may be reused, but never while held.
    for (const id of ids.slice(0, 5)) await store.update((tx) => { const t = tx.tasks.get(id)!; tx.update('tasks', { ...t, DesiredState: 'shutdown', Status: { State: 'complete' } }); });
    await alloc.stop();
    seen.push(...ids.flatMap((id) => addrs(task(id))));
  }
  const live = store.view((tx) => tx.tasks.all()).filter((t) => t.DesiredState === 'running').flatMap(addrs);
  const vip = store.view((tx) => tx.services.get(web)!.Endpoint!.VirtualIPs![0].Addr);
  assert.equal(new Set([...live, vip]).size, live.length + 1, `no address held twice: ${live.join(' ')} ${vip}`);
  assert.equal(live.length, 45);
});

test('removing a service gives its VIP back; a network in use by a service cannot be removed, then can', async () => {
  const { store, control } = await setup();
  await control.createNetwork({ Name: 'front', Driver: 'overlay' });
  const alloc = new Allocator({ store, clock: systemClock });
  alloc.start();
  const { ID } = await control.createService(spec('web', { TaskTemplate: { ContainerSpec: { Image: 'b' }, Networks: [{ Target: 'front' }] } }));
  const front = control.findNetwork('front')!;
  await assert.rejects(control.removeNetwork('front'), { status: 400, message: `rpc error: code = FailedPrecondition desc = network ${front.ID} is in use by service ${ID}` });
  await control.createService(spec('pub', { EndpointSpec: { Ports: [{ TargetPort: 80 }] } }));
  const pubId = control.getService('pub').ID;
  await assert.rejects(control.removeNetwork('ingress'), { status: 400, message: `rpc error: code = FailedPrecondition desc = ingress network cannot be removed because service ${pubId} depends on it` });
  await control.removeService('web');
  await control.removeNetwork('front');
  assert.equal(store.view((tx) => tx.table('networks').getByName('front')), undefined);
  // VNIs go up serially, as Docker 20.10's: a removed network's ID is not handed out again at once (hosts may still carry it).
  await control.createNetwork({ Name: 'again', Driver: 'overlay' });
  assert.equal(vniOf(control.findNetwork('again')!), 4098);
  await alloc.stop();
});
