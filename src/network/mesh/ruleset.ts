import type { IngressPort } from '../../types/network-view.js';
import { macFor } from '../overlay/names.js';
import { notrackLines, type VxlanFlow } from '../overlay/vxlan-notrack.js';
import { HOST_TABLE_PREFIX, NS_L2_TABLE, NS_TABLE, TASK_TABLE, type MeshRoute } from './names.js';

/**
 * The routing mesh's nftables scripts (no IPVS on this kernel; kube-proxy's
 * nftables mode is the model). Each replaces its whole table in one
 * transaction: NAT is decided on a connection's first packet and kept by
 * conntrack, so connections to tasks that stay are never moved or broken;
 * only new connections see the new backends.
 *
 * Host namespace, table `ip tswarm_mesh_<node>`:
 *   a new connection to one of the host's own addresses on a published port
 *   (from outside, or from the host itself) is DNATed to one of the service's
 *   running tasks on any host (round robin per connection, as IPVS's rr in
 *   Docker) and marked; policy routing (MeshRoute) sends it through the host
 *   link into the ingress namespace, with this host's ingress address as its
 *   source (SNAT, as Docker) unless the service keeps the client's address.
 *   A port with no running task goes to the namespace's own link address,
 *   which refuses it. Traffic from 127/8 is translated too (route_localnet is
 *   set on that link), as Docker's DOCKER-INGRESS.
 * Ingress namespace, table `netdev tswarm_mesh_l2` (l2Script): no routing
 *   there; frames from the host link to a task are handed to the bridge
 *   (VXLAN or a local task's veth) and the replies back to the host link.
 *   One conntrack, one NAT and one IP forwarding on the way, not two.
 */

/** One published port and where the mesh sends it. */
export interface MeshPort extends IngressPort {
  /** Task addresses on the ingress network, sorted. */
  backends: string[];
  keepSource: boolean;
}

/** What the host's table needs of this host's mesh. */
export interface HostMesh {
  table: string;
  hostLink: string;
  /** The namespace's end of the host link: where a port without tasks goes (refused there). */
  nsAddr: string;
  /** This host's address on the ingress network: the source of SNATed connections. */
  ingressAddr: string;
  route: MeshRoute;
}

const chainOf = (p: IngressPort) => `p_${p.Protocol}_${p.PublishedPort}`;
const portKey = (p: IngressPort) => `${p.Protocol} . ${p.PublishedPort}`;

export function hostScript(h: HostMesh, ports: MeshPort[], vxlan?: VxlanFlow): string {
  const t = `ip ${h.table}`;
  const { snat, keep } = h.route;
  const lines = [
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    // The ingress network's VXLAN packets are not tracked on the hosts: each is one of a connection the
    // hosts track already, and a conntrack lookup on the way out and in costs every packet.
    ...(vxlan ? [
      `add chain ${t} raw_pre { type filter hook prerouting priority raw; policy accept; }`,
      `add chain ${t} raw_out { type filter hook output priority raw; policy accept; }`,
      ...notrackLines(t, vxlan.port, [vxlan.vni]),
    ] : []),
    `add chain ${t} pre { type nat hook prerouting priority -100; policy accept; }`,
    `add chain ${t} out { type nat hook output priority -100; policy accept; }`,
    `add chain ${t} post { type nat hook postrouting priority 100; policy accept; }`,
    // Every later packet of a mesh connection towards its task carries the mark to the routing decision (replies take
    // the host's own routes); before the NAT hooks, whose own rerouting of a translated local packet must see it
    // (from 127.0.0.1, a route by the main table out of a link without route_localnet fails and drops it).
    `add chain ${t} mark_pre { type filter hook prerouting priority -150; policy accept; }`,
    `add chain ${t} mark_out { type route hook output priority -150; policy accept; }`,
    `add rule ${t} mark_pre ct direction original ct mark { ${snat}, ${keep} } meta mark set ct mark`,
    `add rule ${t} mark_out ct direction original ct mark { ${snat}, ${keep} } meta mark set ct mark`,
    `add rule ${t} post oifname "${h.hostLink}" ct mark ${snat} snat to ${h.ingressAddr}`,
    `add rule ${t} post oifname "${h.hostLink}" ct mark ${keep} ip saddr 127.0.0.0/8 snat to ${h.ingressAddr}`,
    `add rule ${t} post oifname "${h.hostLink}" ip saddr 127.0.0.0/8 masquerade`,
  ];
  const jumps: string[] = [];
  for (const p of ports) {
    const c = chainOf(p);
    lines.push(`add chain ${t} ${c}`);
    if (p.backends.length === 0) {
      lines.push(`add rule ${t} ${c} dnat to ${h.nsAddr}`);
    } else {
      const to = p.backends.length === 1
        ? p.backends[0]
        : `numgen inc mod ${p.backends.length} map { ${p.backends.map((b, i) => `${i} : ${b}`).join(', ')} }`;
      lines.push(`add rule ${t} ${c} ct mark set ${p.keepSource ? keep : snat} meta mark set ct mark`);
      lines.push(`add rule ${t} ${c} meta l4proto ${p.Protocol} dnat to ${to} : ${p.TargetPort}`);
    }
    jumps.push(`${portKey(p)} : jump ${c}`);
  }
  if (jumps.length) {
    const vmap = `meta l4proto . th dport vmap { ${[...new Map(jumps.map((j) => [j.split(' : ')[0], j])).values()].join(', ')} }`;
    lines.push(`add rule ${t} pre fib daddr type local ${vmap}`, `add rule ${t} out fib daddr type local ${vmap}`);
  }
  return lines.join('\n') + '\n';
}

/** The ingress namespace's side: its bridge and MAC, the host link's two ends' MACs, and where each task is. */
export interface IngressL2 { bridge: string; bridgeMac: string; nsLink: string; nsLinkMac: string; hostLinkMac: string }

/**
 * In the ingress namespace, at the devices' ingress (netdev): a frame from
 * the host link to a task's address (the host did the NAT) goes to the
 * bridge with this host's ingress MAC as its source (what a kept-source
 * task routes its replies by) and the task's MAC (made from its address,
 * as attach and the other hosts' FDB entries have it); every IPv4 frame the
 * bridge hands up to the namespace (a task's reply, to this host's ingress
 * address or, kept source, to the client) goes to the host, whose
 * conntrack undoes the NAT. Frames the first rule does not know (a task
 * not yet in the view) take the namespace's own routing to the bridge.
 * The namespace's NAT table of earlier versions goes.
 */
export function l2Script(l2: IngressL2, tasks: string[]): string {
  const t = `netdev ${NS_L2_TABLE}`;
  const lines = [
    `add table ip ${NS_TABLE}`, `delete table ip ${NS_TABLE}`,
    `add table ${t}`, `delete table ${t}`, `add table ${t}`,
    `add chain ${t} from_host { type filter hook ingress device "${l2.nsLink}" priority 0; policy accept; }`,
    `add chain ${t} to_host { type filter hook ingress device "${l2.bridge}" priority 0; policy accept; }`,
    `add rule ${t} to_host ether daddr ${l2.bridgeMac} meta protocol ip ether saddr set ${l2.nsLinkMac} ether daddr set ${l2.hostLinkMac} fwd to "${l2.nsLink}"`,
  ];
  const addrs = [...new Set(tasks)].sort();
  if (addrs.length) {
    lines.push(`add rule ${t} from_host meta protocol ip ether saddr set ${l2.bridgeMac} ether daddr set ip daddr map { ${addrs.map((a) => `${a} : ${macFor(a)}`).join(', ')} } fwd to "${l2.bridge}"`);
  }
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
