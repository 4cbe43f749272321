import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { MemoryStore } from '../../../src/store/store.js';
import type { AssignmentChange, AssignmentsMessage } from '../../../src/types/dispatcher.js';
import type { Network } from '../../../src/types/network.js';
import type { NetworkView } from '../../../src/types/network-view.js';
import type { Service, Task, TaskState } from '../../../src/types/objects.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { VIEW_WINDOW_MS } from '../../../src/manager/dispatcher/network-views.js';
import { INGRESS_SBOX } from '../../../src/types/network.js';
import { applyViewDelta } from '../../../src/network/overlay/view-delta.js';
import { deltaEntries } from '../../../src/manager/dispatcher/view-delta.js';

const meta = { Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '' };

function network(id: string, name: string, subnet: string, vni: number): Network {
  return {
    ID: id, ...meta, Spec: { Name: name, DriverConfiguration: { Name: 'overlay' }, Scope: 'swarm' },
    DriverState: { Name: 'overlay', Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(vni) } },
    IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: subnet, Gateway: subnet.replace(/0\/24$/, '1') }] },
  };
}

function service(id: string, name: string, net: string, vip?: string, mode: 'vip' | 'dnsrr' = 'vip'): Service {
  return {
    ID: id, ...meta,
    Spec: { Name: name, TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: net, Aliases: ['al'] }] }, EndpointSpec: { Mode: mode } },
    Endpoint: { Spec: { Mode: mode }, ...(vip ? { VirtualIPs: [{ NetworkID: net, Addr: `${vip}/24` }] } : {}) },
  };
}

function task(id: string, svc: Service, node: string, slot: number, net: string, addr: string, state: TaskState): Task {
  return {
    ID: id, ...meta, ServiceID: svc.ID, Slot: slot, NodeID: node, Spec: svc.Spec.TaskTemplate!, DesiredState: 'running',
    ServiceAnnotations: { Name: svc.Spec.Name }, Status: { State: state },
    NetworksAttachments: [{ Network: { ID: net, Spec: { Name: 'n' } }, Addresses: [`${addr}/24`] }],
  };
}

/** A dispatcher over a store with nodes n1..n3, each connected and recording what it is sent. */
async function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  await store.update((tx) => {
    tx.create('networks', network('net1', 'front', '10.0.9.0/24', 4097));
    tx.create('networks', network('net2', 'back', '10.0.10.0/24', 4098));
  });
  const d = new Dispatcher(store, clock);
  d.start();
  const got = new Map<string, AssignmentsMessage[]>();
  const sessions = new Map<string, string>();
  for (const n of ['n1', 'n2', 'n3']) {
    const reg = d.register({ nodeId: n, description: { Hostname: n }, addr: `192.168.1.${n.slice(1)}` });
    await clock.advance(60);
    const { sessionId } = await reg;
    sessions.set(n, sessionId);
    got.set(n, []);
    d.assignments(sessionId, { onMessage: (m) => got.get(n)!.push(m), onClose: () => undefined });
  }
  await clock.advance(VIEW_WINDOW_MS);
  // Registrations write the node's address the way agents report it.
  await store.update((tx) => {
    for (const n of tx.nodes.all()) tx.update('nodes', { ...n, Status: { ...n.Status, Addr: `192.168.1.${n.ID.slice(1)}` } });
  });
  await clock.advance(VIEW_WINDOW_MS);
  for (const m of got.values()) m.length = 0;
  /** The view each node holds of each network, as its agent makes them from whole views and deltas. */
  const held = new Map<string, Map<string, NetworkView>>();
  /**
   * The network changes each node was sent since the last call, a delta as
   * the whole view it makes of the one the node holds (it must apply).
   */
  const take = () => {
    const out = new Map<string, AssignmentChange[]>();
    for (const [n, ms] of got) {
      const h = held.get(n) ?? new Map<string, NetworkView>();
      held.set(n, h);
      const changes: AssignmentChange[] = [];
      for (const m of ms) {
        if (m.type === 'complete') h.clear();
        for (const c of m.changes) {
          if ('network' in c) { h.set(c.network.NetworkID, c.network); changes.push(c); }
          if ('networkId' in c) { h.delete(c.networkId); changes.push(c); }
          if ('networkDelta' in c) {
            const v = applyViewDelta(h.get(c.networkDelta.NetworkID), c.networkDelta);
            assert.ok(v, `${n}: a delta applies to the version it holds`);
            h.set(v.NetworkID, v);
            changes.push({ action: 'update', network: v });
          }
        }
      }
      out.set(n, changes);
      ms.length = 0;
    }
    return out;
  };
  return { clock, store, d, take, got, sessions };
}

const views = (changes: AssignmentChange[] | undefined): NetworkView[] => (changes ?? []).flatMap((c) => ('network' in c ? [c.network] : []));
const removals = (changes: AssignmentChange[] | undefined) => (changes ?? []).flatMap((c) => ('networkId' in c ? [c.networkId] : []));

test('a node gets the view of a network when a task on it is assigned there, the others see the new peer, and only running tasks are service backends', async () => {
  const { clock, store, d, take } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  await store.update((tx) => { tx.create('services', web); tx.create('tasks', task('t1', web, 'n1', 1, 'net1', '10.0.9.3', 'assigned')); });
  await clock.advance(VIEW_WINDOW_MS);
  let sent = take();
  const [v1] = views(sent.get('n1'));
  assert.equal(v1.NetworkID, 'net1');
  assert.equal(v1.VNI, 4097);
  assert.equal(v1.Subnet, '10.0.9.0/24');
  assert.equal(v1.Gateway, '10.0.9.1');
  assert.deepEqual(v1.Peers, [{ NodeID: 'n1', Addr: '192.168.1.1', Addresses: ['10.0.9.3'] }]);
  assert.deepEqual(v1.Services, [{ ServiceID: 's1', Name: 'web', EndpointMode: 'vip', VIP: '10.0.9.2', Aliases: ['al'], Tasks: [] }], 'assigned is not running: no backend yet');
  assert.deepEqual(views(sent.get('n2')), [], 'n2 carries nothing on net1');
  // The network view comes before the task in the same message.
  // A second task on n2: both nodes get the new view with two peers.
  await store.update((tx) => tx.create('tasks', task('t2', web, 'n2', 2, 'net1', '10.0.9.4', 'assigned')));
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  for (const n of ['n1', 'n2']) {
    const [v] = views(sent.get(n));
    assert.deepEqual(v.Peers.map((p) => [p.NodeID, p.Addresses]).sort(), [['n1', ['10.0.9.3']], ['n2', ['10.0.9.4']]], n);
  }
  assert.deepEqual(sent.get('n3'), [], 'n3 is told nothing');
  // t1 runs: it becomes a backend of web in the view both nodes get.
  await store.update((tx) => { const t = tx.tasks.get('t1')!; tx.update('tasks', { ...t, Status: { State: 'running' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  const [v2] = views(sent.get('n2'));
  assert.deepEqual(v2.Services[0].Tasks, [{ Name: 'web.1.t1', Addr: '10.0.9.3' }], 'a task is sent as the agent reads it: name and address');
  await d.stop();
});

test('a node is told to remove a network when its last task there ends, after the task; the other nodes see the peer go', async () => {
  const { clock, store, d, take, got } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  await store.update((tx) => {
    tx.create('services', web);
    tx.create('tasks', task('t1', web, 'n1', 1, 'net1', '10.0.9.3', 'running'));
    tx.create('tasks', task('t2', web, 'n1', 2, 'net1', '10.0.9.4', 'running'));
    tx.create('tasks', task('t3', web, 'n2', 3, 'net1', '10.0.9.5', 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  take();
  // One of n1's two tasks ends: n1 still needs the network (a new view, no removal).
  await store.update((tx) => { const t = tx.tasks.get('t1')!; tx.update('tasks', { ...t, DesiredState: 'shutdown', Status: { State: 'shutdown' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  let sent = take();
  assert.deepEqual(removals(sent.get('n1')), []);
  assert.deepEqual(views(sent.get('n1'))[0].Peers.find((p) => p.NodeID === 'n1')!.Addresses, ['10.0.9.4']);
  // The last one is removed from the store: n1 gets the task's removal, then the network's.
  for (const m of got.values()) m.length = 0;
  await store.update((tx) => tx.remove('tasks', 't2'));
  await clock.advance(VIEW_WINDOW_MS);
  const n1 = got.get('n1')!.flatMap((m) => m.changes);
  assert.deepEqual(n1.map((c) => ('networkId' in c ? `net:${c.networkId}` : 'taskId' in c ? `task:${c.taskId}` : 'update')), ['task:t2', 'net:net1']);
  sent = take();
  assert.deepEqual(views(sent.get('n2'))[0].Peers.map((p) => p.NodeID), ['n2'], 'n2 sees n1 leave');
  await d.stop();
});

test('views follow service changes (VIP, dnsrr) and node addresses; a reconnecting node gets its complete set', async () => {
  const { clock, store, d, take, got, sessions } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  await store.update((tx) => {
    tx.create('services', web);
    tx.create('tasks', task('t1', web, 'n1', 1, 'net1', '10.0.9.3', 'running'));
    tx.create('tasks', task('t2', web, 'n2', 2, 'net1', '10.0.9.4', 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  take();
  // The service turns to dnsrr: no VIP in the view any more.
  await store.update((tx) => { const s = tx.services.get('s1')!; tx.update('services', { ...service('s1', 'web', 'net1', undefined, 'dnsrr'), Version: s.Version }); });
  await clock.advance(VIEW_WINDOW_MS);
  let sent = take();
  for (const n of ['n1', 'n2']) {
    const svc = views(sent.get(n))[0].Services[0];
    assert.equal(svc.EndpointMode, 'dnsrr', n);
    assert.equal(svc.VIP, undefined, n);
    assert.equal(svc.Tasks.length, 2, n);
  }
  assert.deepEqual(sent.get('n3'), []);
  // n2's underlay address changes: every node on the network learns it.
  await store.update((tx) => { const n = tx.nodes.get('n2')!; tx.update('nodes', { ...n, Status: { ...n.Status, Addr: '192.168.7.2' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  assert.equal(views(sent.get('n1'))[0].Peers.find((p) => p.NodeID === 'n2')!.Addr, '192.168.7.2');
  // A new assignments stream (reconnect): the network view comes first in the complete set, then the tasks.
  got.get('n1')!.length = 0;
  d.assignments(sessions.get('n1')!, { onMessage: (m) => got.get('n1')!.push(m), onClose: () => undefined });
  await clock.advance(VIEW_WINDOW_MS);
  const complete = got.get('n1')!.find((m) => m.type === 'complete')!;
  assert.deepEqual(complete.changes.map((c) => ('network' in c ? `net:${c.network.NetworkID}` : 'task' in c ? `task:${c.task.ID}` : '?')), ['net:net1', 'task:t1']);
  await d.stop();
});

test('a node with tasks on two networks gets both; a change on one network sends only that view, to its nodes only', async () => {
  const { clock, store, d, take } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  const db = service('s2', 'db', 'net2', '10.0.10.2');
  await store.update((tx) => {
    tx.create('services', web);
    tx.create('services', db);
    tx.create('tasks', task('t1', web, 'n1', 1, 'net1', '10.0.9.3', 'running'));
    tx.create('tasks', task('t2', db, 'n1', 1, 'net2', '10.0.10.3', 'running'));
    tx.create('tasks', task('t3', db, 'n3', 2, 'net2', '10.0.10.4', 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  let sent = take();
  assert.deepEqual(views(sent.get('n1')).map((v) => v.NetworkID).sort(), ['net1', 'net2']);
  assert.deepEqual(views(sent.get('n3')).map((v) => v.NetworkID), ['net2']);
  await store.update((tx) => { const t = tx.tasks.get('t3')!; tx.update('tasks', { ...t, Status: { State: 'failed' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  assert.deepEqual(views(sent.get('n1')).map((v) => v.NetworkID), ['net2'], 'only the changed network');
  assert.deepEqual(views(sent.get('n1'))[0].Services.find((s) => s.Name === 'db')!.Tasks.map((t) => t.Name), ['db.1.t2']);
  assert.deepEqual(removals(sent.get('n3')), ['net2'], 'n3 lets net2 go once its task failed');
  assert.deepEqual(sent.get('n2'), []);
  await d.stop();
});

test('a node gets only what it carries: no view of another network, none of its services; a service update that changes nothing a view says sends no view', async () => {
  const { clock, store, d, take } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  const db = service('s2', 'db', 'net2', '10.0.10.2');
  await store.update((tx) => {
    tx.create('services', web);
    tx.create('services', db);
    tx.create('tasks', task('t1', web, 'n1', 1, 'net1', '10.0.9.3', 'running'));
    tx.create('tasks', task('t2', web, 'n2', 2, 'net1', '10.0.9.4', 'running'));
    tx.create('tasks', task('t3', db, 'n2', 1, 'net2', '10.0.10.3', 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  let sent = take();
  // n1 carries net1 alone: its view has every peer and service of net1 (what its tasks resolve and reach), nothing of net2.
  const v1 = views(sent.get('n1'));
  assert.deepEqual(v1.map((v) => v.NetworkID), ['net1']);
  assert.deepEqual(v1[0].Peers.map((p) => p.NodeID).sort(), ['n1', 'n2']);
  assert.deepEqual(v1[0].Services.map((s) => s.Name), ['web']);
  assert.deepEqual(v1[0].Services[0].Tasks.map((t) => t.Addr).sort(), ['10.0.9.3', '10.0.9.4']);
  assert.ok(!JSON.stringify(v1).includes('10.0.10.'), 'nothing of net2 reaches n1');
  assert.deepEqual(views(sent.get('n2')).map((v) => v.NetworkID).sort(), ['net1', 'net2']);
  assert.deepEqual(sent.get('n3'), []);
  // Updates of the services that change no name, mode, VIP, alias or network (image, labels, replicas) reach no node.
  for (let i = 0; i < 3; i++) {
    await store.update((tx) => {
      for (const id of ['s1', 's2']) {
        const s = tx.services.get(id)!;
        tx.update('services', { ...s, Spec: { ...s.Spec, Labels: { rev: String(i) }, TaskTemplate: { ...s.Spec.TaskTemplate!, ContainerSpec: { Image: `x:${i}` } } } });
      }
    });
    await clock.advance(VIEW_WINDOW_MS);
  }
  // Nor does an update of a network that changes nothing its view says (its labels).
  await store.update((tx) => { const n = tx.table('networks').get('net1')!; tx.update('networks', { ...n, Spec: { ...n.Spec, Labels: { a: 'b' } } }); });
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  for (const n of ['n1', 'n2', 'n3']) assert.deepEqual(sent.get(n), [], n);
  // An alias is something a view says: the nodes on that network (only) get it.
  await store.update((tx) => {
    const s = tx.services.get('s2')!;
    tx.update('services', { ...s, Spec: { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate!, Networks: [{ Target: 'net2', Aliases: ['database'] }] } } });
  });
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  assert.deepEqual(sent.get('n1'), []);
  assert.deepEqual(views(sent.get('n2'))[0].Services[0].Aliases, ['database']);
  await d.stop();
});

test('the ingress view goes to the hosts running the kernel mesh (an ingress-sbox address), not to a host whose only ingress member is a task', async () => {
  const { clock, store, d, take } = await setup();
  const ingress: Network = { ...network('ing', 'ingress', '10.0.0.0/24', 4096), Spec: { ...network('ing', 'ingress', '10.0.0.0/24', 4096).Spec, Ingress: true } };
  const pub: Service = {
    ...service('s1', 'pub', 'ing', '10.0.0.2'),
    Endpoint: { Spec: { Mode: 'vip' }, Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }], VirtualIPs: [{ NetworkID: 'ing', Addr: '10.0.0.2/24' }] },
  };
  const sbox = (node: string, addr: string) => ({ ID: `sbox-${node}`, ...meta, NodeID: node, ContainerID: INGRESS_SBOX, NetworkID: 'ing', Addresses: [`${addr}/24`] });
  await store.update((tx) => {
    tx.create('networks', ingress);
    tx.create('services', pub);
    // n1 and n2 are container hosts (the allocator gave them an ingress-sbox address); n3 is not (process executor).
    tx.create('netattachments', sbox('n1', '10.0.0.11'));
    tx.create('netattachments', sbox('n2', '10.0.0.12'));
    tx.create('tasks', task('t1', pub, 'n2', 1, 'ing', '10.0.0.3', 'running'));
    tx.create('tasks', task('t2', pub, 'n3', 2, 'ing', '10.0.0.4', 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  let sent = take();
  assert.deepEqual(sent.get('n3'), [], 'a host without the kernel mesh is sent no ingress view');
  for (const n of ['n1', 'n2']) {
    const v = views(sent.get(n));
    assert.deepEqual(v.map((x) => x.NetworkID), ['ing'], n);
    // Still every backend, on every host (the mesh balances over all of them), and each mesh host's own entry address;
    // a backend is its address alone (no name resolves on ingress).
    assert.deepEqual(v[0].Services[0].Tasks, [{ Addr: '10.0.0.3' }, { Addr: '10.0.0.4' }], n);
    assert.deepEqual(v[0].Services[0].Ports, [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }], n);
    assert.equal(v[0].Peers.find((p) => p.NodeID === n)!.IngressAddr, n === 'n1' ? '10.0.0.11' : '10.0.0.12');
  }
  // n3's task goes: the mesh hosts drop the backend, n3 is told nothing (it never had the view).
  await store.update((tx) => tx.remove('tasks', 't2'));
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  assert.deepEqual(sent.get('n3'), []);
  assert.deepEqual(views(sent.get('n1'))[0].Services[0].Tasks.map((t) => t.Addr), ['10.0.0.3']);
  // n2 loses its sbox (no longer a mesh host) but keeps its task: it lets the view go, the others keep its task as a backend.
  await store.update((tx) => tx.remove('netattachments', 'sbox-n2'));
  await clock.advance(VIEW_WINDOW_MS);
  sent = take();
  assert.deepEqual(removals(sent.get('n2')), ['ing']);
  assert.deepEqual(views(sent.get('n1'))[0].Services[0].Tasks.map((t) => t.Addr), ['10.0.0.3']);
  await d.stop();
});

/** The raw network changes (deltas as sent) each node got since the last call. */
function takeRaw(got: Map<string, AssignmentsMessage[]>) {
  const out = new Map<string, AssignmentChange[]>();
  for (const [n, ms] of got) { out.set(n, ms.flatMap((m) => m.changes.filter((c) => 'network' in c || 'networkDelta' in c || 'networkId' in c))); ms.length = 0; }
  return out;
}

test('one task coming, running or going on a network of many sends each node a delta of that task alone, each on the version the last one made', async () => {
  const { clock, store, d, got } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  await store.update((tx) => {
    tx.create('services', web);
    for (let i = 1; i <= 90; i++) tx.create('tasks', task(`t${i}`, web, `n${(i % 3) + 1}`, i, 'net1', `10.0.9.${i + 10}`, 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  const first = takeRaw(got);
  const whole = views(first.get('n1'))[0];
  assert.equal(whole.Services[0].Tasks.length, 90);
  let version = whole.Version!;
  assert.ok(Number.isInteger(version), 'a whole view says its version');
  const wholeBytes = JSON.stringify(whole).length;
  const deltaOf = (changes: AssignmentChange[] | undefined) => {
    assert.equal(changes?.length, 1);
    const c = changes![0];
    assert.ok('networkDelta' in c, 'a delta, not the view again');
    return c.networkDelta;
  };
  // t91 is assigned to n2: its address is one new entry behind n2, for every node on the network.
  await store.update((tx) => tx.create('tasks', task('t91', web, 'n2', 91, 'net1', '10.0.9.200', 'assigned')));
  await clock.advance(VIEW_WINDOW_MS);
  let sent = takeRaw(got);
  const added = deltaOf(sent.get('n1'));
  assert.deepEqual({ ...added, Version: 0 }, { NetworkID: 'net1', BaseVersion: version, Version: 0, Peers: [{ NodeID: 'n2', Addr: '192.168.1.2', Added: ['10.0.9.200'] }] });
  assert.equal(deltaEntries(added), 1);
  for (const n of ['n2', 'n3']) assert.deepEqual(deltaOf(sent.get(n)), added, `${n} gets the same delta`);
  version = added.Version;
  // It runs: one new backend of web.
  await store.update((tx) => { const t = tx.tasks.get('t91')!; tx.update('tasks', { ...t, Status: { State: 'running' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  sent = takeRaw(got);
  const running = deltaOf(sent.get('n3'));
  assert.equal(running.BaseVersion, version);
  assert.deepEqual(running.Services, [{ ServiceID: 's1', Name: 'web', EndpointMode: 'vip', VIP: '10.0.9.2', Aliases: ['al'], AddedTasks: [{ Name: 'web.91.t91', Addr: '10.0.9.200' }] }]);
  assert.equal(running.Peers, undefined);
  assert.equal(deltaEntries(running), 1);
  version = running.Version;
  // It goes: its address and its backend entry, nothing else.
  await store.update((tx) => tx.remove('tasks', 't91'));
  await clock.advance(VIEW_WINDOW_MS);
  sent = takeRaw(got);
  const gone = deltaOf(sent.get('n1'));
  assert.equal(gone.BaseVersion, version);
  assert.deepEqual(gone.Peers, [{ NodeID: 'n2', Addr: '192.168.1.2', Removed: ['10.0.9.200'] }]);
  assert.deepEqual(gone.Services?.[0].RemovedTasks, [{ Name: 'web.91.t91', Addr: '10.0.9.200' }]);
  assert.equal(deltaEntries(gone), 2);
  assert.ok(JSON.stringify(gone).length * 10 < wholeBytes, `a delta (${JSON.stringify(gone).length} B) is a small part of the view (${wholeBytes} B)`);
  await d.stop();
});

test('a reconnecting node gets whole views again, and the next change as a delta on the version they carried; a network change goes whole', async () => {
  const { clock, store, d, got, sessions } = await setup();
  const web = service('s1', 'web', 'net1', '10.0.9.2');
  await store.update((tx) => {
    tx.create('services', web);
    for (let i = 1; i <= 6; i++) tx.create('tasks', task(`t${i}`, web, `n${(i % 2) + 1}`, i, 'net1', `10.0.9.${i + 10}`, 'running'));
  });
  await clock.advance(VIEW_WINDOW_MS);
  takeRaw(got);
  // n1 misses a change (no stream: as while it reconnects to a new leader)...
  d.assignments(sessions.get('n1')!, { onMessage: () => undefined, onClose: () => undefined });
  await clock.advance(1);
  got.get('n1')!.length = 0;
  await store.update((tx) => { const t = tx.tasks.get('t1')!; tx.update('tasks', { ...t, Status: { State: 'failed' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  // ...and opens a stream again: the complete set carries the whole view.
  d.assignments(sessions.get('n1')!, { onMessage: (m) => got.get('n1')!.push(m), onClose: () => undefined });
  await clock.advance(1);
  const complete = got.get('n1')!.find((m) => m.type === 'complete')!;
  const [whole] = views(complete.changes);
  assert.deepEqual(whole.Services[0].Tasks.map((t) => t.Name).sort(), ['web.2.t2', 'web.3.t3', 'web.4.t4', 'web.5.t5', 'web.6.t6']);
  got.get('n1')!.length = 0;
  await store.update((tx) => { const t = tx.tasks.get('t2')!; tx.update('tasks', { ...t, Status: { State: 'failed' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  const [c] = takeRaw(got).get('n1')!;
  assert.ok('networkDelta' in c && c.networkDelta.BaseVersion === whole.Version, 'the delta applies to the complete set\'s view');
  // The network's own fields change (its subnet): the whole view, never a delta.
  await store.update((tx) => { const n = tx.table('networks').get('net1')!; tx.update('networks', { ...n, IPAMOptions: { Configs: [{ Subnet: '10.0.99.0/24', Gateway: '10.0.99.1' }] } }); });
  await clock.advance(VIEW_WINDOW_MS);
  for (const [n, cs] of takeRaw(got)) if (n !== 'n3') assert.deepEqual(cs.map((x) => ('network' in x ? x.network.Subnet : '?')), ['10.0.99.0/24'], n);
  await d.stop();
});
