/**
 * bench/overlay: the overlay data plane between two tasks on different hosts.
 *   throughput  one TCP stream, task on host 1 → task on host 2 over the overlay
 *               (macvlan, VXLAN, underlay, VXLAN, macvlan) vs directly
 *               between the two hosts' own addresses (the underlay alone);
 *   latency     64-byte round trips on one kept connection, overlay vs direct;
 *   VIP         a new connection per request to the service's VIP (nftables DNAT in
 *               the client's namespace, balanced over tasks on hosts 2 and 3) vs
 *               to the same two task IPs taken in turn.
 * Hosts: scripts/netns-hosts.sh (network namespaces on one bridge, as the
 * multi-host tests); the data plane is tswarm's own (network/overlay,
 * network/vip) driven by hand-made NetworkViews; the clients and servers are
 * Node processes (bench/overlay-worker) in the namespaces, the same code on
 * both paths.
 * Throughput is measured too over a second network in Docker's layout (a
 * bridge and a veth per task, as tswarm made them before; its windows in
 * turn with the others), so one run shows what the macvlans give.
 * The machine is shared: both paths are measured in short windows taken in
 * turn (direct/overlay, then overlay/direct, …) by two clients that stay up
 * (one in host 1's namespace, one in the task's), each pair of windows gives
 * a ratio, and the median ratio is printed with its spread (quartiles, range)
 * and the load average before and after.
 * Goals: overlay ≥ 0.8× direct throughput; VIP within 5 % of a task IP.
 * Prints figures and ratios; asserts nothing.
 * TSWARM_BENCH_OVERLAY_HOLD=1: set up, print the paths and namespaces as JSON, and wait
 * for SIGINT/SIGTERM (profiling, A/B of kernel settings).
 * Usage: node dist/bench/overlay.js [windows=16] [seconds per stream window=1] [round trips per window=500] [VIP pairs per window=300]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ServiceDiscovery } from '../src/network/dns/service-discovery.js';
import { IpRunner } from '../src/network/overlay/ip-runner.js';
import { OverlayHost } from '../src/network/overlay/overlay-host.js';
import type { NetworkView } from '../src/types/network-view.js';
import type { Task } from '../src/types/objects.js';
import { inNetns, mustInNetns, netnsHosts } from '../test/helpers/netns-hosts.js';

const WINDOWS = Number(process.argv[2] ?? 16);
const SECONDS = Number(process.argv[3] ?? 1);
const ROUNDS = Number(process.argv[4] ?? 500);
const PAIRS = Number(process.argv[5] ?? 300);
const WORKER = fileURLToPath(new URL('./overlay-worker.js', import.meta.url));
const NET = 'benchoverlay0000000000000';
const PORT = 5201;
const ADDR = { a: '10.98.7.2', b: '10.98.7.3', c: '10.98.7.4', vip: '10.98.7.100' };
/** A second network in Docker's layout (bridge + veth per task), between hosts 1 and 2. */
const BRIDGED = { net: 'benchbridged0000000000000', vni: 4401, a: '10.98.8.2', b: '10.98.8.3' };

const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
const pct = (xs: number[], p: number) => { const s = sorted(xs); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const median = (xs: number[]) => pct(xs, 0.5);
/** median [p25–p75, min–max] of per-window ratios. */
const spread = (xs: number[], d = 2) => `${median(xs).toFixed(d)} [quartiles ${pct(xs, 0.25).toFixed(d)}–${pct(xs, 0.75).toFixed(d)}, range ${sorted(xs)[0].toFixed(d)}–${sorted(xs)[xs.length - 1].toFixed(d)}]`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

function serve(netns: string, addr: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('nsenter', [`--net=${netns}`, process.execPath, WORKER, 'serve', addr, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout!.once('data', () => resolve(p));
    p.once('exit', (code) => reject(new Error(`server in ${netns} exited (${code})`)));
  });
}

/** A worker that stays up in a namespace and runs one command at a time (overlay-worker.ts `client`). */
function client(netns: string) {
  const p = spawn('nsenter', [`--net=${netns}`, process.execPath, WORKER, 'client'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  return {
    async run<T>(cmd: object): Promise<T> {
      p.stdin!.write(`${JSON.stringify(cmd)}\n`);
      const r = await lines.next();
      if (r.done) throw new Error(`client in ${netns} ended`);
      return JSON.parse(r.value as string) as T;
    },
    close() { p.stdin!.end(); p.kill(); },
  };
}

/** Runs a and b in turn W times (a b, b a, a b, …): each pair's results, so drift of the machine's load falls on both alike. */
/** Runs each of fns once per window, the order turned by one each window: per window, each one's result (in fns' order). */
async function rotated<T>(w: number, fns: (() => Promise<T>)[]): Promise<T[][]> {
  const out: T[][] = [];
  for (let i = 0; i < w; i++) {
    const r: T[] = new Array<T>(fns.length);
    for (let k = 0; k < fns.length; k++) { const j = (i + k) % fns.length; r[j] = await fns[j](); }
    out.push(r);
  }
  return out;
}

async function interleaved<T>(w: number, a: () => Promise<T>, b: () => Promise<T>): Promise<{ a: T; b: T }[]> {
  const out: { a: T; b: T }[] = [];
  for (let i = 0; i < w; i++) {
    if (i % 2 === 0) { const x = await a(); out.push({ a: x, b: await b() }); } else { const y = await b(); out.push({ a: await a(), b: y }); }
  }
  return out;
}

async function main() {
  // The overlay tests' host set unless TSWARM_HOSTS_NAME/TSWARM_HOSTS_NET name another.
  const hosts = await netnsHosts(3, process.env.TSWARM_HOSTS_NAME ? { TSWARM_HOSTS_NAME: process.env.TSWARM_HOSTS_NAME, TSWARM_HOSTS_NET: process.env.TSWARM_HOSTS_NET ?? '10.77.0' } : undefined);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-bench-overlay-'));
  const overlays = hosts.map((h, i) => new OverlayHost({ root: join(dir, `h${i}`), localAddr: h.ip, nodeId: () => `node${i}`, runner: new IpRunner(h.netns) }));
  const bridged = hosts.slice(0, 2).map((h, i) => new OverlayHost({ root: join(dir, `b${i}`), localAddr: h.ip, nodeId: () => `node${i}`, runner: new IpRunner(h.netns), bridged: true }));
  const bridgedView: NetworkView = {
    NetworkID: BRIDGED.net, Name: 'bridged', VNI: BRIDGED.vni, Subnet: '10.98.8.0/24', Gateway: '10.98.8.1', Ingress: false, Attachable: false, Encrypted: false,
    Peers: [{ NodeID: 'node0', Addr: hosts[0].ip, Addresses: [BRIDGED.a] }, { NodeID: 'node1', Addr: hosts[1].ip, Addresses: [BRIDGED.b] }], Services: [],
  };
  const view: NetworkView = {
    NetworkID: NET, Name: 'bench', VNI: 4400, Subnet: '10.98.7.0/24', Gateway: '10.98.7.1', Ingress: false, Attachable: false, Encrypted: false,
    Peers: [{ NodeID: 'node0', Addr: hosts[0].ip, Addresses: [ADDR.a] }, { NodeID: 'node1', Addr: hosts[1].ip, Addresses: [ADDR.b] }, { NodeID: 'node2', Addr: hosts[2].ip, Addresses: [ADDR.c] }],
    Services: [{ ServiceID: 'svc', Name: 'srv', EndpointMode: 'vip', VIP: ADDR.vip, Aliases: [],
      Tasks: [{ TaskID: 'tb', Name: 'srv.1.tb', NodeID: 'node1', Addr: ADDR.b }, { TaskID: 'tc', Name: 'srv.2.tc', NodeID: 'node2', Addr: ADDR.c }] }],
  };
  const task = (id: string, addr: string, net = NET) => ({ ID: id, NetworksAttachments: [{ Network: { ID: net, Spec: { Name: 'bench' } }, Addresses: [`${addr}/24`] }] }) as unknown as Task;
  const ns: string[] = [];
  const servers: ChildProcess[] = [];
  const clients: { close(): void }[] = [];
  const discovery = new ServiceDiscovery({ upstreams: [{ host: '127.0.0.1', port: 53 }] });
  try {
    /** A task's namespace, joined to the view's network by that host's data plane. */
    const taskOn = async (o: OverlayHost, v: NetworkView, name: string, id: string, addr: string) => {
      const p = join(dir, name);
      await writeFile(p, '');
      await mustInNetns(undefined, ['unshare', `--net=${p}`, 'true']);
      ns.push(p);
      await o.setView(v);
      await o.attach(task(id, addr, v.NetworkID), p);
    };
    for (const [i, [id, addr]] of ([['benchtaskaaaaaaaaaaaaaaaa', ADDR.a], ['benchtaskbbbbbbbbbbbbbbbb', ADDR.b], ['benchtaskcccccccccccccccc', ADDR.c]] as const).entries()) {
      await taskOn(overlays[i], view, `task${i}`, id, addr);
    }
    for (const [i, [id, addr]] of ([['benchbrtaskaaaaaaaaaaaaaa', BRIDGED.a], ['benchbrtaskbbbbbbbbbbbbbb', BRIDGED.b]] as const).entries()) {
      await taskOn(bridged[i], bridgedView, `brtask${i}`, id, addr);
    }
    await discovery.attach('benchtaskaaaaaaaaaaaaaaaa', ns[0], [view]);
    // The bridged network's sender has a VIP table too (conntrack on in its namespace, as in the first task's).
    await discovery.attach('benchbrtaskaaaaaaaaaaaaaa', ns[3], [view]);
    servers.push(await serve(ns[1], ADDR.b), await serve(ns[2], ADDR.c), await serve(hosts[1].netns, hosts[1].ip), await serve(ns[4], BRIDGED.b));
    if (process.env.TSWARM_BENCH_OVERLAY_HOLD) {
      // Profiling: the paths stay up until SIGINT/SIGTERM (drive them with overlay-worker.js client from the namespaces printed).
      console.log(JSON.stringify({ direct: { from: hosts[0].netns, to: `${hosts[1].ip}:${PORT}` }, overlay: { from: ns[0], to: `${ADDR.b}:${PORT}` }, tasks: ns, hosts: hosts.map((h) => h.netns) }));
      await new Promise<void>((r) => { process.once('SIGINT', () => r()); process.once('SIGTERM', () => r()); });
      return;
    }

    const direct = client(hosts[0].netns);
    const fromTask = client(ns[0]);
    const fromBridged = client(ns[3]);
    clients.push(direct, fromTask, fromBridged);
    const loadBefore = load();
    type Bps = { bytesPerSec: number };
    const ms = SECONDS * 1000;
    // A first window each, not counted: connections, JIT and caches warm.
    await direct.run<Bps>({ op: 'stream', host: hosts[1].ip, port: PORT, ms: 300 });
    await fromTask.run<Bps>({ op: 'stream', host: ADDR.b, port: PORT, ms: 300 });
    await fromBridged.run<Bps>({ op: 'stream', host: BRIDGED.b, port: PORT, ms: 300 });
    const overlay = () => fromTask.run<Bps>({ op: 'stream', host: ADDR.b, port: PORT, ms }).then((r) => r.bytesPerSec);
    // Per window: direct, the overlay as made, in Docker's layout, in an order turned each window.
    const tput = await rotated(WINDOWS, [
      () => direct.run<Bps>({ op: 'stream', host: hosts[1].ip, port: PORT, ms }).then((r) => r.bytesPerSec),
      overlay,
      () => fromBridged.run<Bps>({ op: 'stream', host: BRIDGED.b, port: PORT, ms }).then((r) => r.bytesPerSec),
    ]);
    type Us = { us: number[] };
    const rtt = await interleaved(WINDOWS,
      () => direct.run<Us>({ op: 'rtt', host: hosts[1].ip, port: PORT + 1, n: ROUNDS }).then((r) => r.us),
      () => fromTask.run<Us>({ op: 'rtt', host: ADDR.b, port: PORT + 1, n: ROUNDS }).then((r) => r.us));
    // The VIP against the same two task addresses, one connection each by turns inside every window.
    const vip: { a: number[]; b: number[] }[] = [];
    for (let i = 0; i < WINDOWS; i++) vip.push(await fromTask.run<{ a: number[]; b: number[] }>({ op: 'pairs', a: [ADDR.vip], b: [ADDR.b, ADDR.c], port: PORT + 1, n: PAIRS }));
    const loadAfter = load();

    const gbit = (b: number) => (b * 8 / 1e9).toFixed(2);
    console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${loadAfter}; ${WINDOWS} windows of each path, taken in turn`);
    console.log(`throughput, one TCP stream, ${SECONDS}s windows, Gbit/s median [range]:`);
    const d = tput.map((x) => x[0]), o = tput.map((x) => x[1]);
    console.log(`  direct (host ${hosts[0].ip} → ${hosts[1].ip})  ${gbit(median(d))} [${gbit(sorted(d)[0])}–${gbit(sorted(d)[d.length - 1])}]`);
    console.log(`  overlay (task ${ADDR.a} → ${ADDR.b})           ${gbit(median(o))} [${gbit(sorted(o)[0])}–${gbit(sorted(o)[o.length - 1])}]`);
    console.log(`  overlay / direct, per window: ${spread(tput.map((x) => x[1] / x[0]))}   (goal ≥ 0.80)`);
    console.log(`  Docker's layout (bridge + veth per task; tswarm's before), overlay / direct: ${spread(tput.map((x) => x[2] / x[0]))}`);
      console.log(`latency, 64-byte round trips on one kept connection (${ROUNDS} per window), µs, median of the windows' p50 / p99:`);
    console.log(`  direct   ${median(rtt.map((x) => median(x.a))).toFixed(0)} / ${median(rtt.map((x) => pct(x.a, 0.99))).toFixed(0)}`);
    console.log(`  overlay  ${median(rtt.map((x) => median(x.b))).toFixed(0)} / ${median(rtt.map((x) => pct(x.b, 0.99))).toFixed(0)}`);
    console.log(`  overlay / direct p50, per pair of windows: ${spread(rtt.map((x) => median(x.b) / median(x.a)))}`);
    console.log(`request latency, a new connection per request (${PAIRS} VIP + ${PAIRS} task-IP connections per window, interleaved), µs p50 / p99 over all:`);
    const va = vip.flatMap((x) => x.a), vb = vip.flatMap((x) => x.b);
    console.log(`  task IPs (b, c in turn)  ${median(vb).toFixed(0)} / ${pct(vb, 0.99).toFixed(0)}`);
    console.log(`  VIP (over b, c)          ${median(va).toFixed(0)} / ${pct(va, 0.99).toFixed(0)}`);
    console.log(`  VIP / task IPs p50, per window: ${spread(vip.map((x) => median(x.a) / median(x.b)), 3)}; over all: ${(median(va) / median(vb)).toFixed(3)}   (goal ≤ 1.05)`);
  } finally {
    for (const c of clients) c.close();
    for (const s of servers) s.kill();
    for (const t of ['benchtaskaaaaaaaaaaaaaaaa', 'benchbrtaskaaaaaaaaaaaaaa']) await discovery.detach(t).catch(() => undefined);
    discovery.close();
    for (const o of [...overlays, ...bridged]) await o.removeAll().catch(() => undefined);
    for (const p of ns) await inNetns(undefined, ['umount', p]);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
