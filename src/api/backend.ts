import type { HostFacts } from '../executor/host-facts.js';
import type { ControlAPI } from '../manager/controlapi/api.js';
import type { LogLine, LogOptions } from '../executor/executor.js';
import type { SwarmSpec, Task } from '../types/objects.js';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';
import type { EventRing } from '../manager/events/event-ring.js';
import type { LogSelector } from '../types/logbroker.js';
import type { ContainerAttachments } from '../agent/container-attachments.js';
import type { NetworkView } from '../types/network-view.js';

export interface SwarmInitRequest {
  ListenAddr?: string;
  AdvertiseAddr?: string;
  DataPathAddr?: string;
  DataPathPort?: number;
  DefaultAddrPool?: string[];
  SubnetSize?: number;
  ForceNewCluster?: boolean;
  Spec?: SwarmSpec;
  /** `swarm init --autolock`: the swarm starts locked (an unlock key from the start). */
  AutoLockManagers?: boolean;
}

export interface SwarmJoinRequest {
  ListenAddr?: string;
  AdvertiseAddr?: string;
  DataPathAddr?: string;
  RemoteAddrs: string[];
  JoinToken: string;
}

/** The `Swarm` section of GET /info, as Docker fills it. */
export interface SwarmInfo {
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers: { NodeID: string; Addr: string }[] | null;
  Nodes?: number;
  Managers?: number;
  Cluster?: unknown;
}

/** A task's log lines, tagged with the task (its node and service) so service logs can prefix them. */
export interface TaskLogLine extends LogLine { task: Pick<Task, 'ID' | 'ServiceID' | 'NodeID'> }

/**
 * What the Engine API server needs from the daemon: swarm membership, the
 * control API when this node is a manager, logs, and the engine to forward
 * the endpoints tswarm does not own.
 */
export interface DaemonBackend {
  /** Engine-ish facts for /info and /version. */
  hostname(): string;
  executorName(): string;
  /** Containers, images and machine facts of the node, from its executor. */
  hostFacts(): Promise<HostFacts>;
  swarmInfo(): SwarmInfo;
  init(req: SwarmInitRequest): Promise<string>;
  join(req: SwarmJoinRequest): Promise<void>;
  leave(force: boolean): Promise<void>;
  /**
   * On a manager that does not lead: sends a cluster write to the leader,
   * which runs it (or fails with "no leader"). Undefined when this node runs it.
   */
  leaderForwarder?(): ((w: ForwardedWrite) => Promise<ForwardedReply>) | undefined;
  /** Resolves once this manager's store holds every write committed before the call (fails without a quorum). */
  readBarrier?(): Promise<void>;
  /** The control API; throws ApiError 503 (not a manager / no swarm) otherwise. */
  control(): ControlAPI;
  /** `swarm unlock` of a manager that restarted locked. */
  unlock(key: string): Promise<void>;
  /** Log lines of the selected tasks, from every node that runs them (the leader's log broker). */
  taskLogs(selector: LogSelector, opts: LogOptions): AsyncIterable<TaskLogLine>;
  /** This manager's swarm events (undefined on a worker or outside a swarm). */
  swarmEvents?(): EventRing | undefined;
  /** unix socket path of the local Docker engine to forward to, if any. */
  engineSocket(): string | undefined;
  /** The engine's plain containers on swarm networks (a swarm node with the docker executor). */
  containerNetworks?(): ContainerAttachments | undefined;
  /** The swarm networks this node has now (their views from the managers). */
  nodeNetworkViews?(): NetworkView[];
}
