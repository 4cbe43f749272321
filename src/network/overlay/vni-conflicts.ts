import { logger } from '../../log.js';
import { IpError, type IpRunner } from './ip-runner.js';
import type { NetworkSandbox } from './sandbox.js';

const log = logger('overlay');

/** The kernel refused a VXLAN device: its (VNI, UDP port) is taken in the namespace that creates it. */
export const isVniTaken = (err: unknown) => err instanceof IpError && /File exists|VNI already exists/i.test(err.stderr);

/** The VXLAN IDs of the devices in a network's namespace. */
export async function sandboxVnis(ip: IpRunner, path: string): Promise<number[]> {
  const links = await ip.ipJson<{ linkinfo?: { info_kind?: string; info_data?: { id?: number } } }>(['-d', 'link', 'show', 'type', 'vxlan'], path).catch(() => []);
  return links.flatMap((l) => (l.linkinfo?.info_kind === 'vxlan' && typeof l.linkinfo.info_data?.id === 'number' ? [l.linkinfo.info_data.id] : []));
}

export interface VniNeighbours {
  /** This host's other network namespaces (IDs). */
  ids(): Promise<string[]>;
  sandbox(networkId: string): NetworkSandbox;
  /** The managers still send this network's view: it is not stale. */
  isCurrent(networkId: string): boolean;
}

/**
 * Creates a network's namespace with its VXLAN device, coping with a VNI
 * that is taken where the device is made (the host's namespace: the kernel
 * allows one device per VNI and port there):
 * - by a namespace of ours whose network is gone (removed, its last task
 *   still leaving when another network got the ID): that one goes first;
 * - by something not ours (another swarm's daemon in the same namespace, as
 *   tests run several on one machine): the device is made inside the
 *   network's own namespace instead, so its VNI is private to it. The network
 *   then works between the tasks of this host only (its UDP socket has no
 *   way out), which is all such a daemon can have: the host's VXLAN port
 *   answers only one holder of a VNI.
 * Resolves with where the device lives.
 */
export async function createNetworkSandbox(sb: NetworkSandbox, vni: number, localAddr: string, others: VniNeighbours, ip: IpRunner, mtu?: number, port?: number): Promise<'host' | 'isolated'> {
  try {
    await sb.create(vni, localAddr, mtu, { port });
    return 'host';
  } catch (err) {
    if (!isVniTaken(err)) throw err;
  }
  for (const id of await others.ids()) {
    if (id === sb.networkId || others.isCurrent(id)) continue;
    const other = others.sandbox(id);
    if (!(await other.exists()) || !(await sandboxVnis(ip, other.path)).includes(vni)) continue;
    log.info({ network: id, vni, for: sb.networkId }, 'removing a stale network that holds a VXLAN ID needed now');
    await other.destroy();
    try {
      await sb.create(vni, localAddr, mtu, { port });
      return 'host';
    } catch (err) {
      if (!isVniTaken(err)) throw err;
    }
  }
  log.warn({ network: sb.networkId, vni }, 'VXLAN ID taken in this host namespace by another holder (another swarm\'s daemon?): the network stays local to this host');
  await sb.create(vni, localAddr, mtu, { isolated: true, port });
  return 'isolated';
}
