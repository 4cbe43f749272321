// The request bodies of the Engine API as Go types: field names (the API's
// canonical spelling), the Go type each decodes into (Docker's error text
// names it), and, field by field, whether tswarm acts on it or refuses it.
// Read against docker-engine-api-v1.47.yaml and moby's api/types/swarm.

export type GoType =
  | { kind: 'string'; go: string }
  | { kind: 'int'; go: string; bits: 8 | 16 | 32 | 64; unsigned: boolean }
  | { kind: 'float'; go: 'float32' | 'float64' }
  | { kind: 'bool'; go: 'bool' }
  | { kind: 'slice'; go: string; of: Field }
  | { kind: 'map'; go: string; of: Field }
  | { kind: 'struct'; go: string; fields: Record<string, Field> }
  /** Anything goes (interface{}, or a subtree tswarm refuses as a whole). */
  | { kind: 'any'; go: string };

/**
 * A field: its type, whether Go holds it behind a pointer (null clears it;
 * on a plain value null changes nothing), and, when tswarm does not act on
 * it yet, the reason it is refused when set to anything but its zero value.
 * `goName`: the Go struct's JSON name where it differs from the API's
 * spelling (Docker's error messages use it).
 */
export type Field = GoType & { ptr?: boolean; refused?: string; allowed?: unknown[]; goName?: string };

const str = (go = 'string'): Field => ({ kind: 'string', go });
const int = (go: string, bits: 8 | 16 | 32 | 64, unsigned: boolean): Field => ({ kind: 'int', go, bits, unsigned });
const i64 = int('int64', 64, false);
const u64 = int('uint64', 64, true);
const u32 = int('uint32', 32, true);
const goInt = int('int', 64, false);
const duration = int('time.Duration', 64, false);
const fileMode = int('os.FileMode', 32, true);
const bool: Field = { kind: 'bool', go: 'bool' };
const f32: Field = { kind: 'float', go: 'float32' };
const list = (of: Field, go = `[]${of.go}`): Field => ({ kind: 'slice', go, of });
const strings = list(str());
const strMap: Field = { kind: 'map', go: 'map[string]string', of: str() };
const struct = (go: string, fields: Record<string, Field>): Field => ({ kind: 'struct', go, fields });
const any = (go: string): Field => ({ kind: 'any', go });
const ptr = (f: Field): Field => ({ ...f, ptr: true });
/** `allowed`: values that mean the same as unset (the CLI sends them by default). */
const refused = (f: Field, why: string, allowed?: unknown[]): Field => ({ ...f, refused: why, ...(allowed ? { allowed } : {}) });

const NOT_YET = (what: string) => `${what}: not supported by tswarm yet`;

const driver = struct('swarm.Driver', { Name: str(), Options: strMap });

const mount = struct('mount.Mount', {
  Type: str('mount.Type'),
  Source: str(),
  Target: str(),
  ReadOnly: bool,
  Consistency: refused(str('mount.Consistency'), NOT_YET('mount consistency')),
  BindOptions: ptr(struct('mount.BindOptions', {
    Propagation: str('mount.Propagation'),
    NonRecursive: bool,
    CreateMountpoint: refused(bool, NOT_YET('BindOptions.CreateMountpoint')),
    ReadOnlyNonRecursive: refused(bool, NOT_YET('BindOptions.ReadOnlyNonRecursive')),
    ReadOnlyForceRecursive: refused(bool, NOT_YET('BindOptions.ReadOnlyForceRecursive')),
  })),
  VolumeOptions: ptr(struct('mount.VolumeOptions', {
    NoCopy: bool,
    Labels: strMap,
    Subpath: refused(str(), NOT_YET('VolumeOptions.Subpath')),
    DriverConfig: ptr(driver),
  })),
  TmpfsOptions: ptr(struct('mount.TmpfsOptions', { SizeBytes: i64, Mode: fileMode })),
  ClusterOptions: refused(ptr(any('mount.ClusterOptions')), NOT_YET('cluster volumes')),
});

const healthConfig = struct('container.HealthConfig', {
  Test: strings, Interval: duration, Timeout: duration, StartPeriod: duration,
  StartInterval: refused(duration, NOT_YET('HealthCheck.StartInterval')), Retries: goInt,
});

const containerSpec = struct('swarm.ContainerSpec', {
  Image: str(),
  Labels: strMap,
  Command: strings,
  Args: strings,
  Hostname: str(),
  Env: strings,
  Dir: str(),
  User: str(),
  Groups: refused(strings, NOT_YET('ContainerSpec.Groups (--group)')),
  Privileges: refused(ptr(any('swarm.Privileges')), NOT_YET('ContainerSpec.Privileges (credential spec, SELinux, seccomp, AppArmor, no-new-privileges)')),
  Init: ptr(bool),
  StopSignal: str(),
  TTY: bool,
  OpenStdin: bool,
  ReadOnly: bool,
  Mounts: list(mount, '[]mount.Mount'),
  StopGracePeriod: ptr(duration),
  HealthCheck: { ...ptr(healthConfig), goName: 'Healthcheck' },
  Hosts: strings,
  DNSConfig: ptr(struct('swarm.DNSConfig', {
    Nameservers: strings,
    Search: refused(strings, NOT_YET('DNSConfig.Search (--dns-search)')),
    Options: refused(strings, NOT_YET('DNSConfig.Options (--dns-option)')),
  })),
  Secrets: list(ptr(struct('swarm.SecretReference', {
    File: ptr(struct('swarm.SecretReferenceFileTarget', { Name: str(), UID: str(), GID: str(), Mode: fileMode })),
    SecretID: str(), SecretName: str(),
  })), '[]*swarm.SecretReference'),
  Configs: list(ptr(struct('swarm.ConfigReference', {
    File: ptr(struct('swarm.ConfigReferenceFileTarget', { Name: str(), UID: str(), GID: str(), Mode: fileMode })),
    Runtime: refused(ptr(any('swarm.ConfigReferenceRuntimeTarget')), NOT_YET('configs as runtime targets (credential specs)')),
    ConfigID: str(), ConfigName: str(),
  })), '[]*swarm.ConfigReference'),
  Isolation: refused(str('container.Isolation'), NOT_YET('ContainerSpec.Isolation other than default'), ['default']),
  Sysctls: strMap,
  CapabilityAdd: strings,
  CapabilityDrop: strings,
  Ulimits: refused(list(any('units.Ulimit'), '[]*units.Ulimit'), NOT_YET('ContainerSpec.Ulimits (--ulimit)')),
  OomScoreAdj: refused(i64, NOT_YET('ContainerSpec.OomScoreAdj (--oom-score-adj)')),
});

const networkAttachment = struct('swarm.NetworkAttachmentConfig', {
  Target: str(), Aliases: strings, DriverOpts: refused(strMap, NOT_YET('network driver options per service (--network driver-opt=…)')),
});
const networks = (_where: string) => list(networkAttachment, '[]swarm.NetworkAttachmentConfig');

const resources = struct('swarm.Resources', {
  NanoCPUs: i64,
  MemoryBytes: i64,
  GenericResources: refused(list(any('swarm.GenericResource'), '[]swarm.GenericResource'), NOT_YET('generic resources')),
});

const taskSpec = struct('swarm.TaskSpec', {
  ContainerSpec: ptr(containerSpec),
  PluginSpec: refused(ptr(any('runtime.PluginSpec')), NOT_YET('plugin services (PluginSpec)')),
  NetworkAttachmentSpec: refused(ptr(any('swarm.NetworkAttachmentSpec')), NOT_YET('NetworkAttachmentSpec')),
  Resources: ptr(struct('swarm.ResourceRequirements', {
    Limits: ptr(struct('swarm.Limit', { NanoCPUs: i64, MemoryBytes: i64, Pids: i64 })),
    Reservations: ptr(resources),
  })),
  RestartPolicy: ptr(struct('swarm.RestartPolicy', {
    Condition: str('swarm.RestartPolicyCondition'),
    Delay: ptr(duration),
    MaxAttempts: ptr(u64),
    Window: ptr(duration),
  })),
  Placement: ptr(struct('swarm.Placement', {
    Constraints: strings,
    Preferences: list(struct('swarm.PlacementPreference', {
      Spread: ptr(struct('swarm.SpreadOver', { SpreadDescriptor: str() })),
    }), '[]swarm.PlacementPreference'),
    MaxReplicas: u64,
    Platforms: refused(list(any('swarm.Platform'), '[]swarm.Platform'), NOT_YET('placement by platform (Placement.Platforms)')),
  })),
  Networks: networks('TaskTemplate.Networks'),
  LogDriver: refused(ptr(driver), NOT_YET('a log driver per service (--log-driver)')),
  ForceUpdate: u64,
  Runtime: str('swarm.RuntimeType'),
});

const updateConfig = struct('swarm.UpdateConfig', {
  Parallelism: u64, Delay: duration, FailureAction: str(), Monitor: duration, MaxFailureRatio: f32, Order: str(),
});

export const serviceSpec = struct('swarm.ServiceSpec', {
  Name: str(),
  Labels: strMap,
  TaskTemplate: taskSpec,
  Mode: struct('swarm.ServiceMode', {
    Replicated: ptr(struct('swarm.ReplicatedService', { Replicas: ptr(u64) })),
    Global: ptr(struct('swarm.GlobalService', {})),
    ReplicatedJob: ptr(struct('swarm.ReplicatedJob', { MaxConcurrent: ptr(u64), TotalCompletions: ptr(u64) })),
    GlobalJob: ptr(struct('swarm.GlobalJob', {})),
  }),
  UpdateConfig: ptr(updateConfig),
  RollbackConfig: ptr(updateConfig),
  Networks: networks('Networks'),
  EndpointSpec: ptr(struct('swarm.EndpointSpec', {
    Mode: str('swarm.ResolutionMode'),
    Ports: list(struct('swarm.PortConfig', {
      Name: str(),
      Protocol: str('swarm.PortConfigProtocol'),
      TargetPort: u32,
      PublishedPort: u32,
      PublishMode: str('swarm.PortConfigPublishMode'),
    }), '[]swarm.PortConfig'),
  })),
});

export const nodeSpec = struct('swarm.NodeSpec', {
  Name: str(), Labels: strMap, Role: str('swarm.NodeRole'), Availability: str('swarm.NodeAvailability'),
});

export const swarmSpec = struct('swarm.Spec', {
  Name: str(),
  Labels: strMap,
  Orchestration: struct('swarm.OrchestrationConfig', { TaskHistoryRetentionLimit: ptr(i64) }),
  Raft: struct('swarm.RaftConfig', {
    SnapshotInterval: u64, KeepOldSnapshots: ptr(u64), LogEntriesForSlowFollowers: u64, ElectionTick: goInt, HeartbeatTick: goInt,
  }),
  Dispatcher: struct('swarm.DispatcherConfig', { HeartbeatPeriod: duration }),
  CAConfig: struct('swarm.CAConfig', {
    NodeCertExpiry: duration,
    ExternalCAs: refused(list(any('swarm.ExternalCA'), '[]*swarm.ExternalCA'), NOT_YET('external CAs (--external-ca)')),
    SigningCACert: str(),
    SigningCAKey: str(),
    ForceRotate: u64,
  }),
  TaskDefaults: struct('swarm.TaskDefaults', { LogDriver: refused(ptr(driver), NOT_YET('a default log driver for tasks')) }),
  EncryptionConfig: struct('swarm.EncryptionConfig', { AutoLockManagers: bool }),
});

export const swarmInitRequest = struct('swarm.InitRequest', {
  ListenAddr: str(),
  AdvertiseAddr: str(),
  DataPathAddr: refused(str(), NOT_YET('a separate data path address (--data-path-addr)')),
  DataPathPort: u32,
  ForceNewCluster: bool,
  Spec: swarmSpec,
  AutoLockManagers: bool,
  Availability: refused(str('swarm.NodeAvailability'), NOT_YET('--availability at swarm init'), ['active']),
  DefaultAddrPool: strings,
  SubnetSize: u32,
});

export const swarmJoinRequest = struct('swarm.JoinRequest', {
  ListenAddr: str(),
  AdvertiseAddr: str(),
  DataPathAddr: refused(str(), NOT_YET('a separate data path address (--data-path-addr)')),
  RemoteAddrs: strings,
  JoinToken: str(),
  Availability: refused(str('swarm.NodeAvailability'), NOT_YET('--availability at swarm join'), ['active']),
});

export const swarmUnlockRequest = struct('swarm.UnlockRequest', { UnlockKey: str() });

/** POST /secrets/create and /secrets/{id}/update (Data: base64, decoded by the control API). */
export const secretSpec = struct('swarm.SecretSpec', {
  Name: str(), Labels: strMap, Data: str('[]uint8'), Driver: ptr(driver), Templating: ptr(driver),
});

/** POST /configs/create and /configs/{id}/update. */
export const configSpec = struct('swarm.ConfigSpec', { Name: str(), Labels: strMap, Data: str('[]uint8'), Templating: ptr(driver) });

/** POST /networks/create (moby's types.NetworkCreateRequest); what tswarm does not act on is refused in controlapi/network-spec.ts. */
export const networkCreateRequest = struct('types.NetworkCreateRequest', {
  Name: str(),
  CheckDuplicate: bool,
  Driver: str(),
  Scope: str(),
  EnableIPv6: bool,
  IPAM: ptr(struct('network.IPAM', {
    Driver: str(),
    Options: strMap,
    Config: list(struct('network.IPAMConfig', { Subnet: str(), IPRange: str(), Gateway: str(), AuxiliaryAddresses: { ...strMap, goName: 'AuxAddress' } }), '[]network.IPAMConfig'),
  })),
  Internal: bool,
  Attachable: bool,
  Ingress: bool,
  ConfigOnly: bool,
  ConfigFrom: ptr(struct('network.ConfigReference', { Network: str() })),
  Options: strMap,
  Labels: strMap,
});

/** POST /networks/{id}/connect and /disconnect (moby's NetworkConnect / NetworkDisconnect). */
export const networkConnectRequest = struct('types.NetworkConnect', {
  Container: str(),
  EndpointConfig: ptr(any('network.EndpointSettings')),
  Force: bool,
});
