import type { Labels, Meta } from './objects.js';

// Swarm-scoped networks as the Engine API's swarm types spell them (moby's
// api/types/swarm Network): the shape stored, and the one Task.NetworksAttachments carries.

export interface DriverSpec { Name?: string; Options?: Record<string, string> }

export interface IPAMConfig { Subnet?: string; Range?: string; Gateway?: string }

export interface NetworkSpec {
  Name: string;
  Labels?: Labels;
  DriverConfiguration?: DriverSpec;
  IPv6Enabled?: boolean;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  IPAMOptions?: { Driver?: DriverSpec; Configs?: IPAMConfig[] };
  ConfigFrom?: { Network: string };
  Scope?: string;
}

export interface Network extends Meta {
  Spec: NetworkSpec;
  /** The overlay driver's state: its VXLAN ID under VXLAN_OPTION. */
  DriverState?: DriverSpec;
  /** What IPAM allocated: one subnet and its gateway. */
  IPAMOptions?: { Driver?: DriverSpec; Configs?: IPAMConfig[] };
}

/** The overlay driver's option naming a network's VXLAN IDs (Docker's). */
export const VXLAN_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';

/**
 * A plain container's address on an attachable network (`docker run
 * --network <overlay>` on a swarm host): swarmkit's network attachment task,
 * kept in a table of its own so the orchestrators never see a task without a service.
 */
export interface NetworkAttachmentRecord extends Meta {
  NodeID: string;
  ContainerID: string;
  NetworkID: string;
  Aliases?: string[];
  /** The container's name, for DNS (absent from nodes of an older version). */
  ContainerName?: string;
  /** CIDR form (10.0.9.5/24), once allocated. */
  Addresses: string[];
}

/**
 * Each host's own address on the ingress network (Docker's "ingress-sbox"):
 * the routing mesh's entry point on that host, from which connections to a
 * published port go to the tasks (local ones over the host's ingress bridge,
 * remote ones over the VXLAN) with this address as their source. Kept as a
 * record of the netattachments table under this container name, so the
 * address is in the store (a new leader never hands it out twice), the
 * ingress network's view reaches every host, and its peers carry it.
 */
export const INGRESS_SBOX = 'ingress-sbox';

/** Whether a netattachments record is a host's ingress-sbox (not a container's attachment). */
export const isIngressSbox = (a: Pick<NetworkAttachmentRecord, 'ContainerID'>) => a.ContainerID === INGRESS_SBOX;

/** POST /networks/create, as Docker's NetworkCreateRequest. */
export interface NetworkCreateRequest {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string };
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[]; Options?: Record<string, string> };
  Options?: Record<string, string>;
  Labels?: Labels;
}

/** GET /networks/{id}, as Docker's NetworkResource. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: { Subnet?: string; IPRange?: string; Gateway?: string }[] | null };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, unknown> | null;
  Options: Record<string, string> | null;
  Labels: Labels | null;
  Peers?: { Name: string; IP: string }[];
  Services?: Record<string, unknown>;
}
