import type { Cluster, Node, NodeSpec, Service, ServiceSpec, SwarmSpec, Task } from '../../types/objects.js';
import type { Config, ConfigSpec, Secret, SecretSpec } from '../../types/secrets.js';
import type { Network, NetworkCreateRequest, NetworkResource } from '../../types/network.js';

/** Docker's filters, normalized: `{"name":{"web":true}}` and `{"name":["web"]}` both become `{name:["web"]}`. */
export type Filters = Record<string, string[]>;

export interface ServiceUpdateOptions {
  /** 'previous' rolls back to PreviousSpec (`?rollback=previous`). */
  rollback?: 'previous';
}

/**
 * The manager's control surface, as the Engine API server uses it. The only
 * writer of specs: validation, defaults and Docker's error text live behind
 * it. Errors are thrown as ApiError (status + Docker's message).
 */
export interface ControlAPI {
  // services
  createService(spec: ServiceSpec): Promise<{ ID: string; Warnings?: string[] }>;
  /** By full ID, name, or unique ID prefix (Docker's lookup order). */
  getService(ref: string, opts?: { insertDefaults?: boolean }): Service;
  listServices(filters: Filters, opts?: { status?: boolean }): Service[];
  updateService(ref: string, version: number, spec: ServiceSpec, opts?: ServiceUpdateOptions): Promise<{ Warnings?: string[] }>;
  removeService(ref: string): Promise<void>;

  // tasks
  getTask(ref: string): Task;
  listTasks(filters: Filters): Task[];

  // nodes
  getNode(ref: string): Node;
  listNodes(filters: Filters): Node[];
  updateNode(ref: string, version: number, spec: NodeSpec): Promise<void>;
  removeNode(ref: string, force: boolean): Promise<void>;

  // cluster (secrets — the root CA key, the unlock key — never leave through these)
  getCluster(): Cluster;
  /** The autolock key, '' when autolock is off (`swarm unlock-key`). */
  getUnlockKey(): string;
  updateCluster(version: number, spec: SwarmSpec, flags: {
    rotateWorkerToken?: boolean; rotateManagerToken?: boolean; rotateManagerUnlockKey?: boolean;
  }): Promise<void>;

  // secrets (their payload never leaves through these) and configs
  createSecret(spec: SecretSpec): Promise<{ ID: string }>;
  getSecret(ref: string): Secret;
  listSecrets(filters: Filters): Secret[];
  updateSecret(ref: string, version: number, spec: SecretSpec): Promise<void>;
  removeSecret(ref: string): Promise<void>;
  createConfig(spec: ConfigSpec): Promise<{ ID: string }>;
  getConfig(ref: string): Config;
  listConfigs(filters: Filters): Config[];
  updateConfig(ref: string, version: number, spec: ConfigSpec): Promise<void>;
  removeConfig(ref: string): Promise<void>;
  // networks (swarm-scoped; the engine's local ones are the engine's)
  /** `localNames`: this node's engine networks, whose names are taken too. */
  createNetwork(req: NetworkCreateRequest, localNames?: string[]): Promise<{ Id: string; Warning: string }>;
  /** The swarm network by full ID, name or unique ID prefix; undefined when none matches. */
  findNetwork(ref: string): Network | undefined;
  listNetworks(filters: Filters): NetworkResource[];
  inspectNetwork(ref: string, verbose: boolean): NetworkResource;
  removeNetwork(ref: string): Promise<void>;
  /** Networks `network prune` would remove (unused, not ingress). */
  unusedNetworks(filters: Filters): Network[];

  // secrets, configs: not yet (the routes refuse them with a clear error).
}
