import { ApiError, badRequest, conflict, notFound, notImplemented } from '../../types/errors.js';
import type { NetworkCreateRequest, NetworkSpec } from '../../types/network.js';
import { parseCIDR, parseIPv4, contains } from '../allocator/ipv4.js';
import { rpcError } from './rpc-errors.js';

const NOT_YET = (what: string) => notImplemented(`${what}: not supported by tswarm yet`);

/** The overlay's MTU option: the underlay MTU its devices are sized from (network/overlay/mtu.ts). */
export const MTU_OPTION = 'com.docker.network.driver.mtu';
/** The driver options tswarm acts on (`--opt encrypted`: VXLAN in IPsec ESP, see the routing-mesh issue; the MTU). */
const KNOWN_OPTIONS = new Set(['encrypted', MTU_OPTION]);

/** swarmkit's isValidDNSName (network names, as service names). */
const NAME_RE = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;

/** Whether a create request is for a swarm-scoped network (the rest is the local engine's). */
export function isSwarmScoped(req: NetworkCreateRequest): boolean {
  return req.Driver === 'overlay' || req.Scope === 'swarm';
}

/**
 * Docker's checks of `POST /networks/create` for a swarm-scoped network (the
 * daemon's, then swarmkit's validateNetworkSpec), in Docker's order and
 * words; what tswarm does not do yet is refused, never stored and ignored.
 * Returns the spec swarmkit would store.
 */
export function networkSpecOf(req: NetworkCreateRequest): NetworkSpec {
  const name = req.Name ?? '';
  if (name === '') throw new ApiError(500, 'invalid name: ');
  const driver = req.Driver || 'overlay';
  if (driver !== 'overlay') {
    if (['bridge', 'host', 'null', 'macvlan', 'ipvlan'].includes(driver)) throw NOT_YET(`swarm-scoped networks with the ${driver} driver`);
    throw notFound(`plugin "${driver}" not found`);
  }
  if (req.Scope && req.Scope !== 'swarm') throw NOT_YET(`an overlay network of scope ${req.Scope}`);
  if (req.ConfigOnly || req.ConfigFrom?.Network) throw NOT_YET('configuration-only networks (--config-only, --config-from)');
  if (req.EnableIPv6) throw NOT_YET('IPv6 on overlay networks (--ipv6)');
  if (req.Internal) throw NOT_YET('internal overlay networks (--internal)');
  const ipam = req.IPAM ?? {};
  const configs = ipam.Config ?? [];
  for (const c of configs) {
    for (const [what, v] of [['subnet', c.Subnet], ['IP range', c.IPRange]] as const) {
      if (v && !parseCIDR(v)) throw new ApiError(500, `Invalid ${what === 'subnet' ? 'subnet' : 'range'} ${v} : invalid CIDR address: ${v}`);
    }
    if (!c.Subnet) throw new ApiError(500, 'Invalid subnet  : invalid CIDR address: ');
  }
  if (ipam.Driver && ipam.Driver !== 'default') throw rpcError('InvalidArgument', `error during lookup of plugin ${ipam.Driver}`);
  if (!NAME_RE.test(name)) throw rpcError('InvalidArgument', 'name must be valid as a DNS name component');
  if (name.length > 63) throw rpcError('InvalidArgument', 'name must be 63 characters or fewer');
  for (const c of configs) {
    const subnet = c.Subnet ? parseCIDR(c.Subnet) : undefined;
    if (!subnet) throw rpcError('InvalidArgument', `ipam configuration: invalid subnet ${c.Subnet ?? ''}`);
    if (c.IPRange && !contains(subnet, parseCIDR(c.IPRange)!.addr)) {
      throw rpcError('InvalidArgument', `ipam configuration: subnet ${c.Subnet} does not contain range ${c.IPRange}`);
    }
    if (c.Gateway && parseIPv4(c.Gateway) === undefined) throw rpcError('InvalidArgument', `ipam configuration: invalid gateway ${c.Gateway}`);
    if (c.Gateway && !contains(subnet, parseIPv4(c.Gateway)!)) {
      throw rpcError('InvalidArgument', `ipam configuration: subnet ${c.Subnet} does not contain gateway ${c.Gateway}`);
    }
  }
  if (configs.length > 1) throw NOT_YET('more than one subnet per overlay network');
  if (configs.some((c) => c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length)) throw NOT_YET('auxiliary addresses (--aux-address)');
  if (ipam.Options && Object.keys(ipam.Options).length) throw NOT_YET('IPAM driver options (--ipam-opt)');
  for (const k of Object.keys(req.Options ?? {})) if (!KNOWN_OPTIONS.has(k)) throw NOT_YET(`the overlay driver option ${k}`);
  // Docker stores any value (its driver parses it on each node, where a bad one rejects the task); the routing
  // mesh's devices are sized apart from the overlay's (network/mesh), so the ingress network keeps the default.
  if (req.Ingress && req.Options && MTU_OPTION in req.Options) throw NOT_YET(`the ${MTU_OPTION} option on the ingress network`);
  const options = req.Options && Object.keys(req.Options).length ? { ...req.Options } : undefined;
  const c = configs[0];
  return {
    Name: name,
    Labels: { ...req.Labels },
    DriverConfiguration: { Name: 'overlay', ...(options ? { Options: options } : {}) },
    ...(req.Attachable ? { Attachable: true } : {}),
    ...(req.Ingress ? { Ingress: true } : {}),
    IPAMOptions: {
      Driver: { Name: 'default' },
      ...(c ? { Configs: [{ Subnet: c.Subnet, ...(c.IPRange ? { Range: c.IPRange } : {}), ...(c.Gateway ? { Gateway: c.Gateway } : {}) }] } : {}),
    },
    Scope: 'swarm',
  };
}

export const nameTaken = (name: string) => conflict(`network with name ${name} already exists`);
export { badRequest };
