// What the dashboard's live stream carries: the Engine API's own objects,
// cut down to what the page shows (a task in full is ~2 KB; the page holds
// thousands). Shared by the server (live-views.ts) and the page (web/).
import type { Node, NodeAvailability, NodeRole, NodeState, Service, Task, TaskState, UpdateState } from '../types/objects.js';

export interface NodeView {
  ID: Node['ID'];
  /** Spec.Name, else the hostname. */
  Name: string;
  Hostname: string;
  Role: NodeRole;
  Availability: NodeAvailability;
  State: NodeState;
  Addr: string;
  /** Managers only: Raft leadership and reachability, as `node ls` shows them. */
  Leader?: boolean;
  Reachability?: string;
  NanoCPUs: number;
  MemoryBytes: number;
  EngineVersion: string;
}

export interface ServiceView {
  ID: Service['ID'];
  Name: string;
  Image: string;
  Mode: 'replicated' | 'global' | 'replicated-job' | 'global-job';
  /** Desired replicas of a replicated service (undefined for global). */
  Replicas?: number;
  UpdateState?: UpdateState;
  UpdateMessage?: string;
  /** "8080:80/tcp" per published port. */
  Ports: string[];
  UpdatedAt: string;
}

export interface TaskView {
  ID: Task['ID'];
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  State: TaskState;
  DesiredState: TaskState;
  Image: string;
  Err?: string;
  Timestamp?: string;
}

/** The node serving the page and what it lets the page do. */
export interface DashboardInfo {
  nodeId: string;
  hostname: string;
  /** False on a worker or outside a swarm: the page shows why. */
  manager: boolean;
  /** Why there is no cluster state to show (not a manager, locked, …). */
  message?: string;
  /** --web-actions: the page may scale services and drain nodes. */
  actions: boolean;
}

/** The first message of the live stream (and again after a resync): everything, current. */
export interface LiveSnapshot {
  kind: 'snapshot';
  info: DashboardInfo;
  nodes: NodeView[];
  services: ServiceView[];
  /** Current tasks only (desired or still running); a service's history is read from GET /tasks. */
  tasks: TaskView[];
}

/** What changed since the last message, coalesced (the latest of each object only). */
export interface LiveDelta {
  kind: 'delta';
  nodes: NodeView[];
  services: ServiceView[];
  tasks: TaskView[];
  removed: { nodes: string[]; services: string[]; tasks: string[] };
}

export type LiveMessage = LiveSnapshot | LiveDelta;

/** Request bodies of the two actions (only with --web-actions). */
export interface ScaleAction { service: string; replicas: number }
export interface AvailabilityAction { node: string; availability: NodeAvailability }
