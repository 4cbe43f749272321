// The Engine API's swarm object shapes: one model from the wire to the store.
// Field names follow docker-engine-api-v1.47.yaml exactly (PascalCase).
import type { EncryptionKey } from './network-keys.js';

/** Where a referenced secret or config appears in the task: a file with owner and mode. */
export interface FileTarget { Name?: string; UID?: string; GID?: string; Mode?: number }

export interface SecretReference { File?: FileTarget; SecretID?: string; SecretName?: string }
export interface ConfigReference { File?: FileTarget; Runtime?: Record<string, never>; ConfigID?: string; ConfigName?: string }

export interface ObjectVersion { Index: number }

export type Labels = Record<string, string>;

export interface Meta {
  ID: string;
  Version: ObjectVersion;
  CreatedAt: string;
  UpdatedAt: string;
}

// ---------- Node ----------
export type NodeRole = 'worker' | 'manager';
export type NodeAvailability = 'active' | 'pause' | 'drain';
export type NodeState = 'unknown' | 'down' | 'ready' | 'disconnected';

export interface NodeSpec {
  Name?: string;
  Labels?: Labels;
  Role?: NodeRole;
  Availability?: NodeAvailability;
}

export interface Platform { Architecture?: string; OS?: string }

export interface ResourceObject {
  NanoCPUs?: number;
  MemoryBytes?: number;
  GenericResources?: unknown[];
}

export interface NodeDescription {
  Hostname?: string;
  Platform?: Platform;
  Resources?: ResourceObject;
  Engine?: { EngineVersion?: string; Labels?: Labels; Plugins?: { Type: string; Name: string }[] };
  TLSInfo?: { TrustRoot?: string; CertIssuerSubject?: string; CertIssuerPublicKey?: string };
}

export interface NodeStatus { State: NodeState; Message?: string; Addr?: string }

export interface ManagerStatus {
  Leader?: boolean;
  Reachability: 'unknown' | 'unreachable' | 'reachable';
  Addr: string;
}

export interface Node extends Meta {
  Spec: NodeSpec;
  Description: NodeDescription;
  Status: NodeStatus;
  ManagerStatus?: ManagerStatus;
}

// ---------- Service / Task specs ----------
export interface Mount {
  Target?: string;
  Source?: string;
  Type?: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster';
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Labels; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

export interface ContainerSpec {
  Image?: string;
  Labels?: Labels;
  Command?: string[];
  Args?: string[];
  Hostname?: string;
  Env?: string[];
  Dir?: string;
  User?: string;
  Groups?: string[];
  TTY?: boolean;
  OpenStdin?: boolean;
  ReadOnly?: boolean;
  Mounts?: Mount[];
  StopSignal?: string;
  StopGracePeriod?: number; // nanoseconds
  HealthCheck?: HealthConfig;
  Hosts?: string[];
  DNSConfig?: { Nameservers?: string[]; Search?: string[]; Options?: string[] };
  Secrets?: SecretReference[];
  Configs?: ConfigReference[];
  Isolation?: string;
  Init?: boolean | null;
  Sysctls?: Record<string, string>;
  CapabilityAdd?: string[];
  CapabilityDrop?: string[];
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  Privileges?: unknown;
}

export interface RestartPolicy {
  Condition?: 'none' | 'on-failure' | 'any';
  Delay?: number;       // nanoseconds
  MaxAttempts?: number; // 0 = unlimited
  Window?: number;      // nanoseconds
}

export interface Placement {
  Constraints?: string[];
  Preferences?: { Spread?: { SpreadDescriptor: string } }[];
  MaxReplicas?: number;
  Platforms?: Platform[];
}

export interface TaskSpec {
  PluginSpec?: unknown;
  ContainerSpec?: ContainerSpec;
  NetworkAttachmentSpec?: { ContainerID: string };
  Resources?: { Limits?: ResourceObject & { Pids?: number }; Reservations?: ResourceObject };
  RestartPolicy?: RestartPolicy;
  Placement?: Placement;
  ForceUpdate?: number;
  Runtime?: string;
  Networks?: { Target: string; Aliases?: string[]; DriverOpts?: Record<string, string> }[];
  LogDriver?: { Name?: string; Options?: Record<string, string> };
}

export interface ServiceMode {
  Replicated?: { Replicas?: number };
  Global?: Record<string, never>;
  ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
  GlobalJob?: Record<string, never>;
}

export interface UpdateConfig {
  Parallelism?: number;
  Delay?: number; // nanoseconds
  FailureAction?: 'continue' | 'pause' | 'rollback';
  Monitor?: number; // nanoseconds
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

export interface PortConfig {
  Name?: string;
  Protocol?: 'tcp' | 'udp' | 'sctp';
  TargetPort?: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

export interface EndpointSpec {
  Mode?: 'vip' | 'dnsrr';
  Ports?: PortConfig[];
}

export interface ServiceSpec {
  Name?: string;
  Labels?: Labels;
  TaskTemplate?: TaskSpec;
  Mode?: ServiceMode;
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  Networks?: { Target: string; Aliases?: string[] }[];
  EndpointSpec?: EndpointSpec;
}

export type UpdateState =
  | 'updating' | 'paused' | 'completed'
  | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

export interface UpdateStatus {
  State?: UpdateState;
  StartedAt?: string;
  CompletedAt?: string;
  Message?: string;
}

export interface Endpoint {
  Spec?: EndpointSpec;
  Ports?: PortConfig[];
  VirtualIPs?: { NetworkID: string; Addr: string }[];
}

export interface Service extends Meta {
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  Endpoint?: Endpoint;
  UpdateStatus?: UpdateStatus;
  ServiceStatus?: { RunningTasks: number; DesiredTasks: number; CompletedTasks: number };
  /** Jobs only; JobIteration is {} for the first run (Go omits a zero Index), as Docker shows it. */
  JobStatus?: { JobIteration: { Index?: number }; LastExecution?: string };
}

// ---------- Task ----------
export const TASK_STATES = [
  'new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready',
  'starting', 'running', 'complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned',
] as const;
export type TaskState = typeof TASK_STATES[number];

/** Order of task states: a task's state never moves backwards. */
export function taskStateRank(s: TaskState): number {
  return STATE_RANK.get(s) ?? -1;
}
const STATE_RANK = new Map<string, number>(TASK_STATES.map((s, i) => [s, i]));

/** States at or past which a task is finished (it will not run again). */
export function isTerminal(s: TaskState): boolean {
  return taskStateRank(s) > taskStateRank('running');
}

export interface ContainerStatus { ContainerID?: string; PID?: number; ExitCode?: number }

export interface TaskStatus {
  Timestamp?: string;
  State: TaskState;
  Message?: string;
  Err?: string;
  ContainerStatus?: ContainerStatus;
  PortStatus?: { Ports?: PortConfig[] };
  /** tswarm: where each target port of the task is reachable (for the ingress proxy). */
  Endpoints?: { TargetPort: number; Protocol: 'tcp' | 'udp' | 'sctp'; Addr: string }[];
}

export interface Task extends Meta {
  Name?: string;
  Labels?: Labels;
  Spec: TaskSpec;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  AssignedGenericResources?: unknown[];
  Status: TaskStatus;
  DesiredState: TaskState;
  NetworksAttachments?: unknown[];
  JobIteration?: { Index?: number };
  /** The service's name and labels at task creation (swarmkit's ServiceAnnotations). */
  ServiceAnnotations?: { Name?: string; Labels?: Labels };
  /** The service's endpoint (published ports) as allocated for this task. */
  Endpoint?: Endpoint;
  /** tswarm: the service's version whose spec this task runs (for the updater). */
  SpecVersion?: ObjectVersion;
}

// ---------- Cluster (swarm) ----------
export interface SwarmSpec {
  Name?: string;
  Labels?: Labels;
  Orchestration?: { TaskHistoryRetentionLimit?: number };
  Raft?: {
    SnapshotInterval?: number;
    KeepOldSnapshots?: number;
    LogEntriesForSlowFollowers?: number;
    ElectionTick?: number;
    HeartbeatTick?: number;
  };
  Dispatcher?: { HeartbeatPeriod?: number };
  CAConfig?: {
    NodeCertExpiry?: number;
    ExternalCAs?: { Protocol: string; URL: string; Options?: Record<string, string>; CACert?: string }[];
    SigningCACert?: string;
    SigningCAKey?: string;
    ForceRotate?: number;
  };
  EncryptionConfig?: { AutoLockManagers?: boolean };
  TaskDefaults?: { LogDriver?: { Name?: string; Options?: Record<string, string> } };
}

export interface JoinTokens { Worker: string; Manager: string }

export interface Cluster extends Meta {
  Spec: SwarmSpec;
  TLSInfo?: { TrustRoot?: string; CertIssuerSubject?: string; CertIssuerPublicKey?: string };
  RootRotationInProgress: boolean;
  DefaultAddrPool: string[];
  SubnetSize: number;
  DataPathPort: number;
  JoinTokens: JoinTokens;
  /** tswarm: hex SHA-256 of the root CA, which the join tokens carry. */
  RootDigest?: string;
  /** tswarm: the autolock key (SWMKEY-1-…) while autolock is on (never shown by GET /swarm). */
  UnlockKey?: string;
  /** tswarm: the CA's certificate and key (never shown by the API). */
  RootCA?: ClusterRootCA;
  /**
   * tswarm: nodes removed from the swarm (swarmkit's BlacklistedCertificates),
   * node ID -> when the last certificate it could hold expires; every
   * cluster-port call with their certificates is refused until then.
   * Never shown by the API.
   */
  RemovedNodes?: Record<string, { Expiry: string }>;
  /** tswarm: the keys of encrypted overlays (swarmkit's NetworkBootstrapKeys; never shown by the API). */
  NetworkBootstrapKeys?: EncryptionKey[];
  /** tswarm: the last LamportTime handed to a key (swarmkit's EncryptionKeyLamportClock). */
  EncryptionKeyLamportClock?: number;
}

/** The swarm's CA as the store keeps it. */
export interface ClusterRootCA {
  CACert: string;
  CAKey: string;
  /** During `swarm ca --rotate`: the next root, and it signed by the current one. */
  RootRotation?: { CACert: string; CAKey: string; CrossSignedCACert: string };
}
