import type { IngressPort } from '../../types/network-view.js';
import { VXLAN_PORT } from '../overlay/names.js';
import { HOST_TABLE_PREFIX, NS_LINK, NS_TABLE, TASK_TABLE } from './names.js';

/** A VXLAN packet's VNI: the 24 bits after the UDP header and the VXLAN flags. */
const VNI_MATCH = '@th,96,24';

/**
 * The routing mesh's nftables scripts (no IPVS on this kernel; kube-proxy's
 * nftables mode is the model). Each replaces its whole table in one
 * transaction: NAT is decided on a connection's first packet and kept by
 * conntrack, so connections to tasks that stay are never moved or broken;
 * only new connections see the new backends.
 *
 * Host namespace, table `ip tswarm_mesh_<node>`:
 *   a new connection to one of the host's own addresses on a published port
 *   (from outside, or from the host itself) is sent to the ingress
 *   namespace's address on the same port; traffic from 127/8 is masqueraded
 *   there (route_localnet is set on that link), as Docker's DOCKER-INGRESS.
 * Ingress namespace, table `ip tswarm_mesh`:
 *   a new connection from the host link is DNATed to one of the service's
 *   running tasks on any host (round robin per connection, as IPVS's rr in
 *   Docker), the ingress address of this host as its source (SNAT, as
 *   Docker) unless the service keeps the client's address; a port with no
 *   running task is not translated, so the namespace itself refuses it.
 */

/** One published port and where the mesh sends it. */
export interface MeshPort extends IngressPort {
  /** Task addresses on the ingress network, sorted. */
  backends: string[];
  keepSource: boolean;
}

/** The connection marks of the ingress namespace: masquerade, or keep the source. */
export const MARK_SNAT = 0x1;
export const MARK_KEEP = 0x2;

const chainOf = (p: IngressPort) => `p_${p.Protocol}_${p.PublishedPort}`;
const portKey = (p: IngressPort) => `${p.Protocol} . ${p.PublishedPort}`;

export function hostScript(table: string, hostLink: string, nsAddr: string, ports: IngressPort[], vni?: number): string {
  const t = `ip ${table}`;
  const lines = [
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    `add set ${t} ports { type inet_proto . inet_service; }`,
    // The ingress network's VXLAN packets are not tracked on the hosts: each is one of a connection the
    // ingress namespaces track already, and a conntrack lookup on the way out and in costs every packet.
    ...(vni ? [
      `add chain ${t} raw_pre { type filter hook prerouting priority raw; policy accept; }`,
      `add chain ${t} raw_out { type filter hook output priority raw; policy accept; }`,
      `add rule ${t} raw_pre udp dport ${VXLAN_PORT} ${VNI_MATCH} ${vni} notrack`,
      `add rule ${t} raw_out udp dport ${VXLAN_PORT} ${VNI_MATCH} ${vni} notrack`,
    ] : []),
    `add chain ${t} pre { type nat hook prerouting priority -100; policy accept; }`,
    `add chain ${t} out { type nat hook output priority -100; policy accept; }`,
    `add chain ${t} post { type nat hook postrouting priority 100; policy accept; }`,
    `add rule ${t} pre fib daddr type local meta l4proto . th dport @ports dnat to ${nsAddr}`,
    `add rule ${t} out fib daddr type local meta l4proto . th dport @ports dnat to ${nsAddr}`,
    `add rule ${t} post oifname "${hostLink}" ip saddr 127.0.0.0/8 masquerade`,
  ];
  const keys = [...new Set(ports.map(portKey))];
  if (keys.length) lines.push(`add element ${t} ports { ${keys.join(', ')} }`);
  return lines.join('\n') + '\n';
}

export function nsScript(bridge: string, ports: MeshPort[]): string {
  const t = `ip ${NS_TABLE}`;
  const lines = [
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    `add chain ${t} pre { type nat hook prerouting priority -100; policy accept; }`,
    `add chain ${t} post { type nat hook postrouting priority 100; policy accept; }`,
    `add rule ${t} post oifname "${bridge}" ct mark ${MARK_SNAT} masquerade`,
  ];
  const jumps: string[] = [];
  for (const p of ports) {
    if (p.backends.length === 0) continue;
    const c = chainOf(p);
    lines.push(`add chain ${t} ${c}`, `add rule ${t} ${c} ct mark set ${p.keepSource ? MARK_KEEP : MARK_SNAT}`);
    const to = p.backends.length === 1
      ? p.backends[0]
      : `numgen inc mod ${p.backends.length} map { ${p.backends.map((b, i) => `${i} : ${b}`).join(', ')} }`;
    lines.push(`add rule ${t} ${c} meta l4proto ${p.Protocol} dnat to ${to} : ${p.TargetPort}`);
    jumps.push(`${portKey(p)} : jump ${c}`);
  }
  if (jumps.length) lines.push(`add rule ${t} pre iifname "${NS_LINK}" meta l4proto . th dport vmap { ${jumps.join(', ')} }`);
  return lines.join('\n') + '\n';
}

/** An entry host as a task of a kept-source service sees it: its ingress bridge's MAC, and the mark (and routing table) of its connections. */
export interface KeepSourceEntry { mac: string; mark: number }

/**
 * In the namespace of a task of a service that keeps the client's address:
 * a connection coming in on the ingress link is marked after the entry host
 * it came through (the frame's source MAC is that host's ingress bridge, a
 * MAC made from its ingress address), and its packets carry the mark, which
 * policy routing sends back to that host. A map, not the MAC's bytes as the
 * mark: nft loads payload in network order and a mark is a host-order number.
 * The SYN's mark routes a listener's SYN-ACK (tcp_fwmark_accept); the output
 * chain marks every later reply.
 */
export function keepSourceTaskScript(ingressIf: string, entries: KeepSourceEntry[]): string {
  const t = `ip ${TASK_TABLE}`;
  const lines = [
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    `add chain ${t} pre { type filter hook prerouting priority -150; policy accept; }`,
    `add chain ${t} out { type route hook output priority -150; policy accept; }`,
  ];
  if (entries.length) {
    lines.push(`add rule ${t} pre iifname "${ingressIf}" ct state new ct mark set ether saddr map { ${entries.map((e) => `${e.mac} : ${e.mark}`).join(', ')} }`);
  }
  lines.push(
    `add rule ${t} pre iifname "${ingressIf}" ct mark != 0 meta mark set ct mark`,
    `add rule ${t} out ct mark != 0 meta mark set ct mark`,
  );
  return lines.join('\n') + '\n';
}

export const removeTableScript = (table: string) => `add table ip ${table}\ndelete table ip ${table}\n`;

export const isHostTable = (name: string) => name.startsWith(HOST_TABLE_PREFIX);
