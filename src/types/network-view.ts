/**
 * What a node needs to run the data plane of one swarm-scoped network, sent by
 * the dispatcher with the assignments (no gossip): the manager side
 * (manager/allocator, manager/dispatcher) produces it, the agent side
 * (agent/, network/) programs the host from it. A node receives the view of
 * every network that one of its assigned tasks (or attached containers) is
 * on, the ingress network only where it runs the kernel routing mesh (it
 * holds an ingress-sbox address), and what changed (a NetworkViewDelta)
 * whenever what the view says changes (not on updates of a service or
 * network that change none of it),
 * and a removal when it no longer needs the network. Within a network a node
 * gets all of it: every peer (FDB/neighbour entries: its tasks may reach any
 * address there) and every service (a task resolves every name on the
 * networks it shares, as Docker's resolver); never another network's.
 */
/** VXLAN's UDP port unless the swarm was made with another (`--data-path-port`), as Docker. */
export const DEFAULT_DATA_PATH_PORT = 4789;

export interface NetworkView {
  NetworkID: string;
  Name: string;
  /** VXLAN network identifier (4096 upward, as Docker). */
  VNI: number;
  /** CIDR, e.g. 10.0.9.0/24. */
  Subnet: string;
  /** Gateway address without prefix, e.g. 10.0.9.1. */
  Gateway: string;
  Ingress: boolean;
  Attachable: boolean;
  /** `--opt encrypted`: VXLAN between hosts carried in IPsec ESP (routing-mesh issue). */
  Encrypted: boolean;
  /**
   * `--opt com.docker.network.driver.mtu=N` as given: the underlay MTU the
   * overlay's devices and task interfaces are sized from (N minus VXLAN's 50
   * bytes, as Docker). Parsed on the node, as Docker's driver does there: a
   * bad value rejects the task with Docker's message.
   */
  MTU?: string;
  /** The swarm's data path port (`swarm init --data-path-port`): VXLAN's UDP port; absent: 4789. */
  DataPathPort?: number;
  /** Every node carrying this network, the receiving node included: its underlay address and the addresses of its tasks there. */
  Peers: NetworkPeer[];
  /** Every service attached to this network: for DNS answers and VIP backends. */
  Services: NetworkServiceView[];
  /** Plain containers attached to this network (`docker run --network`), for DNS: by name and aliases, as Docker's. */
  Containers?: NetworkContainerView[];
  /**
   * Which state of the network this is, as the dispatcher numbers them: a
   * NetworkViewDelta applies to exactly this version (absent in views made by hand).
   */
  Version?: number;
}

/**
 * What changed in a network's view since the version the node holds (the
 * dispatcher sends this instead of the whole view when it is smaller: one
 * task coming or going is one entry, not every task of the network again).
 * A node that holds another version (or none) applies nothing and asks for
 * whole views again (it reopens its assignments stream). Every list is
 * optional: absent means no change of that kind.
 */
export interface NetworkViewDelta {
  NetworkID: string;
  /** The version the receiver must hold. */
  BaseVersion: number;
  /** The version it holds after applying this. */
  Version: number;
  /** Peers new or changed: each with its underlay (and ingress) address as now and the task addresses added and removed behind it. */
  Peers?: NetworkPeerDelta[];
  /** NodeIDs of peers gone (with every address behind them). */
  RemovedPeers?: string[];
  /** Services new or changed: each with what it says besides its tasks as now, and the task entries added and removed. */
  Services?: NetworkServiceDelta[];
  RemovedServices?: string[];
  /** Containers new or changed (whole entries). */
  Containers?: NetworkContainerView[];
  /** ContainerIDs of containers gone. */
  RemovedContainers?: string[];
}

export interface NetworkPeerDelta {
  NodeID: string;
  Addr: string;
  /** As NetworkPeer.IngressAddr (absent: the peer has none now). */
  IngressAddr?: string;
  Added?: string[];
  Removed?: string[];
}

export type NetworkServiceDelta = Omit<NetworkServiceView, 'Tasks'> & {
  AddedTasks?: NetworkTaskView[];
  /** Entries gone, as they were (name and address). */
  RemovedTasks?: NetworkTaskView[];
};

export interface NetworkContainerView {
  ContainerID: string;
  /** The container's name, no leading slash ('' when unknown). */
  Name: string;
  /** `--network-alias` aliases and the short container ID, as Docker registers them. */
  Aliases: string[];
  NodeID: string;
  /** The container's address on this network, no prefix. */
  Addr: string;
}

export interface NetworkPeer {
  NodeID: string;
  /** The node's underlay IP (its advertise/data-path address, no port): the VXLAN remote. */
  Addr: string;
  /** Task addresses on this network behind that node, without prefix length. */
  Addresses: string[];
  /** Ingress network only: the node's own address on it (the routing mesh's entry, Docker's ingress-sbox), also in Addresses. */
  IngressAddr?: string;
}

export interface NetworkServiceView {
  ServiceID: string;
  /** The service's name (DNS: `<name>` and `tasks.<name>`). */
  Name: string;
  EndpointMode: 'vip' | 'dnsrr';
  /** The service's virtual IP on this network (no prefix); absent for dnsrr. */
  VIP?: string;
  /** `--network name=…,alias=…` aliases of the service on this network. */
  Aliases: string[];
  /** Tasks of the service with an address on this network that are running (and healthy when a health check exists). */
  Tasks: NetworkTaskView[];
  /** Ingress network only: the service's ingress-published ports (the routing mesh answers them on every node). */
  Ports?: IngressPort[];
  /** Ingress network only: label com.tswarm.mesh.keep-source-ip=true, the tasks see the client's address (no SNAT). */
  KeepSourceIP?: boolean;
}

export interface IngressPort {
  Protocol: 'tcp' | 'udp' | 'sctp';
  TargetPort: number;
  PublishedPort: number;
}

export interface NetworkTaskView {
  /** Not sent by the managers: no agent reads it (the ID ends the task's Name); views made by hand may carry it. */
  TaskID?: string;
  /**
   * `<service>.<slot>.<task id>` (global: `<service>.<node id>.<task id>`): resolvable by name as in Docker.
   * Absent in the ingress network's view: no name resolves there, the routing mesh needs the address alone.
   */
  Name?: string;
  /** Not sent by the managers, as TaskID (the peers say which node carries which address). */
  NodeID?: string;
  /** The task's address on this network, no prefix. */
  Addr: string;
}

/**
 * A task's attachment to a network, as Docker's Task.NetworksAttachments:
 * the network object and the task's addresses in CIDR form (10.0.9.5/24).
 */
export interface NetworkAttachment {
  Network: { ID: string; Spec: { Name: string; Labels?: Record<string, string>; DriverConfiguration?: { Name?: string; Options?: Record<string, string> } }; [k: string]: unknown };
  Addresses: string[];
  Aliases?: string[];
}
