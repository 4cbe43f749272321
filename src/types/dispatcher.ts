import type { NodeDescription, Task, TaskStatus } from './objects.js';
import type { NetworkView, NetworkViewDelta } from './network-view.js';
import type { EncryptionKey } from './network-keys.js';
import type { Config, Secret } from './secrets.js';

/**
 * The agent ↔ dispatcher protocol. In one process it is called directly; a
 * remote node uses the same calls over the cluster transport, so joining
 * nodes only changes how these are carried.
 */
export interface RegisterRequest {
  /** Set when the node has an identity already (restart, rejoin). */
  nodeId?: string;
  description: NodeDescription;
  /** Address the node is reachable at (advertise address). */
  addr?: string;
}

export interface RegisterResponse {
  nodeId: string;
  sessionId: string;
  heartbeatPeriodMs: number;
  /** Cluster addresses of the managers, so a worker can find the next leader. */
  managers?: string[];
}

/** The dispatcher's methods on the cluster port (gRPC, JSON messages). */
export const DISPATCHER_RPC = {
  register: '/tswarm.Dispatcher/Register',
  heartbeat: '/tswarm.Dispatcher/Heartbeat',
  assignments: '/tswarm.Dispatcher/Assignments',
  updateTaskStatus: '/tswarm.Dispatcher/UpdateTaskStatus',
  attachNetwork: '/tswarm.Dispatcher/AttachNetwork',
  detachNetwork: '/tswarm.Dispatcher/DetachNetwork',
} as const;

/**
 * `docker run --network <attachable overlay>` on a swarm node: the node asks
 * the managers for the container's address (swarmkit's AttachNetwork); the
 * network's view then comes in the node's assignment stream, as for tasks.
 */
export interface AttachNetworkRequest {
  sessionId: string;
  /** The network's ID, name or unique ID prefix. */
  network: string;
  containerId: string;
  aliases?: string[];
  /** The container's name (no leading slash): resolvable by DNS on the network, as Docker's. */
  name?: string;
}

export interface AttachNetworkResponse {
  attachmentId: string;
  networkId: string;
  /** The container's address in CIDR form (10.0.9.5/24). */
  address: string;
}

export interface DetachNetworkRequest { sessionId: string; attachmentId: string }

/** gRPC metadata key a follower manager sets on a refusal: where the leader is. */
export const LEADER_HINT = 'tswarm-leader';

export type AssignmentChange =
  | { action: 'update'; task: Task }
  | { action: 'remove'; taskId: string }
  /** The data plane of a network this node needs (see network-view.ts). */
  | { action: 'update'; network: NetworkView }
  | { action: 'remove'; networkId: string }
  /** What changed in a network's view since the version this node holds (network-view.ts; never in a complete set). */
  | { action: 'update'; networkDelta: NetworkViewDelta }
  /**
   * A secret or config a task on this node references (swarmkit's
   * dependencies): sent before the first such task, removed after the last
   * one ends. The agent keeps them in memory only.
   */
  | { action: 'update'; secret: Secret }
  | { action: 'remove'; secretId: string }
  | { action: 'update'; config: Config }
  | { action: 'remove'; configId: string }
  /**
   * The keys of encrypted overlays (all of the ring), sent before the first
   * view of an encrypted network this node needs and again on each rotation;
   * removed (null) after it no longer needs any. Kept in memory only.
   */
  | { action: 'update'; networkKeys: EncryptionKey[] }
  | { action: 'remove'; networkKeys: null };

export interface AssignmentsMessage {
  /** complete: the full set (replace what you have); incremental: changes. */
  type: 'complete' | 'incremental';
  changes: AssignmentChange[];
}

export interface TaskStatusUpdate {
  taskId: string;
  status: TaskStatus;
}

export interface AssignmentsHandler {
  onMessage(m: AssignmentsMessage): void;
  /** The session ended (manager gone, session expired): the agent re-registers. */
  onClose(err?: Error): void;
}

export interface HeartbeatResponse {
  periodMs: number;
  /** What the node should run as: manager while it is (or should become) a Raft member, else worker. */
  role?: 'manager' | 'worker';
  /** The node's certificate or trusted roots are not the swarm's current ones (a CA rotation): renew now. */
  renewCertificate?: boolean;
}

export interface DispatcherAPI {
  register(req: RegisterRequest): Promise<RegisterResponse>;
  /** Resolves with the period to wait before the next heartbeat; rejects if the session is invalid. */
  heartbeat(sessionId: string): Promise<HeartbeatResponse>;
  /** Streams the node's assignments: a complete set first, then incremental changes. */
  assignments(sessionId: string, handler: AssignmentsHandler): { close(): void };
  /** Batched task status reports from the agent. */
  updateTaskStatus(sessionId: string, updates: TaskStatusUpdate[]): Promise<void>;
  /** A plain container's address on an attachable network (the same container and network again: the same answer). */
  attachNetwork?(req: AttachNetworkRequest): Promise<AttachNetworkResponse>;
  /** Gives the container's address back (unknown attachments: nothing to do). */
  detachNetwork?(req: DetachNetworkRequest): Promise<void>;
}
