import { createHash } from 'node:crypto';
import type { IpRunner } from './ip-runner.js';
import { VNI_MATCH } from './names.js';

/**
 * The host's conntrack skips the VXLAN datagrams of this host's overlays:
 * each carries a frame of a connection that the tasks' namespaces track
 * already, and a lookup on the way out and in costs every packet (about 3 %
 * of a stream's throughput here, bench/overlay). Encrypted networks are
 * left out: their datagrams are turned to the ESP endpoint by a NAT rule
 * (network/encryption/esp-rules.ts), which needs them tracked. The VNI is
 * matched as there (24 bits after the UDP header and the VXLAN flags). One
 * table per data plane (named after its state directory, which a restart
 * keeps), replaced as a whole (one nft transaction).
 */
export const NOTRACK_TABLE_PREFIX = 'tswarm_vxlan_';
export const notrackTable = (root: string) => `${NOTRACK_TABLE_PREFIX}${createHash('sha256').update(root).digest('hex').slice(0, 12)}`;

/** A network's VXLAN as the host sees it: its UDP port (the data path port) and VNI. */
export interface VxlanFlow { port: number; vni: number }

export function notrackRules(table: string, flows: VxlanFlow[]): string {
  const t = `ip ${table}`;
  const byPort = new Map<number, Set<number>>();
  for (const f of flows) { let v = byPort.get(f.port); if (!v) byPort.set(f.port, (v = new Set())); v.add(f.vni); }
  const lines = [
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    `add chain ${t} raw_pre { type filter hook prerouting priority raw; policy accept; }`,
    `add chain ${t} raw_out { type filter hook output priority raw; policy accept; }`,
  ];
  for (const [port, vnis] of [...byPort].sort((a, b) => a[0] - b[0])) lines.push(...notrackLines(t, port, [...vnis]));
  return lines.join('\n') + '\n';
}

/** The two rules (chains raw_pre and raw_out of table `t`, e.g. `ip name`) that leave these VNIs' datagrams untracked. */
export function notrackLines(t: string, port: number, vnis: number[]): string[] {
  const sorted = [...vnis].sort((a, b) => a - b);
  const set = sorted.length === 1 ? String(sorted[0]) : `{ ${sorted.join(', ')} }`;
  return ['raw_pre', 'raw_out'].map((chain) => `add rule ${t} ${chain} udp dport ${port} ${VNI_MATCH} ${set} notrack`);
}

/** Installs the rules for these flows (none: the table goes). */
export async function applyNotrack(runner: IpRunner, table: string, flows: VxlanFlow[]): Promise<void> {
  const t = `ip ${table}`;
  const text = flows.length ? notrackRules(table, flows) : `add table ${t}\ndelete table ${t}\n`;
  await runner.run('nft', ['-f', '-'], undefined, text);
}
