import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/agent.js';
import { systemClock } from '../../src/clock.js';
import type { Executor } from '../../src/executor/executor.js';
import { deltaEntries, diffViews } from '../../src/manager/dispatcher/view-delta.js';
import { applyViewDelta } from '../../src/network/overlay/view-delta.js';
import type { AssignmentsHandler, DispatcherAPI } from '../../src/types/dispatcher.js';
import type { NetworkView } from '../../src/types/network-view.js';

/** A view of `tasks` tasks of service web spread over `nodes` nodes (task i at 10.1.x.y), at `version`. */
function bigView(version: number, tasks: number[], nodes = 5): NetworkView {
  const addr = (i: number) => `10.1.${i >> 8}.${i & 255}`;
  return {
    NetworkID: 'net1', Name: 'front', VNI: 4097, Subnet: '10.1.0.0/16', Gateway: '10.1.0.1', Ingress: false, Attachable: false, Encrypted: false,
    Peers: Array.from({ length: nodes }, (_, n) => ({ NodeID: `n${n}`, Addr: `192.168.1.${n}`, Addresses: tasks.filter((i) => i % nodes === n).map(addr) })),
    Services: [{ ServiceID: 's1', Name: 'web', EndpointMode: 'vip', VIP: '10.1.0.2', Aliases: [], Tasks: tasks.map((i) => ({ Name: `web.${i}.t${i}`, Addr: addr(i) })) }],
    Version: version,
  };
}

/** A view's content, order aside (the agent keeps no order the managers gave). */
const norm = (v: NetworkView) => ({
  ...v,
  Peers: v.Peers.map((p) => ({ ...p, Addresses: [...p.Addresses].sort() })).sort((a, b) => a.NodeID.localeCompare(b.NodeID)),
  Services: v.Services.map((s) => ({ ...s, Tasks: [...s.Tasks].sort((a, b) => a.Addr.localeCompare(b.Addr)) })).sort((a, b) => a.ServiceID.localeCompare(b.ServiceID)),
});

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test('a delta applied to the view it was made from gives the new view; one task is one entry; it applies to that version only', () => {
  const from = bigView(7, range(3, 503));
  // Tasks 3..12 go, 600..604 come, a peer moves to another underlay address, a service and a container appear.
  const to = bigView(9, [...range(13, 503), ...range(600, 605)]);
  to.Peers[1] = { ...to.Peers[1], Addr: '192.168.7.1' };
  to.Services.push({ ServiceID: 's2', Name: 'db', EndpointMode: 'dnsrr', Aliases: ['database'], Tasks: [{ Name: 'db.1.x', Addr: '10.1.9.9' }] });
  to.Containers = [{ ContainerID: 'c1', Name: 'box', Aliases: ['c1'], NodeID: 'n0', Addr: '10.1.9.10' }];
  const d = diffViews(from, to)!;
  assert.ok(d, 'a delta');
  assert.equal(d.BaseVersion, 7);
  assert.equal(d.Version, 9);
  assert.deepEqual(norm(applyViewDelta(from, d)!), norm(to));
  assert.ok(JSON.stringify(d).length * 10 < JSON.stringify(to).length);
  // One task more: one entry (its address behind its node), then its backend entry once running.
  const assigned = bigView(10, range(3, 504));
  assigned.Services[0].Tasks.pop();
  const one = diffViews(bigView(8, range(3, 503)), assigned)!;
  assert.equal(deltaEntries(one), 1);
  assert.deepEqual(one.Peers, [{ NodeID: `n${503 % 5}`, Addr: `192.168.1.${503 % 5}`, Added: ['10.1.1.247'] }]);
  const run = diffViews(assigned, bigView(11, range(3, 504)))!;
  assert.equal(deltaEntries(run), 1);
  assert.deepEqual(run.Services?.[0].AddedTasks, [{ Name: 'web.503.t503', Addr: '10.1.1.247' }]);
  // A view of another version (a message missed) or none: nothing applies.
  assert.equal(applyViewDelta(bigView(6, range(3, 503)), d), undefined);
  assert.equal(applyViewDelta(undefined, d), undefined);
  // The network itself changed, or the delta would be as large as the view: the whole view goes instead.
  assert.equal(diffViews(from, { ...to, Subnet: '10.2.0.0/16' }), undefined);
  assert.equal(diffViews(bigView(1, range(0, 10)), bigView(2, range(10, 20))), undefined);
  // The same content at another version: an empty delta (nothing to send).
  assert.equal(deltaEntries(diffViews(from, { ...from, Version: 12 })!), 0);
});

/** A dispatcher that only records the streams opened and lets the test speak on them. */
function fakeDispatcher() {
  const streams: AssignmentsHandler[] = [];
  const api: DispatcherAPI = {
    register: async (req) => ({ nodeId: req.nodeId ?? 'n1', sessionId: 'sess', heartbeatPeriodMs: 60_000 }),
    heartbeat: async () => ({ periodMs: 60_000 }),
    assignments: (_sid, h) => { streams.push(h); return { close: () => undefined }; },
    updateTaskStatus: async () => undefined,
  };
  return { api, streams };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 5)); }
};

test('an agent applies a delta to the version it holds; a delta on another version makes it ask for the complete set again, and the old stream is not heard', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-delta-'));
  const exec = { name: 'process', describe: async () => ({ Hostname: 'h' }), list: async () => [] } as unknown as Executor;
  const { api, streams } = fakeDispatcher();
  const agent = new Agent({ dispatcher: api, executor: exec, clock: systemClock, nodeId: 'n1', stateDir: dir, addr: '127.0.0.1' });
  try {
    await agent.start();
    await until(() => streams.length === 1);
    const held = () => agent.networks!.overlay.view('net1');
    streams[0].onMessage({ type: 'complete', changes: [{ action: 'update', network: bigView(20, range(3, 13)) }] });
    assert.equal(held()?.Version, 20);
    const next = bigView(21, range(3, 14));
    streams[0].onMessage({ type: 'incremental', changes: [{ action: 'update', networkDelta: diffViews(held()!, next)! }] });
    assert.deepEqual(norm(held()!), norm(next), 'the delta made the new view');
    // A delta made on version 19: this node missed one; it keeps its view and opens a new stream (the complete set comes on it).
    streams[0].onMessage({ type: 'incremental', changes: [{ action: 'update', networkDelta: diffViews(bigView(19, range(3, 5)), bigView(22, range(3, 6)))! }] });
    assert.equal(streams.length, 2, 'a new assignments stream');
    assert.equal(held()?.Version, 21);
    streams[0].onMessage({ type: 'incremental', changes: [{ action: 'update', network: bigView(30, []) }] });
    assert.equal(held()?.Version, 21, 'the replaced stream is not heard');
    streams[1].onMessage({ type: 'complete', changes: [{ action: 'update', network: bigView(40, range(3, 15)) }] });
    assert.equal(held()?.Version, 40);
  } finally {
    await agent.stop();
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }); // the agent may still be saving its assignments
  }
});
