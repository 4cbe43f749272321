// bench/network-views: the dispatcher's cost of NetworkViews at scale, in process (no network I/O).
// N nodes connected, T tasks of one service on one overlay network spread over them; tasks go
// assigned → running in batches of B, then half of them are removed. Printed: wall time of the
// whole run with the tasks on the network vs the same tasks without a network (the ratio is the
// views' overhead), the network views sent, and what they would weigh as JSON to remote nodes.
// Then U updates of the service that change nothing a view says (image and labels, as
// `service update --image`): the views they send are pure excess (each node already has them).
// Last, one task is assigned, runs and goes on the network of T/2 tasks: the bytes every node is sent per change
// (a delta of that task since the views went by delta; the whole view of T/2 tasks before).
// Usage: node dist/bench/network-views.js [N=1000] [T=10000] [B=200] [U=20]
import { Dispatcher } from '../src/manager/dispatcher/dispatcher.js';
import { MemoryStore } from '../src/store/store.js';
import { systemClock } from '../src/clock.js';
import type { AssignmentsMessage } from '../src/types/dispatcher.js';
import type { Task } from '../src/types/objects.js';

const N = Number(process.argv[2] ?? 1000);
const T = Number(process.argv[3] ?? 10000);
const B = Number(process.argv[4] ?? 200);
const U = Number(process.argv[5] ?? 20);
const meta = { Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '' };
/** IDs as long as swarm's (25 characters), so the views weigh what they would. */
const id25 = (prefix: string, i: number) => `${prefix}${i}`.padEnd(25, 'x');

async function once(withNetwork: boolean) {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('networks', {
      ID: 'net1', ...meta, Spec: { Name: 'front' },
      DriverState: { Name: 'overlay', Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' } },
      IPAMOptions: { Configs: [{ Subnet: '10.1.0.0/16', Gateway: '10.1.0.1' }] },
    });
    tx.create('services', {
      ID: 's1', ...meta, Spec: { Name: 'web', TaskTemplate: { Networks: withNetwork ? [{ Target: 'net1' }] : [] } },
      Endpoint: withNetwork ? { VirtualIPs: [{ NetworkID: 'net1', Addr: '10.1.0.2/16' }] } : {},
    });
  });
  const d = new Dispatcher(store, systemClock);
  d.start();
  let views = 0;
  let deltas = 0;
  let viewBytes = 0;
  let messages = 0;
  // A view is built once per change and shared by every node it goes to: its JSON size, counted after the run, times its receivers.
  const distinct = new Map<object, number>();
  const regs = await Promise.all(Array.from({ length: N }, (_, i) => d.register({ nodeId: id25('n', i), description: { Hostname: `n${i}` }, addr: `192.168.${i >> 8}.${i & 255}` })));
  for (const { sessionId } of regs) {
    d.assignments(sessionId, {
      onMessage: (m: AssignmentsMessage) => {
        messages++;
        for (const c of m.changes) {
          const v = 'network' in c ? c.network : 'networkDelta' in c ? c.networkDelta : undefined;
          if (!v) continue;
          views++;
          if ('networkDelta' in c) deltas++;
          distinct.set(v, (distinct.get(v) ?? 0) + 1);
        }
      },
      onClose: () => undefined,
    });
  }
  const task = (i: number, state: 'assigned' | 'running'): Task => ({
    ID: id25('t', i), ...meta, ServiceID: 's1', Slot: i + 1, NodeID: id25('n', i % N), Spec: {}, DesiredState: 'running', ServiceAnnotations: { Name: 'web' },
    Status: { State: state },
    ...(withNetwork ? { NetworksAttachments: [{ Network: { ID: 'net1', Spec: { Name: 'front' } }, Addresses: [`10.1.${(i + 3) >> 8}.${(i + 3) & 255}/16`] }] } : {}),
  });
  // Each batch is delivered to the dispatcher before the next (as Raft commits arrive spaced in time).
  const turn = () => new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  for (let i = 0; i < T; i += B) await store.update((tx) => { for (let j = i; j < Math.min(T, i + B); j++) tx.create('tasks', task(j, 'assigned')); }).then(turn);
  for (let i = 0; i < T; i += B) {
    await store.update((tx) => { for (let j = i; j < Math.min(T, i + B); j++) { const t = tx.tasks.get(id25('t', j))!; tx.update('tasks', { ...task(j, 'running'), Version: t.Version }); } }).then(turn);
  }
  for (let i = 0; i < T / 2; i += B) await store.update((tx) => { for (let j = i; j < Math.min(T / 2, i + B); j++) tx.remove('tasks', id25('t', j)); }).then(turn);
  await new Promise((r) => setTimeout(r, 150)); // the last collected views go out
  const ms = performance.now() - t0;
  for (const [v, n] of distinct) viewBytes += JSON.stringify(v).length * n;
  // Service updates that change no name, VIP, alias, mode or network.
  const before = { views, deltas, messages, distinct: new Map(distinct) };
  for (let u = 0; u < U; u++) {
    await store.update((tx) => { const s = tx.services.get('s1')!; tx.update('services', { ...s, Spec: { ...s.Spec, Labels: { rev: String(u) }, TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { Image: `web:${u}` } } } }); });
    await new Promise((r) => setTimeout(r, 120)); // each update's views (if any) go out before the next
  }
  let updateBytes = 0;
  for (const [v, n] of distinct) updateBytes += JSON.stringify(v).length * (n - (before.distinct.get(v) ?? 0));
  const updateViews = views - before.views;
  // One task more on the network of T/2 tasks, then running, then gone: what every node on it is sent for each change.
  const sizes: number[] = [];
  const seen = new Map(distinct);
  const one = T + 1;
  for (const step of ['assigned', 'running', 'removed'] as const) {
    await store.update((tx) => {
      if (step === 'assigned') tx.create('tasks', task(one, 'assigned'));
      else if (step === 'running') tx.update('tasks', { ...task(one, 'running'), Version: tx.tasks.get(id25('t', one))!.Version });
      else tx.remove('tasks', id25('t', one));
    });
    await new Promise((r) => setTimeout(r, 150));
    let bytes = 0;
    for (const [v, n] of distinct) bytes += JSON.stringify(v).length * (n - (seen.get(v) ?? 0));
    sizes.push(bytes);
    for (const [v, n] of distinct) seen.set(v, n);
  }
  await d.stop();
  return { ms, views: before.views, deltas: before.deltas, viewBytes, messages: before.messages, updateViews, updateBytes, oneTask: sizes };
}

// Alternating rounds, the fastest of each kind (the machine is shared).
const runs: { base: Awaited<ReturnType<typeof once>>; net: Awaited<ReturnType<typeof once>> }[] = [];
for (let r = 0; r < 3; r++) runs.push({ base: await once(false), net: await once(true) });
const base = runs.map((x) => x.base).sort((a, b) => a.ms - b.ms)[0];
const net = runs.map((x) => x.net).sort((a, b) => a.ms - b.ms)[0];
console.log(`network-views: ${N} nodes, ${T} tasks on one network, batches of ${B}`);
console.log(`  without a network: ${base.ms.toFixed(0)} ms, ${base.messages} messages`);
console.log(`  with the network:  ${net.ms.toFixed(0)} ms, ${net.messages} messages, ${net.views} views sent (${net.deltas} of them deltas; ~${(net.viewBytes / 1e6).toFixed(1)} MB as JSON)`);
console.log(`  ratio (with / without): ${(net.ms / base.ms).toFixed(2)}`);
console.log(`  ${U} service updates changing no view: ${net.updateViews} views sent (~${(net.updateBytes / 1e6).toFixed(1)} MB as JSON)`);
const [a, r, g] = net.oneTask;
console.log(`  one task on the network of ${T / 2}, to the ${Math.min(N, T / 2)} nodes on it: assigned ${(a / 1e3).toFixed(1)} kB, running ${(r / 1e3).toFixed(1)} kB, removed ${(g / 1e3).toFixed(1)} kB in all (${(a / Math.min(N, T / 2)).toFixed(0)} B per node per change)`);
