import { createHash } from 'node:crypto';

/**
 * Names and addresses of what the routing mesh makes on a host, derived from
 * the node's ID so that two daemons sharing one network namespace (tests on
 * one machine) do not meet, and a restarted daemon finds its own again:
 *   - the ingress namespace `<agent state>/ingress/<ingress network id>` (bridge,
 *     VXLAN, the node's ingress address, veths of local tasks), as an overlay's;
 *   - a veth pair between the host and that namespace: `tsi-<node>` on the
 *     host, `host0` inside, addressed from a /30 of 169.254.0.0/16;
 *   - the host's nftables table `ip tswarm_mesh_<node>` sending each published
 *     port to the namespace, whose own table `ip tswarm_mesh` balances it.
 */
export const HOST_LINK_PREFIX = 'tsi-';
export const NS_LINK = 'host0';
export const HOST_TABLE_PREFIX = 'tswarm_mesh_';
export const NS_TABLE = 'tswarm_mesh';
/** The table in a task's namespace that routes replies of kept-source connections back to their entry host. */
export const TASK_TABLE = 'tswarm_keepsrc';

const short = (nodeId: string) => nodeId.slice(0, 10).toLowerCase();

export const hostLinkName = (nodeId: string) => `${HOST_LINK_PREFIX}${short(nodeId)}`;
export const hostTableName = (nodeId: string) => `${HOST_TABLE_PREFIX}${short(nodeId)}`;

/** The /30 of 169.254.0.0/16 joining host and ingress namespace: host side .1, namespace side .2 (169.254.169.252/30 avoided). */
export function linkAddrs(nodeId: string): { host: string; ns: string } {
  let n = createHash('sha256').update(nodeId).digest().readUInt16BE(0) & 0x3fff;
  if (n === (169 * 256 + 252) >> 2) n = 1;
  const base = n << 2;
  const a = (off: number) => `169.254.${(base + off) >> 8}.${(base + off) & 255}`;
  return { host: a(1), ns: a(2) };
}

/**
 * Routing table, and connection mark, of replies to connections that came in
 * from the entry host with ingress address `addr` (kept source): one per
 * address of the ingress subnet (at most a /16).
 */
export function replyTable(addr: string): number {
  const [, , c, d] = addr.split('.').map(Number);
  return REPLY_TABLE_BASE + (c << 8) + d;
}
const REPLY_TABLE_BASE = 0x10000;
export const isReplyTable = (table: number) => table >= REPLY_TABLE_BASE && table < REPLY_TABLE_BASE + 0x10000;

/**
 * How the host sends its mesh connections (DNATed there to a task's ingress
 * address) into the ingress namespace: connection marks (SNAT, or keep the
 * client's address) that policy routing (`fwmark snat/MESH_ROUTE_MASK`)
 * sends by a table of their own through the host link. Per node, from the
 * link's name, so two daemons of one namespace (tests) never share them and
 * a daemon gone can be told by its link (removeStaleHostState).
 */
export interface MeshRoute { snat: number; keep: number; table: number }
const MESH_ROUTE_BASE = 0x7ea00000;
export const MESH_ROUTE_MASK = 0xfffffffe;
export function meshRoute(hostLink: string): MeshRoute {
  const n = createHash('sha256').update(hostLink).digest().readUInt16BE(0) & 0x3fff;
  const snat = MESH_ROUTE_BASE + 2 * n;
  return { snat, keep: snat + 1, table: snat };
}
export const isMeshRouteTable = (table: number) => table >= MESH_ROUTE_BASE && table < MESH_ROUTE_BASE + 0x8000;
/** The ingress namespace's table (netdev) moving the mesh's frames between the host link and the bridge. */
export const NS_L2_TABLE = 'tswarm_mesh_l2';
