import type { NodeDescription, Task } from '../types/objects.js';
import type { HostFacts } from './host-facts.js';

/** Where a task's published/target port can be reached from the node (for the proxy). */
export interface TaskEndpoint {
  TargetPort: number;
  Protocol: 'tcp' | 'udp' | 'sctp';
  /** host:port reachable from this node (container IP + target port, or host port). */
  Addr: string;
}

export interface RuntimeStatus {
  /** The container (docker), pid-based id (process) or sim id. */
  containerId: string;
  running: boolean;
  exitCode?: number;
  pid?: number;
  /** Set when the runtime failed to start or the task died of an error, not an exit code. */
  error?: string;
  /** Host-mode published ports actually bound, as PortStatus reports them. */
  hostPorts?: { Protocol: 'tcp' | 'udp' | 'sctp'; TargetPort: number; PublishedPort: number; PublishMode: 'host' }[];
  endpoints?: TaskEndpoint[];
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 nano timestamp. */
  timestamp: string;
  /** The line without its trailing newline. */
  line: string;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number; // undefined = all
  since?: number; // ms epoch
  until?: number; // ms epoch
  stdout?: boolean;
  stderr?: boolean;
  signal?: AbortSignal;
}

/**
 * A task's health per its health check (Docker's container health): it
 * starts 'starting', becomes 'healthy' once a check passes, 'unhealthy'
 * after Retries failures in a row (failures within StartPeriod not counted).
 */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** A task the runtime still knows (for adoption after the agent restarts). */
export interface RuntimeTask {
  taskId: string;
  containerId: string;
  running: boolean;
}

/**
 * Runs tasks on one node: prepare → start → wait → shutdown(grace) → remove,
 * plus inspect, logs and list. Every method takes the task so the executor can
 * find its runtime object by task ID (labels for docker, a state dir for process).
 * Errors are thrown as Error with a message the agent puts in Task.Status.Err.
 */
export interface Executor {
  readonly name: 'docker' | 'process' | 'sim';
  /** Hostname, platform, resources and engine info of this node. */
  describe(): Promise<NodeDescription>;
  /** Creates the runtime object (container) without starting it; idempotent. */
  prepare(task: Task): Promise<void>;
  start(task: Task): Promise<void>;
  /** Resolves with the exit status once the task stops (or is already stopped). */
  wait(task: Task, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }>;
  inspect(task: Task): Promise<RuntimeStatus | undefined>;
  /** Stops with the task's stop signal, then kills after graceMs. Idempotent. */
  shutdown(task: Task, graceMs: number): Promise<void>;
  /** Removes the runtime object; idempotent. */
  remove(task: Task): Promise<void>;
  logs(task: Task, opts: LogOptions): AsyncIterable<LogLine>;
  /** Every task this executor has a runtime object for (labels / state dir). */
  list(): Promise<RuntimeTask[]>;
  /** Containers, images and machine facts for `docker info` (the engine's own, for docker); else the machine's, tasks as containers. */
  hostFacts?(): Promise<HostFacts>;
  /** The path of the task's network namespace once it exists (overlay attach), else undefined. */
  networkNamespace?(task: Task): Promise<string | undefined>;
  /** The task's health, or undefined when it has no health check (the agent then reports RUNNING at start). */
  health?(task: Task): Promise<HealthStatus | undefined>;
  close?(): Promise<void>;
}
