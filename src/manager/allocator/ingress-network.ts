import { newId } from '../../ids.js';
import type { WriteTx } from '../../store/store.js';
import { badRequest } from '../../types/errors.js';
import type { NetworkSpec } from '../../types/network.js';
import { allocateNetwork } from './network-state.js';
import { parseCIDR } from './ipv4.js';

/** The routing mesh's network, as swarmkit makes it when a swarm is created. */
export function ingressSpec(): NetworkSpec {
  return {
    Name: 'ingress', Labels: {}, DriverConfiguration: { Name: 'overlay' }, Ingress: true,
    IPAMOptions: { Driver: { Name: 'default' } }, Scope: 'swarm',
  };
}

/** Creates the ingress network in the swarm's first transaction: the first subnet of the default pools (10.0.0.0/24) and VXLAN ID 4096. */
export function createIngressNetwork(tx: WriteTx): void {
  if (tx.table('networks').all().some((n) => n.Spec.Ingress)) return;
  const spec = ingressSpec();
  tx.create('networks', { ID: newId(), Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: spec, ...allocateNetwork(tx, spec) });
}

/**
 * `swarm init --default-addr-pool … --default-addr-pool-mask-length …`:
 * every pool a valid IPv4 prefix, the subnet size within 1–32 and no
 * shorter than any pool's prefix (each pool must hold at least one subnet).
 */
export function validateAddrPools(pools: string[] | undefined, subnetSize: number | undefined): void {
  for (const p of pools ?? []) {
    if (p.includes(':')) throw badRequest(`invalid default address pool ${p}: IPv6 address pools are not supported by tswarm yet`);
    if (!parseCIDR(p)) throw badRequest(`invalid default address pool ${p}: invalid CIDR address: ${p}`);
  }
  const size = subnetSize || 24;
  if (size < 1 || size > 32) throw badRequest(`invalid subnet size ${size}: the default address pool mask length must be between 1 and 32`);
  for (const p of pools ?? []) {
    const bits = parseCIDR(p)!.bits;
    if (size < bits) throw badRequest(`invalid default address pool ${p}: its mask length /${bits} is longer than the subnet size /${size}`);
  }
}
