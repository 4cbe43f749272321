import type { NetworkView } from '../../types/network-view.js';
import { ENCRYPTED_MTU } from '../encryption/overlay-encryption.js';
import { OVERLAY_MTU } from './names.js';

/** VXLAN's outer headers (Ethernet 14, IP 20, UDP 8, VXLAN 8): what the overlay takes off the underlay MTU. */
const VXLAN_ENCAP = 50;
/** What ESP takes on top (encryption/overlay-encryption.ts). */
const ESP_OVERHEAD = OVERLAY_MTU - ENCRYPTED_MTU;
/** The MTUs Linux accepts for a VXLAN device without a lower device (ETH_MIN_MTU; IP_MAX_MTU minus VXLAN's headroom). */
const VXLAN_MIN = 68;
const VXLAN_MAX = 65535 - VXLAN_ENCAP;

/**
 * The MTU of a network's bridge, VXLAN device and task interfaces here, as
 * Docker's overlay driver sizes them (its maxMTU): the underlay MTU
 * (`com.docker.network.driver.mtu`, 1500 when absent or 0) minus VXLAN's 50
 * bytes, minus ESP's overhead on an encrypted network. A bad option throws
 * the error Docker's driver gives on the node (the task is rejected with it).
 */
export function overlayMtu(view: Pick<NetworkView, 'MTU' | 'Encrypted' | 'Subnet'>): number {
  let underlay = 1500;
  if (view.MTU !== undefined) {
    // Go's strconv.Atoi: an optional sign, then decimal digits only.
    if (!/^[+-]?\d+$/.test(view.MTU)) throw new Error(`failed to parse ${view.MTU}: strconv.Atoi: parsing ${JSON.stringify(view.MTU)}: invalid syntax`);
    const n = Number(view.MTU);
    if (n < 0) throw new Error(`invalid MTU value: ${n}`);
    if (n > 0) underlay = n;
  }
  let mtu = underlay - VXLAN_ENCAP;
  if (view.Encrypted) { mtu -= ESP_OVERHEAD; mtu -= mtu % 4; }
  if (mtu < VXLAN_MIN || mtu > VXLAN_MAX) {
    throw new Error(`network sandbox join failed: subnet sandbox join failed for "${view.Subnet}": error creating vxlan interface: invalid argument`);
  }
  return mtu;
}
