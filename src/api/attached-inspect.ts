import { createHash } from 'node:crypto';
import type { ContainerAttachments, PlannedNetwork } from '../agent/container-attachments.js';
import { endpointAliases } from '../agent/container-attachments.js';
import { GWBRIDGE } from '../executor/docker/container-config.js';
import { macFor } from '../network/overlay/names.js';

/**
 * What Docker 20.10 shows of a plain container on a swarm network, for the
 * containers tswarm attached (agent/container-attachments.ts): the engine
 * runs them on docker_gwbridge and knows nothing of the overlay, so its
 * inspect is rewritten: the overlay's endpoint under
 * NetworkSettings.Networks (the gateway bridge hidden, as Docker hides its
 * gateway endpoint), HostConfig.NetworkMode naming the overlay, and the
 * container listed under the network's Containers on its node.
 */

/** A stable endpoint ID per attachment (Docker's are 64 hex digits). */
export const endpointId = (attachmentId: string) => createHash('sha256').update(`tswarm-endpoint:${attachmentId}`).digest('hex');

interface EndpointSettings {
  IPAMConfig: { IPv4Address: string } | null;
  Links: null;
  Aliases: string[];
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  MacAddress: string;
  DriverOpts: null;
}

/** The endpoint of one swarm network (empty addresses while the container is not running, as Docker). */
function endpoint(containerId: string, n: PlannedNetwork): EndpointSettings {
  const [ip, prefix] = n.att ? n.att.address.split('/') : ['', '0'];
  return {
    IPAMConfig: ip ? { IPv4Address: ip } : null, Links: null, Aliases: endpointAliases(containerId, n.aliases),
    NetworkID: n.att?.networkId ?? '', EndpointID: n.att ? endpointId(n.att.attachmentId) : '',
    // Docker gives an overlay endpoint no gateway: the container's way out is docker_gwbridge.
    Gateway: '', IPAddress: ip, IPPrefixLen: Number(prefix), IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    MacAddress: ip ? macFor(ip) : '', DriverOpts: null,
  };
}

interface ContainerJson {
  Id: string;
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> | null };
}

/** The engine's inspect of an attached container, as Docker shows it. */
export function rewriteContainerInspect<T extends ContainerJson>(c: T, nets: readonly PlannedNetwork[]): T {
  if (!nets.length) return c;
  const networks: Record<string, unknown> = { ...(c.NetworkSettings?.Networks ?? {}) };
  delete networks[GWBRIDGE];
  for (const n of nets) networks[n.name] = endpoint(c.Id, n);
  const mode = c.HostConfig?.NetworkMode === GWBRIDGE ? nets[0].name : c.HostConfig?.NetworkMode;
  return {
    ...c,
    ...(c.HostConfig ? { HostConfig: { ...c.HostConfig, NetworkMode: mode } } : {}),
    NetworkSettings: { ...(c.NetworkSettings ?? {}), Networks: networks },
  };
}

export interface NetworkContainerEntry { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }

/** `network inspect`'s Containers: the attached containers of this node on that network, by container ID. */
export async function attachedContainersOn(att: ContainerAttachments, networkId: string,
  nameOf: (id: string) => Promise<string | undefined>): Promise<Record<string, NetworkContainerEntry>> {
  const out: Record<string, NetworkContainerEntry> = {};
  for (const { containerId, network } of att.attachedTo(networkId)) {
    const a = network.att!;
    out[containerId] = {
      Name: (await nameOf(containerId)) ?? '', EndpointID: endpointId(a.attachmentId),
      MacAddress: macFor(a.address.split('/')[0]), IPv4Address: a.address, IPv6Address: '',
    };
  }
  return out;
}
