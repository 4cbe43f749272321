import { createHash } from 'node:crypto';
import type { IpRunner } from './ip-runner.js';
import { VXLAN_PORT } from './names.js';

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

const VNI_MATCH = '@th,96,24';

export function notrackRules(table: string, vnis: number[]): string {
  const t = `ip ${table}`;
  const set = `{ ${[...vnis].sort((a, b) => a - b).join(', ')} }`;
  return [
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    `add chain ${t} raw_pre { type filter hook prerouting priority raw; policy accept; }`,
    `add chain ${t} raw_out { type filter hook output priority raw; policy accept; }`,
    `add rule ${t} raw_pre udp dport ${VXLAN_PORT} ${VNI_MATCH} ${set} notrack`,
    `add rule ${t} raw_out udp dport ${VXLAN_PORT} ${VNI_MATCH} ${set} notrack`,
    '',
  ].join('\n');
}

/** Installs the rules for these VNIs (none: the table goes). */
export async function applyNotrack(runner: IpRunner, table: string, vnis: number[]): Promise<void> {
  const t = `ip ${table}`;
  const text = vnis.length ? notrackRules(table, vnis) : `add table ${t}\ndelete table ${t}\n`;
  await runner.run('nft', ['-f', '-'], undefined, text);
}
