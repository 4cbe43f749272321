import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { run } from './tswarmd.js';
import type { Daemon } from './cluster.js';

const COMMENT = 'tswarm-test-partition';
export const ipOf = (d: { listenAddr: string }) => d.listenAddr.split(':')[0];

const iptables = (...a: string[]) => run('iptables', ['-w', ...a]);

export interface Partition {
  /** Packets the cut dropped from side a to side b, and from b to a (the daemons' own traffic). */
  dropped(): Promise<{ aToB: number; bToA: number }>;
  heal(): Promise<void>;
}

/**
 * Cuts every packet between the hosts of side a and those of side b, both
 * ways (INPUT and OUTPUT, by source and destination), as a network split
 * between real hosts. Hosts on one side still reach each other and
 * themselves. Needs root.
 */
export async function partition(a: Daemon[], b: Daemon[]): Promise<Partition> {
  const rules: string[][] = [];
  for (const x of a.map(ipOf)) {
    for (const y of b.map(ipOf)) {
      for (const chain of ['OUTPUT', 'INPUT']) {
        rules.push([chain, '-s', x, '-d', y, '-m', 'comment', '--comment', `${COMMENT} a-b`, '-j', 'DROP']);
        rules.push([chain, '-s', y, '-d', x, '-m', 'comment', '--comment', `${COMMENT} b-a`, '-j', 'DROP']);
      }
    }
  }
  const added: string[][] = [];
  let healed = false;
  const heal = async () => {
    if (healed) return;
    healed = true;
    for (const r of added) await iptables('-D', ...r);
  };
  for (const r of rules) {
    const res = await iptables('-I', ...r);
    if (res.code !== 0) { await heal(); assert.fail(`iptables (needs root): ${res.stderr}`); }
    added.push(r);
  }
  return {
    heal,
    async dropped() {
      // A packet crossing loopback passes OUTPUT then INPUT: OUTPUT's counters count each once.
      const r = await iptables('-nvx', '-L', 'OUTPUT');
      let aToB = 0;
      let bToA = 0;
      for (const line of r.stdout.split('\n')) {
        if (!line.includes(COMMENT)) continue;
        const packets = Number(line.trim().split(/\s+/)[0]);
        if (line.includes(`${COMMENT} a-b`)) aToB += packets; else bToA += packets;
      }
      return { aToB, bToA };
    },
  };
}

/** Whether a TCP connection from `from` (an address of this host) to `to` ("ip:port") opens within ms. */
export function canConnect(from: string, to: string, ms = 1500): Promise<boolean> {
  const [host, port] = [to.split(':')[0], Number(to.split(':')[1])];
  return new Promise((resolve) => {
    const s = connect({ host, port, localAddress: from });
    const done = (ok: boolean) => { clearTimeout(timer); s.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), ms);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Established TCP connections of a process: local and remote "ip:port". */
async function connectionsOf(pid: number): Promise<{ local: string; peer: string }[]> {
  const r = await run('ss', ['-tnpH', 'state', 'established']);
  assert.equal(r.code, 0, r.stderr);
  const out: { local: string; peer: string }[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    // Recv-Q Send-Q Local:Port Peer:Port users:(...)
    const [, , local, peer] = line.trim().split(/\s+/);
    out.push({ local, peer });
  }
  return out;
}

/**
 * Every connection a daemon opened to another daemon's cluster port leaves
 * from the daemon's own address (as on a real host), so a cut of that
 * address cuts both directions. Returns how many such connections each has.
 */
export async function assertConnectionsFromOwnAddress(ds: Daemon[]): Promise<Map<Daemon, number>> {
  const counts = new Map<Daemon, number>();
  for (const d of ds) {
    const others = new Set(ds.filter((o) => o !== d).map((o) => o.listenAddr));
    const out = (await connectionsOf(d.proc.pid!)).filter((c) => others.has(c.peer));
    for (const c of out) assert.equal(c.local.replace(/:\d+$/, ''), ipOf(d), `${d.name} dials ${c.peer} from ${c.local}, not from its address ${ipOf(d)}`);
    counts.set(d, out.length);
  }
  return counts;
}

