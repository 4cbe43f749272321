import * as grpc from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Outgoing cluster connections leave from this node's own address, as on a
 * host whose only route to its peers is that interface: a peer sees (and a
 * firewall filters) the address the node advertises, not 127.0.0.1 or
 * whatever the kernel picks. grpc-js has no option to bind the local end of
 * a connection, but it hands each resolved address to `net.connect` as is,
 * so a resolver that adds `localAddress` to the addresses binds every
 * connection of that channel.
 */
const SCHEME = 'tswarm-from';
/** Channel option naming the source address; also keeps channels of different sources off shared subchannels. */
const SOURCE_OPTION = 'tswarm.source_address';

let source: string | undefined;

/**
 * The address this process's cluster connections leave from ("ip" or
 * "ip:port"; the port is ignored): the daemon's advertise address. An
 * address that is not this host's is not bound (the advertised address may
 * be a NAT's); undefined leaves the choice to the kernel.
 */
export function setClusterSourceAddress(addr: string | undefined): void {
  const ip = addr?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  source = ip && isLocalAddress(ip) ? ip : undefined;
}

export function clusterSourceAddress(): string | undefined {
  return source;
}

/** The target and channel options of a channel to addr ("host:port") whose connections leave from `from`. */
export function boundTarget(addr: string, from: string | undefined, options: grpc.ChannelOptions): { target: string; options: grpc.ChannelOptions } {
  if (!from) return { target: addr, options };
  return { target: `${SCHEME}:${addr}`, options: { ...options, [SOURCE_OPTION]: from } };
}

function isLocalAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4 && ip.startsWith('127.')) return true; // the whole of 127/8 is this host's
  if (family === 6 && ip === '::1') return true;
  if (!family) return false;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === ip));
}

type Endpoints = Parameters<grpc.experimental.ResolverListener>[0];

/** grpc-js's own DNS resolution of the target, with the source address added to each address of its family. */
class SourceBoundResolver implements grpc.experimental.Resolver {
  private inner: grpc.experimental.Resolver;

  constructor(target: grpc.experimental.GrpcUri, listener: grpc.experimental.ResolverListener, options: grpc.ChannelOptions) {
    const from = options[SOURCE_OPTION] as string | undefined;
    const family = from ? isIP(from) : 0;
    const bind = (r: Endpoints): Endpoints => (!r.ok || !from ? r : {
      ok: true,
      value: r.value.map((e) => ({
        ...e,
        addresses: e.addresses.map((a) => ('host' in a && isIP(a.host) === family ? { ...a, localAddress: from } : a)),
      })),
    });
    this.inner = grpc.experimental.createResolver({ scheme: 'dns', authority: undefined, path: target.path },
      (endpoints, attributes, serviceConfig, note) => listener(bind(endpoints), attributes, serviceConfig, note), options);
  }

  updateResolution(): void { this.inner.updateResolution(); }
  destroy(): void { this.inner.destroy(); }
  static getDefaultAuthority(target: grpc.experimental.GrpcUri): string { return target.path; }
}

grpc.experimental.registerResolver(SCHEME, SourceBoundResolver);
