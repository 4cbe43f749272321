/**
 * `docker info`'s plain output (cli/command/system/info.go at 28.2:
 * prettyPrintInfo, prettyPrintServerInfo, printSwarmInfo), line for line,
 * over the daemon's /info. Lines are Go's fmt.Println: operands joined by one
 * space, so an empty value leaves "Label: " with its trailing space.
 */
import { bytesSize, humanDuration } from '../../format/units.js';

type Info = Record<string, any>;

/** What the client section prints: the CLI's own version facts. */
export interface ClientFacts { Version: string; Context: string }

const goText = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** Go's fmt.Println to `out`, and the same for a value that may be empty (then no line). */
function printer(out: (s: string) => void) {
  const ln = (...xs: unknown[]) => out(`${xs.map(goText).join(' ')}\n`);
  return { ln, nonEmpty: (label: string, v: unknown) => { if (goText(v) !== '') ln(label, v); } };
}

/** The client section and the server section's heading: what docker prints even when the daemon does not answer. */
export function prettyClientInfo(client: ClientFacts, out: (s: string) => void): void {
  const { ln, nonEmpty } = printer(out);
  ln('Client:');
  nonEmpty(' Version:   ', client.Version);
  ln(' Context:   ', client.Context);
  ln(' Debug Mode:', false);
  ln();
  ln('Server:');
}

/** The server section's body; returns the daemon's warnings, which docker prints on stderr. */
export function prettyServerInfo(info: Info, out: (s: string) => void): string[] {
  const { ln, nonEmpty } = printer(out);
  ln(' Containers:', info.Containers);
  ln('  Running:', info.ContainersRunning);
  ln('  Paused:', info.ContainersPaused);
  ln('  Stopped:', info.ContainersStopped);
  ln(' Images:', info.Images);
  nonEmpty(' Server Version:', info.ServerVersion);
  nonEmpty(' Storage Driver:', info.Driver);
  for (const [k, v] of info.DriverStatus ?? []) out(`  ${k}: ${v}\n`);
  for (const [k, v] of info.SystemStatus ?? []) out(` ${k}: ${v}\n`);
  nonEmpty(' Logging Driver:', info.LoggingDriver);
  nonEmpty(' Cgroup Driver:', info.CgroupDriver);
  nonEmpty(' Cgroup Version:', info.CgroupVersion);
  const plugins = info.Plugins ?? {};
  ln(' Plugins:');
  ln('  Volume:', (plugins.Volume ?? []).join(' '));
  ln('  Network:', (plugins.Network ?? []).join(' '));
  if (plugins.Authorization?.length) ln('  Authorization:', plugins.Authorization.join(' '));
  ln('  Log:', (plugins.Log ?? []).join(' '));
  if (info.CDISpecDirs?.length) { ln(' CDI spec directories:'); for (const d of info.CDISpecDirs) out(`  ${d}\n`); }
  if (info.DiscoveredDevices?.length) { ln(' Discovered Devices:'); for (const d of info.DiscoveredDevices) out(`  ${d.Source}: ${d.ID}\n`); }
  ln(' Swarm:', info.Swarm?.LocalNodeState);
  swarmInfo(info.Swarm ?? {}, ln);
  const runtimes = Object.keys(info.Runtimes ?? {});
  if (runtimes.length) { ln(' Runtimes:', runtimes.join(' ')); ln(' Default Runtime:', info.DefaultRuntime); }
  if (info.OSType === 'linux') {
    ln(' Init Binary:', info.InitBinary);
    ln(' containerd version:', info.ContainerdCommit?.ID);
    ln(' runc version:', info.RuncCommit?.ID);
    ln(' init version:', info.InitCommit?.ID);
    securityOptions(info.SecurityOptions ?? [], ln);
  }
  if (info.OSType === 'windows') ln(' Default Isolation:', info.Isolation);
  nonEmpty(' Kernel Version:', info.KernelVersion);
  nonEmpty(' Operating System:', info.OperatingSystem);
  nonEmpty(' OSType:', info.OSType);
  nonEmpty(' Architecture:', info.Architecture);
  ln(' CPUs:', info.NCPU);
  ln(' Total Memory:', bytesSize(info.MemTotal ?? 0));
  nonEmpty(' Name:', info.Name);
  nonEmpty(' ID:', info.ID);
  ln(' Docker Root Dir:', info.DockerRootDir);
  ln(' Debug Mode:', Boolean(info.Debug));
  if (info.Debug) {
    ln('  File Descriptors:', info.NFd);
    ln('  Goroutines:', info.NGoroutines);
    ln('  System Time:', info.SystemTime);
    ln('  EventsListeners:', info.NEventsListener);
  }
  nonEmpty(' HTTP Proxy:', info.HttpProxy);
  nonEmpty(' HTTPS Proxy:', info.HttpsProxy);
  nonEmpty(' No Proxy:', info.NoProxy);
  if (info.Labels?.length) { ln(' Labels:'); for (const l of info.Labels) ln(`  ${l}`); }
  ln(' Experimental:', Boolean(info.ExperimentalBuild));
  registries(info.RegistryConfig, ln);
  ln(' Live Restore Enabled:', Boolean(info.LiveRestoreEnabled));
  if (info.ProductLicense) ln(' Product License:', info.ProductLicense);
  if (info.DefaultAddressPools?.length) {
    ln(' Default Address Pools:');
    for (const p of info.DefaultAddressPools) out(`   Base: ${p.Base}, Size: ${p.Size}\n`);
  }
  ln();
  return info.Warnings ?? [];
}

/** printSwarmInfo: nothing more while inactive or locked; the cluster's settings only on a manager without error. */
function swarmInfo(s: Info, ln: (...xs: unknown[]) => void): void {
  if (s.LocalNodeState === 'inactive' || s.LocalNodeState === 'locked') return;
  ln('  NodeID:', s.NodeID);
  if (s.Error) ln('  Error:', s.Error);
  ln('  Is Manager:', Boolean(s.ControlAvailable));
  const c = s.Cluster;
  if (c && s.ControlAvailable && !s.Error && s.LocalNodeState !== 'error') {
    const spec = c.Spec ?? {};
    ln('  ClusterID:', c.ID);
    ln('  Managers:', s.Managers);
    ln('  Nodes:', s.Nodes);
    if (c.DefaultAddrPool) {
      ln('  Default Address Pool:', c.DefaultAddrPool.map((p: string) => `${p}  `).join(''));
      ln('  SubnetSize:', c.SubnetSize);
    }
    if (c.DataPathPort > 0) ln('  Data Path Port:', c.DataPathPort);
    ln('  Orchestration:');
    ln('   Task History Retention Limit:', spec.Orchestration?.TaskHistoryRetentionLimit ?? 0);
    ln('  Raft:');
    ln('   Snapshot Interval:', spec.Raft?.SnapshotInterval ?? 0);
    if (spec.Raft?.KeepOldSnapshots !== undefined && spec.Raft?.KeepOldSnapshots !== null) ln('   Number of Old Snapshots to Retain:', spec.Raft.KeepOldSnapshots);
    ln('   Heartbeat Tick:', spec.Raft?.HeartbeatTick ?? 0);
    ln('   Election Tick:', spec.Raft?.ElectionTick ?? 0);
    ln('  Dispatcher:');
    ln('   Heartbeat Period:', humanDuration((spec.Dispatcher?.HeartbeatPeriod ?? 0) / 1e6));
    ln('  CA Configuration:');
    ln('   Expiry Duration:', humanDuration((spec.CAConfig?.NodeCertExpiry ?? 0) / 1e6));
    ln('   Force Rotate:', spec.CAConfig?.ForceRotate ?? 0);
    const caCert = (spec.CAConfig?.SigningCACert ?? '').trim();
    if (caCert) ln(`   Signing CA Certificate: \n${caCert}\n`);
    if (spec.CAConfig?.ExternalCAs?.length) {
      ln('   External CAs:');
      for (const e of spec.CAConfig.ExternalCAs) ln(`     ${e.Protocol}: ${e.URL}`);
    }
    ln('  Autolock Managers:', Boolean(spec.EncryptionConfig?.AutoLockManagers));
    ln('  Root Rotation In Progress:', Boolean(c.RootRotationInProgress));
  }
  ln('  Node Address:', s.NodeAddr);
  const managers = (s.RemoteManagers ?? []).map((m: { Addr: string }) => m.Addr).sort();
  if (managers.length) { ln('  Manager Addresses:'); for (const m of managers) ln(`   ${m}`); }
}

/** The daemon's security options ("name=seccomp,profile=builtin"), as system.DecodeSecurityOptions reads them. */
function securityOptions(opts: string[], ln: (...xs: unknown[]) => void): void {
  if (!opts.length) return;
  ln(' Security Options:');
  for (const o of opts) {
    const kvs = o.split(',').map((kv) => kv.split('=', 2) as [string, string | undefined]);
    ln(`  ${kvs.find(([k]) => k === 'name')?.[1] ?? ''}`);
    for (const [k, v] of kvs) if (k === 'profile') ln('   Profile:', v);
  }
}

/** Insecure registries and mirrors, when the daemon has any. */
function registries(r: Info | null | undefined, ln: (...xs: unknown[]) => void): void {
  if (!r) return;
  const indexes = Object.values(r.IndexConfigs ?? {}) as { Name: string; Secure: boolean }[];
  if (r.InsecureRegistryCIDRs?.length || indexes.length) {
    ln(' Insecure Registries:');
    for (const i of indexes) if (!i.Secure) ln(`  ${i.Name}`);
    for (const cidr of r.InsecureRegistryCIDRs ?? []) ln(`  ${cidr}`);
  }
  if (r.Mirrors?.length) { ln(' Registry Mirrors:'); for (const m of r.Mirrors) ln(`  ${m}`); }
}
