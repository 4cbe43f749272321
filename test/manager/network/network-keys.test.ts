import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newCluster } from '../../../src/manager/cluster.js';
import { createRootCA } from '../../../src/manager/ca/root-ca.js';
import { publicCluster } from '../../../src/manager/controlapi/redact.js';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { VIEW_WINDOW_MS } from '../../../src/manager/dispatcher/network-views.js';
import { NetworkKeyManager } from '../../../src/manager/network-keys/key-manager.js';
import { MemoryStore } from '../../../src/store/store.js';
import type { AssignmentChange, AssignmentsMessage } from '../../../src/types/dispatcher.js';
import type { Network } from '../../../src/types/network.js';
import { primaryKey } from '../../../src/types/network-keys.js';
import type { Task, TaskState } from '../../../src/types/objects.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// The leader's keys for encrypted overlays: made with the first encrypted network, rotated each period
// (the oldest of three goes), kept in the cluster object but never shown, sent only to nodes that need them.

const meta = { Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '' };
const PERIOD = 1000;

function network(id: string, vni: number, encrypted: boolean): Network {
  return {
    ID: id, ...meta, Spec: { Name: id, DriverConfiguration: { Name: 'overlay', ...(encrypted ? { Options: { encrypted: '' } } : {}) }, Scope: 'swarm' },
    DriverState: { Name: 'overlay', Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(vni) } },
    IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: `10.0.${vni - 4000}.0/24`, Gateway: `10.0.${vni - 4000}.1` }] },
  };
}

function task(id: string, node: string, net: string, addr: string, state: TaskState): Task {
  return {
    ID: id, ...meta, ServiceID: 's', Slot: 1, NodeID: node, Spec: { ContainerSpec: { Image: 'x' } }, DesiredState: 'running',
    Status: { State: state }, NetworksAttachments: [{ Network: { ID: net, Spec: { Name: net } }, Addresses: [`${addr}/24`] }],
  };
}

const ring = (store: MemoryStore) => store.view((tx) => tx.cluster()?.NetworkBootstrapKeys ?? []).map((k) => k.LamportTime);

async function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  await store.update((tx) => tx.create('cluster', newCluster({ clock, rootCA: createRootCA(new Date(clock.now())), clusterId: 'c1' })));
  return { clock, store };
}

test('keys are made with the first encrypted network, rotated each period, carried on by a new leader, and never shown', async () => {
  const { clock, store } = await setup();
  let km = new NetworkKeyManager({ store, clock }, PERIOD);
  km.start();
  await store.update((tx) => tx.create('networks', network('plain', 4097, false)));
  await clock.advance(PERIOD * 2);
  assert.deepEqual(ring(store), [], 'a swarm without encrypted networks gets no keys');
  await store.update((tx) => tx.create('networks', network('sec', 4098, true)));
  await clock.advance(50);
  assert.deepEqual(ring(store), [1, 2, 3], 'three keys at once');
  const first = store.view((tx) => tx.cluster()!.NetworkBootstrapKeys!);
  for (const k of first) assert.equal(Buffer.from(k.Key, 'base64').length, 16);
  assert.equal(new Set(first.map((k) => k.Key)).size, 3);
  assert.equal(primaryKey(first)!.LamportTime, 2, 'the second newest sends');
  await clock.advance(PERIOD);
  assert.deepEqual(ring(store), [2, 3, 4], 'the oldest goes, a new one comes');
  assert.equal(store.view((tx) => tx.cluster()!.EncryptionKeyLamportClock), 4);
  await km.stop();
  await clock.advance(PERIOD * 3);
  assert.deepEqual(ring(store), [2, 3, 4], 'a stopped key manager rotates nothing');
  // A new leader carries on from the stored ring (and rotates at once, as swarmkit).
  km = new NetworkKeyManager({ store, clock }, PERIOD);
  km.start();
  await clock.advance(10);
  assert.deepEqual(ring(store), [3, 4, 5]);
  await km.stop();
  const shown = publicCluster(store.view((tx) => tx.cluster()!));
  assert.equal('NetworkBootstrapKeys' in shown, false);
  assert.equal('EncryptionKeyLamportClock' in shown, false);
});

test('the dispatcher sends the keys only to nodes on an encrypted network: before its view, on each rotation, and takes them back after the view', async () => {
  const { clock, store } = await setup();
  await store.update((tx) => { tx.create('networks', network('sec', 4098, true)); tx.create('networks', network('plain', 4097, false)); });
  const km = new NetworkKeyManager({ store, clock }, PERIOD);
  km.start();
  await clock.advance(10);
  const d = new Dispatcher(store, clock);
  d.start();
  const got = new Map<string, AssignmentsMessage[]>();
  for (const n of ['n1', 'n2']) {
    const reg = d.register({ nodeId: n, description: { Hostname: n }, addr: `192.168.1.${n.slice(1)}` });
    await clock.advance(60);
    const { sessionId } = await reg;
    got.set(n, []);
    d.assignments(sessionId, { onMessage: (m) => got.get(n)!.push(m), onClose: () => undefined });
  }
  await clock.advance(VIEW_WINDOW_MS);
  const kind = (c: AssignmentChange) => ('networkKeys' in c ? (c.networkKeys ? `keys:${c.networkKeys.map((k) => k.LamportTime).join(',')}` : 'keys-') : 'network' in c ? `view:${c.network.NetworkID}` : 'networkId' in c ? `rm:${c.networkId}` : 'task' in c ? 'task' : '?');
  const take = (n: string) => { const out = got.get(n)!.flatMap((m) => m.changes.map(kind)); got.get(n)!.length = 0; return out; };
  assert.deepEqual(take('n1'), [], 'nothing on any network yet: no keys');
  await store.update((tx) => { tx.create('tasks', task('t1', 'n1', 'sec', '10.0.98.3', 'assigned')); tx.create('tasks', task('t2', 'n2', 'plain', '10.0.97.3', 'assigned')); });
  await clock.advance(VIEW_WINDOW_MS);
  assert.deepEqual(take('n1'), ['keys:1,2,3', 'view:sec', 'task'], 'keys come before the encrypted view and the task');
  assert.deepEqual(take('n2'), ['view:plain', 'task'], 'a node on a plain network gets no keys');
  await clock.advance(PERIOD);
  assert.deepEqual(take('n1'), ['keys:2,3,4'], 'a rotation reaches the node holding the keys');
  assert.deepEqual(take('n2'), []);
  await store.update((tx) => { const t = tx.tasks.get('t1')!; tx.update('tasks', { ...t, Status: { State: 'complete' } }); });
  await clock.advance(VIEW_WINDOW_MS);
  assert.deepEqual(take('n1'), ['rm:sec', 'keys-'], 'the view goes, then the keys');
  await clock.advance(PERIOD);
  assert.deepEqual(take('n1'), [], 'no more rotations for a node without encrypted networks');
  await km.stop();
  await d.stop();
});
