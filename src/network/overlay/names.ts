import { join } from 'node:path';
import { DEFAULT_DATA_PATH_PORT, type NetworkView } from '../../types/network-view.js';

/**
 * Names of what the data plane makes, derived from network and task IDs so a
 * restarted daemon finds them again (interface names stay within Linux's 15
 * characters). Per network: a namespace file `<root>/<network id>` holding
 * the VXLAN device; per task: `ethN` in the task's namespace, found again by
 * its record `<root>-links/<network id>/ve-<task id>` (the ingress network's
 * bridged namespace: the bridge, and `ve-<task id>` there, a veth to `ethN`).
 */

/** A VXLAN datagram's VNI in nftables: the 24 bits after the UDP header and the VXLAN flags. */
export const VNI_MATCH = '@th,96,24';

/** VXLAN's UDP port where a view names none (NetworkView.DataPathPort). */
export const VXLAN_PORT = DEFAULT_DATA_PATH_PORT;
/** 1500 minus VXLAN's 50 bytes of outer headers, as Docker's overlay default. */
export const OVERLAY_MTU = 1450;

export const sandboxPath = (root: string, networkId: string) => join(root, networkId);
export const vxlanName = (networkId: string) => `vx-${networkId.slice(0, 12)}`;
export const bridgeName = (networkId: string) => `br-${networkId.slice(0, 12)}`;
/** A task's link record (or, bridged, the namespace side of its veth) in its network's namespace. */
export const taskLinkName = (taskId: string) => `ve-${taskId.slice(0, 12)}`;
export const TASK_LINK_PREFIX = 've-';

/** A stable MAC for an IPv4 address (02:42 + its four bytes, as Docker), so peers need no ARP learning. */
export function macFor(ip: string): string {
  const b = ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0'));
  return ['02', '42', ...b].join(':');
}

/** The UDP port of a network's VXLAN: the swarm's data path port. */
export const vxlanPortOf = (view: Pick<NetworkView, 'DataPathPort'>) => view.DataPathPort ?? VXLAN_PORT;
