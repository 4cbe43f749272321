import type { ReadTx } from '../../store/store.js';
import { VXLAN_OPTION, type Network, type NetworkSpec } from '../../types/network.js';
import { defaultGateway, nextVni, pickSubnet } from './ipam.js';
import { formatPrefix, overlaps, parseCIDR, type Prefix } from './ipv4.js';

/** Why a network's subnet or VXLAN ID could not be had (the caller words the error). */
export class NetworkAllocationError extends Error {
  constructor(readonly kind: 'overlap' | 'pools-full' | 'invalid', message: string) { super(message); }
}

/** A stored network's VXLAN ID. */
export function vniOf(n: Network): number | undefined {
  const v = Number(n.DriverState?.Options?.[VXLAN_OPTION]);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

/** A stored network's allocated subnet and gateway. */
export function subnetOf(n: Network): { subnet: string; gateway: string } | undefined {
  const c = n.IPAMOptions?.Configs?.[0];
  return c?.Subnet && c.Gateway ? { subnet: c.Subnet, gateway: c.Gateway } : undefined;
}

/**
 * The network-wide allocation of a new network (its subnet and gateway, its
 * VXLAN ID), made inside the transaction that stores it: the store, not a
 * leader's memory, says what is taken, so a new leader never hands out the
 * same subnet or ID twice. A subnet the spec names must overlap no other
 * network's; otherwise one comes from the swarm's default address pools.
 */
/**
 * The last VXLAN ID this leader handed out, per swarm: IDs go up serially as
 * Docker's, so a network removed and another created at once do not share
 * one while a host still tears the old one down. Memory only: after a
 * failover the next ID follows the highest in use, and hosts free a stale
 * device of theirs holding an ID they need (network/overlay/vni-conflicts.ts).
 */
const lastVni = new Map<string, number>();

export function allocateNetwork(tx: ReadTx, spec: NetworkSpec): Pick<Network, 'DriverState' | 'IPAMOptions'> {
  const networks = tx.table('networks').all();
  const used: Prefix[] = [];
  const fromPools: Prefix[] = [];
  for (const n of networks) {
    const s = subnetOf(n);
    const p = s && parseCIDR(s.subnet);
    if (!p) continue;
    used.push(p);
    if (!n.Spec.IPAMOptions?.Configs?.[0]?.Subnet) fromPools.push(p);
  }
  const want = spec.IPAMOptions?.Configs?.[0];
  let subnet: Prefix;
  if (want?.Subnet) {
    const p = parseCIDR(want.Subnet);
    if (!p) throw new NetworkAllocationError('invalid', `invalid subnet ${want.Subnet}`);
    if (used.some((u) => overlaps(u, p))) throw new NetworkAllocationError('overlap', 'Pool overlaps with other one on this address space');
    subnet = p;
  } else {
    const c = tx.cluster();
    const picked = pickSubnet(c?.DefaultAddrPool?.length ? c.DefaultAddrPool : ['10.0.0.0/8'], c?.SubnetSize || 24, used, fromPools);
    if (!picked) throw new NetworkAllocationError('pools-full', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    subnet = picked;
  }
  const gateway = want?.Gateway || defaultGateway(subnet);
  // One swarm: its ID, creation and root (tests make many swarms of the same ID in one process).
  const c = tx.cluster();
  const clusterId = `${c?.ID ?? ''}/${c?.CreatedAt ?? ''}/${c?.RootCA?.CACert.slice(-64) ?? ''}`;
  const vni = nextVni(networks.flatMap((n) => vniOf(n) ?? []), lastVni.get(clusterId));
  lastVni.set(clusterId, vni);
  return {
    DriverState: { Name: 'overlay', Options: { [VXLAN_OPTION]: String(vni) } },
    IPAMOptions: {
      Driver: { Name: 'default' },
      Configs: [{ Subnet: formatPrefix(subnet), ...(want?.Range ? { Range: want.Range } : {}), Gateway: gateway }],
    },
  };
}
