/**
 * The Engine API structs the docker CLI (28.2) decodes swarm objects into,
 * as declared in github.com/docker/docker/api/types: field order, types and
 * json tags decide what templates see, how values print and how {{json}}
 * encodes them.
 */
import { TypeRegistry } from './schema.js';
import { T, type GoType } from './types.js';
import { str } from './values.js';

export const registry = new TypeRegistry().declare(`
package fs
type FileMode uint32

package v1
type HealthcheckConfig struct {
  Test []string \`json:",omitempty"\`
  Interval time.Duration \`json:",omitempty"\`
  Timeout time.Duration \`json:",omitempty"\`
  StartPeriod time.Duration \`json:",omitempty"\`
  StartInterval time.Duration \`json:",omitempty"\`
  Retries int \`json:",omitempty"\`
}

package units
type Ulimit struct {
  Name string
  Hard int64
  Soft int64
}

package container
type HealthConfig = v1.HealthcheckConfig
type Isolation string
type Ulimit = units.Ulimit

package mount
type Type string
type Propagation string
type Consistency string
type Mount struct {
  Type Type \`json:",omitempty"\`
  Source string \`json:",omitempty"\`
  Target string \`json:",omitempty"\`
  ReadOnly bool \`json:",omitempty"\`
  Consistency Consistency \`json:",omitempty"\`
  BindOptions *BindOptions \`json:",omitempty"\`
  VolumeOptions *VolumeOptions \`json:",omitempty"\`
  ImageOptions *ImageOptions \`json:",omitempty"\`
  TmpfsOptions *TmpfsOptions \`json:",omitempty"\`
  ClusterOptions *ClusterOptions \`json:",omitempty"\`
}
type BindOptions struct {
  Propagation Propagation \`json:",omitempty"\`
  NonRecursive bool \`json:",omitempty"\`
  CreateMountpoint bool \`json:",omitempty"\`
  ReadOnlyNonRecursive bool \`json:",omitempty"\`
  ReadOnlyForceRecursive bool \`json:",omitempty"\`
}
type VolumeOptions struct {
  NoCopy bool \`json:",omitempty"\`
  Labels map[string]string \`json:",omitempty"\`
  Subpath string \`json:",omitempty"\`
  DriverConfig *Driver \`json:",omitempty"\`
}
type ImageOptions struct {
  Subpath string \`json:",omitempty"\`
}
type Driver struct {
  Name string \`json:",omitempty"\`
  Options map[string]string \`json:",omitempty"\`
}
type TmpfsOptions struct {
  SizeBytes int64 \`json:",omitempty"\`
  Mode fs.FileMode \`json:",omitempty"\`
  Options [][]string \`json:",omitempty"\`
}
type ClusterOptions struct {}

package network
type ConfigReference struct {
  Network string
}

package runtime
type PluginSpec struct {
  Name string \`json:"name,omitempty"\`
  Remote string \`json:"remote,omitempty"\`
  Privileges []*PluginPrivilege \`json:"privileges,omitempty"\`
  Disabled bool \`json:"disabled,omitempty"\`
  Env []string \`json:"env,omitempty"\`
}
type PluginPrivilege struct {
  Name string \`json:"name,omitempty"\`
  Description string \`json:"description,omitempty"\`
  Value []string \`json:"value,omitempty"\`
}

package swarm
type Version struct {
  Index uint64 \`json:",omitempty"\`
}
type Meta struct {
  Version Version \`json:",omitempty"\`
  CreatedAt time.Time \`json:",omitempty"\`
  UpdatedAt time.Time \`json:",omitempty"\`
}
type Annotations struct {
  Name string \`json:",omitempty"\`
  Labels map[string]string \`json:"Labels"\`
}
type Driver struct {
  Name string \`json:",omitempty"\`
  Options map[string]string \`json:",omitempty"\`
}
type TLSInfo struct {
  TrustRoot string \`json:",omitempty"\`
  CertIssuerSubject []byte \`json:",omitempty"\`
  CertIssuerPublicKey []byte \`json:",omitempty"\`
}

type Service struct {
  ID string
  Meta
  Spec ServiceSpec \`json:",omitempty"\`
  PreviousSpec *ServiceSpec \`json:",omitempty"\`
  Endpoint Endpoint \`json:",omitempty"\`
  UpdateStatus *UpdateStatus \`json:",omitempty"\`
  ServiceStatus *ServiceStatus \`json:",omitempty"\`
  JobStatus *JobStatus \`json:",omitempty"\`
}
type ServiceSpec struct {
  Annotations
  TaskTemplate TaskSpec \`json:",omitempty"\`
  Mode ServiceMode \`json:",omitempty"\`
  UpdateConfig *UpdateConfig \`json:",omitempty"\`
  RollbackConfig *UpdateConfig \`json:",omitempty"\`
  Networks []NetworkAttachmentConfig \`json:",omitempty"\`
  EndpointSpec *EndpointSpec \`json:",omitempty"\`
}
type ServiceMode struct {
  Replicated *ReplicatedService \`json:",omitempty"\`
  Global *GlobalService \`json:",omitempty"\`
  ReplicatedJob *ReplicatedJob \`json:",omitempty"\`
  GlobalJob *GlobalJob \`json:",omitempty"\`
}
type UpdateState string
type UpdateStatus struct {
  State UpdateState \`json:",omitempty"\`
  StartedAt *time.Time \`json:",omitempty"\`
  CompletedAt *time.Time \`json:",omitempty"\`
  Message string \`json:",omitempty"\`
}
type ReplicatedService struct {
  Replicas *uint64 \`json:",omitempty"\`
}
type GlobalService struct {}
type ReplicatedJob struct {
  MaxConcurrent *uint64 \`json:",omitempty"\`
  TotalCompletions *uint64 \`json:",omitempty"\`
}
type GlobalJob struct {}
type UpdateConfig struct {
  Parallelism uint64
  Delay time.Duration \`json:",omitempty"\`
  FailureAction string \`json:",omitempty"\`
  Monitor time.Duration \`json:",omitempty"\`
  MaxFailureRatio float32
  Order string
}
type ServiceStatus struct {
  RunningTasks uint64
  DesiredTasks uint64
  CompletedTasks uint64
}
type JobStatus struct {
  JobIteration Version
  LastExecution time.Time \`json:",omitempty"\`
}

type TaskState string
type Task struct {
  ID string
  Meta
  Annotations
  Spec TaskSpec \`json:",omitempty"\`
  ServiceID string \`json:",omitempty"\`
  Slot int \`json:",omitempty"\`
  NodeID string \`json:",omitempty"\`
  Status TaskStatus \`json:",omitempty"\`
  DesiredState TaskState \`json:",omitempty"\`
  NetworksAttachments []NetworkAttachment \`json:",omitempty"\`
  GenericResources []GenericResource \`json:",omitempty"\`
  JobIteration *Version \`json:",omitempty"\`
  Volumes []VolumeAttachment
}
type TaskSpec struct {
  ContainerSpec *ContainerSpec \`json:",omitempty"\`
  PluginSpec *runtime.PluginSpec \`json:",omitempty"\`
  NetworkAttachmentSpec *NetworkAttachmentSpec \`json:",omitempty"\`
  Resources *ResourceRequirements \`json:",omitempty"\`
  RestartPolicy *RestartPolicy \`json:",omitempty"\`
  Placement *Placement \`json:",omitempty"\`
  Networks []NetworkAttachmentConfig \`json:",omitempty"\`
  LogDriver *Driver \`json:",omitempty"\`
  ForceUpdate uint64
  Runtime RuntimeType \`json:",omitempty"\`
}
type Resources struct {
  NanoCPUs int64 \`json:",omitempty"\`
  MemoryBytes int64 \`json:",omitempty"\`
  GenericResources []GenericResource \`json:",omitempty"\`
}
type Limit struct {
  NanoCPUs int64 \`json:",omitempty"\`
  MemoryBytes int64 \`json:",omitempty"\`
  Pids int64 \`json:",omitempty"\`
}
type GenericResource struct {
  NamedResourceSpec *NamedGenericResource \`json:",omitempty"\`
  DiscreteResourceSpec *DiscreteGenericResource \`json:",omitempty"\`
}
type NamedGenericResource struct {
  Kind string \`json:",omitempty"\`
  Value string \`json:",omitempty"\`
}
type DiscreteGenericResource struct {
  Kind string \`json:",omitempty"\`
  Value int64 \`json:",omitempty"\`
}
type ResourceRequirements struct {
  Limits *Limit \`json:",omitempty"\`
  Reservations *Resources \`json:",omitempty"\`
}
type Placement struct {
  Constraints []string \`json:",omitempty"\`
  Preferences []PlacementPreference \`json:",omitempty"\`
  MaxReplicas uint64 \`json:",omitempty"\`
  Platforms []Platform \`json:",omitempty"\`
}
type PlacementPreference struct {
  Spread *SpreadOver
}
type SpreadOver struct {
  SpreadDescriptor string
}
type RestartPolicyCondition string
type RestartPolicy struct {
  Condition RestartPolicyCondition \`json:",omitempty"\`
  Delay *time.Duration \`json:",omitempty"\`
  MaxAttempts *uint64 \`json:",omitempty"\`
  Window *time.Duration \`json:",omitempty"\`
}
type TaskStatus struct {
  Timestamp time.Time \`json:",omitempty"\`
  State TaskState \`json:",omitempty"\`
  Message string \`json:",omitempty"\`
  Err string \`json:",omitempty"\`
  ContainerStatus *ContainerStatus \`json:",omitempty"\`
  PortStatus PortStatus \`json:",omitempty"\`
}
type ContainerStatus struct {
  ContainerID string
  PID int
  ExitCode int
}
type PortStatus struct {
  Ports []PortConfig \`json:",omitempty"\`
}
type VolumeAttachment struct {
  ID string \`json:",omitempty"\`
  Source string \`json:",omitempty"\`
  Target string \`json:",omitempty"\`
}

type DNSConfig struct {
  Nameservers []string \`json:",omitempty"\`
  Search []string \`json:",omitempty"\`
  Options []string \`json:",omitempty"\`
}
type SELinuxContext struct {
  Disable bool
  User string
  Role string
  Type string
  Level string
}
type SeccompMode string
type SeccompOpts struct {
  Mode SeccompMode \`json:",omitempty"\`
  Profile []byte \`json:",omitempty"\`
}
type AppArmorMode string
type AppArmorOpts struct {
  Mode AppArmorMode \`json:",omitempty"\`
}
type CredentialSpec struct {
  Config string
  File string
  Registry string
}
type Privileges struct {
  CredentialSpec *CredentialSpec
  SELinuxContext *SELinuxContext
  Seccomp *SeccompOpts \`json:",omitempty"\`
  AppArmor *AppArmorOpts \`json:",omitempty"\`
  NoNewPrivileges bool
}
type ContainerSpec struct {
  Image string \`json:",omitempty"\`
  Labels map[string]string \`json:",omitempty"\`
  Command []string \`json:",omitempty"\`
  Args []string \`json:",omitempty"\`
  Hostname string \`json:",omitempty"\`
  Env []string \`json:",omitempty"\`
  Dir string \`json:",omitempty"\`
  User string \`json:",omitempty"\`
  Groups []string \`json:",omitempty"\`
  Privileges *Privileges \`json:",omitempty"\`
  Init *bool \`json:",omitempty"\`
  StopSignal string \`json:",omitempty"\`
  TTY bool \`json:",omitempty"\`
  OpenStdin bool \`json:",omitempty"\`
  ReadOnly bool \`json:",omitempty"\`
  Mounts []mount.Mount \`json:",omitempty"\`
  StopGracePeriod *time.Duration \`json:",omitempty"\`
  Healthcheck *container.HealthConfig \`json:",omitempty"\`
  Hosts []string \`json:",omitempty"\`
  DNSConfig *DNSConfig \`json:",omitempty"\`
  Secrets []*SecretReference \`json:",omitempty"\`
  Configs []*ConfigReference \`json:",omitempty"\`
  Isolation container.Isolation \`json:",omitempty"\`
  Sysctls map[string]string \`json:",omitempty"\`
  CapabilityAdd []string \`json:",omitempty"\`
  CapabilityDrop []string \`json:",omitempty"\`
  Ulimits []*container.Ulimit \`json:",omitempty"\`
  OomScoreAdj int64 \`json:",omitempty"\`
}
type SecretReferenceFileTarget struct {
  Name string
  UID string
  GID string
  Mode fs.FileMode
}
type SecretReference struct {
  File *SecretReferenceFileTarget
  SecretID string
  SecretName string
}
type ConfigReferenceFileTarget struct {
  Name string
  UID string
  GID string
  Mode fs.FileMode
}
type ConfigReferenceRuntimeTarget struct {}
type ConfigReference struct {
  File *ConfigReferenceFileTarget \`json:",omitempty"\`
  Runtime *ConfigReferenceRuntimeTarget \`json:",omitempty"\`
  ConfigID string
  ConfigName string
}
type RuntimeType string
type NetworkAttachmentSpec struct {
  ContainerID string
}

type Endpoint struct {
  Spec EndpointSpec \`json:",omitempty"\`
  Ports []PortConfig \`json:",omitempty"\`
  VirtualIPs []EndpointVirtualIP \`json:",omitempty"\`
}
type ResolutionMode string
type EndpointSpec struct {
  Mode ResolutionMode \`json:",omitempty"\`
  Ports []PortConfig \`json:",omitempty"\`
}
type PortConfigProtocol string
type PortConfigPublishMode string
type PortConfig struct {
  Name string \`json:",omitempty"\`
  Protocol PortConfigProtocol \`json:",omitempty"\`
  TargetPort uint32 \`json:",omitempty"\`
  PublishedPort uint32 \`json:",omitempty"\`
  PublishMode PortConfigPublishMode \`json:",omitempty"\`
}
type EndpointVirtualIP struct {
  NetworkID string \`json:",omitempty"\`
  Addr string \`json:",omitempty"\`
}
type Network struct {
  ID string
  Meta
  Spec NetworkSpec \`json:",omitempty"\`
  DriverState Driver \`json:",omitempty"\`
  IPAMOptions *IPAMOptions \`json:",omitempty"\`
}
type NetworkSpec struct {
  Annotations
  DriverConfiguration *Driver \`json:",omitempty"\`
  IPv6Enabled bool \`json:",omitempty"\`
  Internal bool \`json:",omitempty"\`
  Attachable bool \`json:",omitempty"\`
  Ingress bool \`json:",omitempty"\`
  IPAMOptions *IPAMOptions \`json:",omitempty"\`
  ConfigFrom *network.ConfigReference \`json:",omitempty"\`
  Scope string \`json:",omitempty"\`
}
type NetworkAttachmentConfig struct {
  Target string \`json:",omitempty"\`
  Aliases []string \`json:",omitempty"\`
  DriverOpts map[string]string \`json:",omitempty"\`
}
type NetworkAttachment struct {
  Network Network \`json:",omitempty"\`
  Addresses []string \`json:",omitempty"\`
}
type IPAMOptions struct {
  Driver Driver \`json:",omitempty"\`
  Configs []IPAMConfig \`json:",omitempty"\`
}
type IPAMConfig struct {
  Subnet string \`json:",omitempty"\`
  Range string \`json:",omitempty"\`
  Gateway string \`json:",omitempty"\`
}

type NodeRole string
type NodeAvailability string
type NodeState string
type Reachability string
type Node struct {
  ID string
  Meta
  Spec NodeSpec \`json:",omitempty"\`
  Description NodeDescription \`json:",omitempty"\`
  Status NodeStatus \`json:",omitempty"\`
  ManagerStatus *ManagerStatus \`json:",omitempty"\`
}
type NodeSpec struct {
  Annotations
  Role NodeRole \`json:",omitempty"\`
  Availability NodeAvailability \`json:",omitempty"\`
}
type NodeDescription struct {
  Hostname string \`json:",omitempty"\`
  Platform Platform \`json:",omitempty"\`
  Resources Resources \`json:",omitempty"\`
  Engine EngineDescription \`json:",omitempty"\`
  TLSInfo TLSInfo \`json:",omitempty"\`
  CSIInfo []NodeCSIInfo \`json:",omitempty"\`
}
type Platform struct {
  Architecture string \`json:",omitempty"\`
  OS string \`json:",omitempty"\`
}
type EngineDescription struct {
  EngineVersion string \`json:",omitempty"\`
  Labels map[string]string \`json:",omitempty"\`
  Plugins []PluginDescription \`json:",omitempty"\`
}
type NodeCSIInfo struct {
  PluginName string \`json:",omitempty"\`
  NodeID string \`json:",omitempty"\`
  MaxVolumesPerNode int64 \`json:",omitempty"\`
  AccessibleTopology *Topology \`json:",omitempty"\`
}
type PluginDescription struct {
  Type string \`json:",omitempty"\`
  Name string \`json:",omitempty"\`
}
type NodeStatus struct {
  State NodeState \`json:",omitempty"\`
  Message string \`json:",omitempty"\`
  Addr string \`json:",omitempty"\`
}
type ManagerStatus struct {
  Leader bool \`json:",omitempty"\`
  Reachability Reachability \`json:",omitempty"\`
  Addr string \`json:",omitempty"\`
}
type Topology struct {
  Segments map[string]string \`json:",omitempty"\`
}
`);

const method0 = (name: string, f: (v: any) => string) => ({ name, sig: { params: [], variadic: false, results: [T.string] }, call: (r: { v: any }) => str(f(r.v)) });

registry.get('swarm.Version').methods = [method0('String', (v) => String(BigInt(v.Index ?? 0)))];
registry.get('fs.FileMode').methods = [method0('String', fileModeString)];

/** io/fs.FileMode.String for permission bits (type bits rarely occur in swarm file targets). */
function fileModeString(m: number): string {
  const types = 'dalTLDpSugct?';
  let out = '';
  for (let i = 0; i < types.length; i++) if (m & (2 ** (31 - i))) out += types[i];
  if (!out) out = '-';
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) out += m & (1 << (8 - i)) ? rwx[i] : '-';
  return out;
}

export const SERVICE: GoType = registry.get('swarm.Service');
export const NODE: GoType = registry.get('swarm.Node');
export const TASK: GoType = registry.get('swarm.Task');

registry.declare(`
package swarm
type SecretSpec struct {
  Annotations
  Data []byte \`json:",omitempty"\`
  Driver *Driver \`json:",omitempty"\`
  Templating *Driver \`json:",omitempty"\`
}
type Secret struct {
  ID string
  Meta
  Spec SecretSpec
}
type ConfigSpec struct {
  Annotations
  Data []byte \`json:",omitempty"\`
  Templating *Driver \`json:",omitempty"\`
}
type Config struct {
  ID string
  Meta
  Spec ConfigSpec
}
`);
export const SECRET: GoType = registry.get('swarm.Secret');
export const CONFIG: GoType = registry.get('swarm.Config');

// `docker info`: system.Info and swarm.Info (api/types/system/info.go, api/types/swarm/swarm.go, 28.2)
registry.declare(`
package swarm
type ClusterInfo struct {
  ID string
  Meta
  Spec Spec
  TLSInfo TLSInfo
  RootRotationInProgress bool
  DefaultAddrPool []string
  SubnetSize uint32
  DataPathPort uint32
}
type Spec struct {
  Annotations
  Orchestration OrchestrationConfig \`json:",omitempty"\`
  Raft RaftConfig \`json:",omitempty"\`
  Dispatcher DispatcherConfig \`json:",omitempty"\`
  CAConfig CAConfig \`json:",omitempty"\`
  TaskDefaults TaskDefaults \`json:",omitempty"\`
  EncryptionConfig EncryptionConfig \`json:",omitempty"\`
}
type OrchestrationConfig struct {
  TaskHistoryRetentionLimit *int64 \`json:",omitempty"\`
}
type TaskDefaults struct {
  LogDriver *Driver \`json:",omitempty"\`
}
type EncryptionConfig struct {
  AutoLockManagers bool
}
type RaftConfig struct {
  SnapshotInterval uint64 \`json:",omitempty"\`
  KeepOldSnapshots *uint64 \`json:",omitempty"\`
  LogEntriesForSlowFollowers uint64 \`json:",omitempty"\`
  ElectionTick int
  HeartbeatTick int
}
type DispatcherConfig struct {
  HeartbeatPeriod time.Duration \`json:",omitempty"\`
}
type CAConfig struct {
  NodeCertExpiry time.Duration \`json:",omitempty"\`
  ExternalCAs []*ExternalCA \`json:",omitempty"\`
  SigningCACert string \`json:",omitempty"\`
  SigningCAKey string \`json:",omitempty"\`
  ForceRotate uint64 \`json:",omitempty"\`
}
type ExternalCAProtocol string
type ExternalCA struct {
  Protocol ExternalCAProtocol
  URL string
  Options map[string]string \`json:",omitempty"\`
  CACert string
}
type LocalNodeState string
type Info struct {
  NodeID string
  NodeAddr string
  LocalNodeState LocalNodeState
  ControlAvailable bool
  Error string
  RemoteManagers []Peer
  Nodes int \`json:",omitempty"\`
  Managers int \`json:",omitempty"\`
  Cluster *ClusterInfo \`json:",omitempty"\`
  Warnings []string \`json:",omitempty"\`
}
type Peer struct {
  NodeID string
  Addr string
}

package system
type Info struct {
  ID string
  Containers int
  ContainersRunning int
  ContainersPaused int
  ContainersStopped int
  Images int
  Driver string
  DriverStatus [][2]string
  SystemStatus [][2]string \`json:",omitempty"\`
  Plugins PluginsInfo
  MemoryLimit bool
  SwapLimit bool
  KernelMemory bool \`json:",omitempty"\`
  KernelMemoryTCP bool \`json:",omitempty"\`
  CPUCfsPeriod bool \`json:"CpuCfsPeriod"\`
  CPUCfsQuota bool \`json:"CpuCfsQuota"\`
  CPUShares bool
  CPUSet bool
  PidsLimit bool
  IPv4Forwarding bool
  Debug bool
  NFd int
  OomKillDisable bool
  NGoroutines int
  SystemTime string
  LoggingDriver string
  CgroupDriver string
  CgroupVersion string \`json:",omitempty"\`
  NEventsListener int
  KernelVersion string
  OperatingSystem string
  OSVersion string
  OSType string
  Architecture string
  IndexServerAddress string
  RegistryConfig any // *registry.ServiceConfig: its MarshalJSON writes a map, keys sorted
  NCPU int
  MemTotal int64
  GenericResources []swarm.GenericResource
  DockerRootDir string
  HTTPProxy string \`json:"HttpProxy"\`
  HTTPSProxy string \`json:"HttpsProxy"\`
  NoProxy string
  Name string
  Labels []string
  ExperimentalBuild bool
  ServerVersion string
  Runtimes map[string]RuntimeWithStatus
  DefaultRuntime string
  Swarm swarm.Info
  LiveRestoreEnabled bool
  Isolation container.Isolation
  InitBinary string
  ContainerdCommit Commit
  RuncCommit Commit
  InitCommit Commit
  SecurityOptions []string
  ProductLicense string \`json:",omitempty"\`
  DefaultAddressPools []NetworkAddressPool \`json:",omitempty"\`
  FirewallBackend *FirewallInfo \`json:"FirewallBackend,omitempty"\`
  CDISpecDirs []string
  DiscoveredDevices []DeviceInfo \`json:",omitempty"\`
  Containerd *ContainerdInfo \`json:",omitempty"\`
  Warnings []string
}
type ContainerdInfo struct {
  Address string \`json:",omitempty"\`
  Namespaces ContainerdNamespaces
}
type ContainerdNamespaces struct {
  Containers string
  Plugins string
}
type PluginsInfo struct {
  Volume []string
  Network []string
  Authorization []string
  Log []string
}
type Commit struct {
  ID string
  Expected string \`json:",omitempty"\`
}
type NetworkAddressPool struct {
  Base string
  Size int
}
type FirewallInfo struct {
  Driver string \`json:"Driver"\`
  Info [][2]string \`json:"Info,omitempty"\`
}
type DeviceInfo struct {
  Source string \`json:"Source"\`
  ID string \`json:"ID"\`
}
type Runtime struct {
  Path string \`json:"path,omitempty"\`
  Args []string \`json:"runtimeArgs,omitempty"\`
  Type string \`json:"runtimeType,omitempty"\`
  Options map[string]any \`json:"options,omitempty"\`
}
type RuntimeWithStatus struct {
  Runtime
  Status map[string]string \`json:"status,omitempty"\`
}
`);
// the CLI's own wrapper (cli/command/system/info.go): *system.Info embedded (never nil here, so a struct), the
// server's errors, and the client's part (the CLI's version facts; tswarm's CLI has no plugins)
registry.declare(`
package system
type platformInfo struct {
  Name string \`json:"Name,omitempty"\`
}
type clientVersion struct {
  Platform *platformInfo \`json:"Platform,omitempty"\`
  Version string \`json:"Version,omitempty"\`
  APIVersion string \`json:"ApiVersion,omitempty"\`
  DefaultAPIVersion string \`json:"DefaultAPIVersion,omitempty"\`
  GitCommit string \`json:"GitCommit,omitempty"\`
  GoVersion string \`json:"GoVersion,omitempty"\`
  Os string \`json:"Os,omitempty"\`
  Arch string \`json:"Arch,omitempty"\`
  BuildTime string \`json:"BuildTime,omitempty"\`
  Context string \`json:"Context"\`
}
type cliPlugin struct {
  Name string
  Path string \`json:",omitempty"\`
}
type clientInfo struct {
  Debug bool
  clientVersion
  Plugins []cliPlugin
  Warnings []string
}
type dockerInfo struct {
  Info \`json:",omitempty"\`
  ServerErrors []string \`json:",omitempty"\`
  ClientInfo *clientInfo \`json:",omitempty"\`
  ClientErrors []string \`json:",omitempty"\`
}
type versionPlatform struct {
  Name string
}
type ComponentVersion struct {
  Name string
  Version string
  Details map[string]string \`json:",omitempty"\`
}
type Version struct {
  Platform versionPlatform \`json:",omitempty"\`
  Components []ComponentVersion \`json:",omitempty"\`
  Version string
  APIVersion string \`json:"ApiVersion"\`
  MinAPIVersion string \`json:"MinAPIVersion,omitempty"\`
  GitCommit string
  GoVersion string
  Os string
  Arch string
  KernelVersion string \`json:",omitempty"\`
  Experimental bool \`json:",omitempty"\`
  BuildTime string \`json:",omitempty"\`
}
type versionInfo struct {
  Client clientVersion
  Server *Version
}
`);
export const DOCKER_INFO: GoType = registry.get('system.dockerInfo');
/** `docker version`'s data (cli/command/system/version.go's versionInfo over types.Version). */
export const DOCKER_VERSION: GoType = registry.get('system.versionInfo');
