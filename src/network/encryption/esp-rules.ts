import type { IpRunner } from '../overlay/ip-runner.js';
import { VNI_MATCH, VXLAN_PORT } from '../overlay/names.js';

/**
 * The host's nftables rules that keep an encrypted network's VXLAN off the
 * wire in clear (libnetwork marks these datagrams by VNI with an iptables
 * u32 match for its xfrm policy; here the VNI is matched the same way):
 * - out: VXLAN datagrams of an encrypted VNI that leave for another host are
 *   turned to the local ESP endpoint (DNAT to this host's address and the
 *   endpoint's port), which sends them on in ESP;
 * - in: VXLAN datagrams of an encrypted VNI that arrive from another host in
 *   clear are dropped (decrypted ones come from this host's own address);
 * - guard: one that would still leave for another host after NAT (not
 *   tracked: a notrack rule of another data plane on this host, left by a
 *   daemon killed with other networks on that VNI; or a flow tracked before
 *   these rules) is dropped, never sent in clear.
 * One table per underlay address, replaced as a whole (one nft transaction).
 */
export function tableName(localAddr: string): string {
  return `tswarm_esp_${localAddr.replace(/\./g, '_')}`;
}

export function rulesText(localAddr: string, endpointPort: number, vnis: number[], vxlanPort = VXLAN_PORT): string {
  const t = tableName(localAddr);
  const set = `{ ${vnis.join(', ')} }`;
  return [
    `table ip ${t} {}`,
    `delete table ip ${t}`,
    `table ip ${t} {`,
    '  chain vxlan_out {',
    '    type nat hook output priority -100; policy accept;',
    `    ip daddr != ${localAddr} udp dport ${vxlanPort} ${VNI_MATCH} ${set} dnat to ${localAddr}:${endpointPort}`,
    '  }',
    '  chain vxlan_guard {',
    '    type filter hook output priority 0; policy accept;',
    `    ip daddr != ${localAddr} udp dport ${vxlanPort} ${VNI_MATCH} ${set} drop`,
    '  }',
    '  chain vxlan_in {',
    '    type filter hook input priority -10; policy accept;',
    `    ip saddr != ${localAddr} udp dport ${vxlanPort} ${VNI_MATCH} ${set} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Installs the rules for these VNIs (none: the table goes). */
export async function applyRules(runner: IpRunner, localAddr: string, endpointPort: number, vnis: number[], vxlanPort = VXLAN_PORT): Promise<void> {
  if (vnis.length === 0) { await removeRules(runner, localAddr); return; }
  await runner.run('nft', ['-f', '-'], undefined, rulesText(localAddr, endpointPort, [...vnis].sort((a, b) => a - b), vxlanPort));
}

export async function removeRules(runner: IpRunner, localAddr: string): Promise<void> {
  const t = tableName(localAddr);
  await runner.run('nft', ['-f', '-'], undefined, `table ip ${t} {}\ndelete table ip ${t}\n`);
}
