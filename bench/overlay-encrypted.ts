/**
 * bench/overlay-encrypted: what `--opt encrypted` costs. Two hosts (network
 * namespaces of scripts/netns-hosts.sh, set tswi / 10.82.0), two overlay
 * networks across them in the same run, a task namespace on each host on
 * each: one plain (VXLAN in clear) and one encrypted (ESP, rfc4106(gcm(aes)),
 * through tswarm's ESP endpoint since this kernel has no ESP). Each host's
 * data plane runs in its own namespace (bench/overlay-encrypted-host).
 *   throughput  one TCP stream task → task, encrypted vs plain, trials interleaved
 *   latency     64-byte round trips on one connection, encrypted vs plain
 * Prints figures and the ratios encrypted / plain; asserts nothing.
 * Usage: node dist/bench/overlay-encrypted.js [seconds per stream=3] [round trips=2000] [trials=3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EncryptionKey } from '../src/types/network-keys.js';
import type { NetworkView } from '../src/types/network-view.js';
import { inNetns, mustInNetns, netnsHosts } from '../test/helpers/netns-hosts.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 2000);
const TRIALS = Number(process.argv[4] ?? 3);
const WORKER = fileURLToPath(new URL('./overlay-worker.js', import.meta.url));
const HOST = fileURLToPath(new URL('./overlay-encrypted-host.js', import.meta.url));
const PORT = 5201;
const HOSTS = { TSWARM_HOSTS_NAME: 'tswi', TSWARM_HOSTS_NET: '10.82.0' };
const NETS = {
  plain: { id: 'benchplain000000000000000', vni: 4401, prefix: '10.98.8.' },
  sec: { id: 'benchsecure00000000000000', vni: 4402, prefix: '10.98.9.' },
};

const median = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const pct = (xs: number[], p: number) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

async function measure(netns: string, args: string[]): Promise<{ bytesPerSec?: number; us?: number[] }> {
  const r = await inNetns(netns, [process.execPath, WORKER, ...args], 120_000);
  if (r.code !== 0) throw new Error(`worker ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { bytesPerSec?: number; us?: number[] };
}

/** Starts a process in a namespace and waits for its first line. */
function startIn(netns: string, argv: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('nsenter', [`--net=${netns}`, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout!.once('data', () => resolve(p));
    p.once('exit', (code) => reject(new Error(`${argv.join(' ')} in ${netns} exited (${code})`)));
  });
}

async function main() {
  const hosts = (await netnsHosts(2, HOSTS)).slice(0, 2);
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-bench-esp-'));
  const keys: EncryptionKey[] = [1, 2, 3].map((t) => ({ Subsystem: 'networking:ipsec', Algorithm: 'AES_128_GCM', Key: randomBytes(16).toString('base64'), LamportTime: t }));
  const addr = (net: keyof typeof NETS, i: number) => `${NETS[net].prefix}${i + 2}`;
  const view = (net: keyof typeof NETS): NetworkView => ({
    NetworkID: NETS[net].id, Name: net, VNI: NETS[net].vni, Subnet: `${NETS[net].prefix}0/24`, Gateway: `${NETS[net].prefix}1`, Ingress: false, Attachable: false,
    Encrypted: net === 'sec', Services: [],
    Peers: hosts.map((h, i) => ({ NodeID: `node${i}`, Addr: h.ip, Addresses: [addr(net, i)] })),
  });
  const taskNs: Record<string, string[]> = { plain: [], sec: [] };
  const procs: ChildProcess[] = [];
  try {
    for (const net of ['plain', 'sec'] as const) {
      for (let i = 0; i < hosts.length; i++) {
        const p = join(dir, `${net}${i}`);
        await writeFile(p, '');
        await mustInNetns(undefined, ['unshare', `--net=${p}`, 'true']);
        taskNs[net].push(p);
      }
    }
    for (const [i, h] of hosts.entries()) {
      const spec = join(dir, `host${i}.json`);
      await writeFile(spec, JSON.stringify({
        root: join(dir, `h${i}`, 'netns'), localAddr: h.ip, nodeId: `node${i}`, keys, views: [view('plain'), view('sec')],
        tasks: (['plain', 'sec'] as const).map((net) => ({ id: `bench${net}task${i}`.padEnd(25, '0'), netns: taskNs[net][i], networkId: NETS[net].id, addr: addr(net, i) })),
      }));
      procs.push(await startIn(h.netns, [HOST, spec]));
    }
    for (const net of ['plain', 'sec'] as const) procs.push(await startIn(taskNs[net][1], [WORKER, 'serve', addr(net, 1), String(PORT)]));

    const bps: Record<string, number[]> = { plain: [], sec: [] };
    for (let t = 0; t < TRIALS; t++) {
      for (const net of ['plain', 'sec'] as const) bps[net].push((await measure(taskNs[net][0], ['stream', addr(net, 1), String(PORT), String(SECONDS)])).bytesPerSec!);
    }
    const rtt: Record<string, number[]> = {};
    for (const net of ['plain', 'sec'] as const) rtt[net] = (await measure(taskNs[net][0], ['pingpong', addr(net, 1), String(PORT + 1), String(ROUNDS)])).us!;
    const mbit = (b: number) => (b * 8 / 1e6).toFixed(0);
    console.log(`throughput, one TCP stream task → task across hosts, median of ${TRIALS} × ${SECONDS}s:`);
    console.log(`  plain overlay (VXLAN)          ${mbit(median(bps.plain))} Mbit/s`);
    console.log(`  encrypted overlay (VXLAN+ESP)  ${mbit(median(bps.sec))} Mbit/s`);
    console.log(`  encrypted / plain = ${median(bps.sec.map((s, i) => s / bps.plain[i])).toFixed(3)} (median of per-trial ratios)`);
    console.log(`latency, 64-byte round trips on one connection (${ROUNDS}), µs p50 / p99:`);
    console.log(`  plain      ${median(rtt.plain).toFixed(0)} / ${pct(rtt.plain, 0.99).toFixed(0)}`);
    console.log(`  encrypted  ${median(rtt.sec).toFixed(0)} / ${pct(rtt.sec, 0.99).toFixed(0)}`);
    console.log(`  encrypted / plain p50 = ${(median(rtt.sec) / median(rtt.plain)).toFixed(2)}`);
  } finally {
    for (const p of procs.reverse()) {
      const exited = new Promise((r) => { if (p.exitCode !== null) r(undefined); else p.once('exit', r); });
      p.kill('SIGTERM');
      await exited;
    }
    for (const ns of [...taskNs.plain, ...taskNs.sec]) await inNetns(undefined, ['umount', ns]);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
