/**
 * bench/vip: what the nftables VIP costs. A client task's namespace reaches 3
 * backend tasks (each in its own namespace on the bridge tswd0) either through
 * the service's VIP (DNAT in the client's namespace, round robin) or straight
 * at the task IPs (the client takes them in turn itself, so both spread the
 * same load over the same backends). Rounds alternate VIP / direct and the
 * medians are compared:
 *   latency     new TCP connection + request + answer, one after another (DNAT
 *               is decided on each connection's first packet: the worst case)
 *   rate        connections per second with 8 at a time
 *   throughput  one connection carrying BULK MB (conntrack only, after the first packet)
 * Goal: VIP within 5 % of a task IP. Needs root; takes the machine-wide lock itself
 * when run as `flock -o /tmp/tswarm-itest.lock node dist/bench/vip.js [rounds=5]`.
 * Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ServiceDiscovery } from '../src/network/dns/service-discovery.js';
import type { NetworkView } from '../src/types/network-view.js';
import { inNs, namespacesDown, namespacesUp, nsAddr, nsPath, startInNs, stopAll } from '../test/helpers/tswd-netns.js';
import type { ChildProcess } from 'node:child_process';

const ROUNDS = Number(process.argv[2] ?? 3);
const LOAD = fileURLToPath(new URL('./vip-load.js', import.meta.url));
const BACKENDS = [1, 2, 3];
const CLIENT = 4;
const VIP = '10.79.0.100';
const PORT = 8080;
const LAT_N = 400;
const RATE_WINDOW_MS = 400;
const BULK_MB = 128;

const view: NetworkView = {
  NetworkID: 'benchnet', Name: 'benchnet', VNI: 4100, Subnet: '10.79.0.0/24', Gateway: '10.79.0.254', Ingress: false, Attachable: false, Encrypted: false, Peers: [],
  Services: [{ ServiceID: 'svc', Name: 'web', EndpointMode: 'vip', VIP, Aliases: [],
    Tasks: BACKENDS.map((n) => ({ TaskID: `t${n}`, Name: `web.${n}.t${n}`, NodeID: 'node', Addr: nsAddr(n) })) }],
};

interface Figures { p50: number; mean: number; rate: number; bulk: number }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const started: ChildProcess[] = [];
const ns = [...BACKENDS, CLIENT];
await namespacesUp(ns);
const sd = new ServiceDiscovery();
try {
  for (const n of BACKENDS) startInNs(n, [process.execPath, LOAD, 'serve', `b${n}`, String(PORT)], started);
  await sd.attach('client', nsPath(CLIENT), [view]);
  const direct = BACKENDS.map((n) => `${nsAddr(n)}:${PORT}`).join(',');
  const vip = `${VIP}:${PORT}`;
  const compare = async (n: number, windowMs: number, mb: number) => {
    const r = await inNs(CLIENT, [process.execPath, LOAD, 'compare', vip, direct, String(n), String(windowMs), String(mb)], 120_000);
    if (r.code !== 0) throw new Error(`load: ${r.stderr}`);
    return JSON.parse(r.stdout) as { vip: Figures; direct: Figures };
  };
  for (let i = 0; i < 100 && (await inNs(CLIENT, ['busybox', 'nc', '-w', '1', nsAddr(3), String(PORT)])).code !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await compare(50, 50, 8); // warm up
  const rounds: { vip: Figures; direct: Figures }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = await compare(LAT_N, RATE_WINDOW_MS, BULK_MB);
    rounds.push(x);
    const f = (k: keyof Figures) => `${x.vip[k].toFixed(0)}/${x.direct[k].toFixed(0)}`;
    console.log(`round ${r + 1} (VIP/direct): p50 ${f('p50')} µs, mean ${f('mean')} µs, ${f('rate')} conn/s, ${f('bulk')} MB/s`);
  }
  const m = (who: 'vip' | 'direct', k: keyof Figures) => median(rounds.map((r) => r[who][k]));
  const line = (label: string, k: keyof Figures, unit: string, higherBetter: boolean) => {
    const v = m('vip', k);
    const d = m('direct', k);
    const ratio = higherBetter ? v / d : d / v;
    console.log(`${label.padEnd(28)} VIP ${v.toFixed(1).padStart(8)} ${unit.padEnd(5)} direct ${d.toFixed(1).padStart(8)} ${unit.padEnd(5)} VIP/direct ${ratio.toFixed(3)}`);
  };
  console.log(`bench/vip: ${ROUNDS} rounds (medians), VIP and direct interleaved in one client; 3 backends; nftables DNAT (numgen round robin)`);
  console.log('ratios: 1 = the same, below 1 = the VIP is slower (latency: direct/VIP; the rest: VIP/direct)');
  line('connection latency p50', 'p50', 'µs', false);
  line('connection latency mean', 'mean', 'µs', false);
  line('connections/s (8 at a time)', 'rate', '/s', true);
  line(`one connection, ${BULK_MB} MB`, 'bulk', 'MB/s', true);
} finally {
  sd.close();
  stopAll(started);
  await namespacesDown(ns);
}
