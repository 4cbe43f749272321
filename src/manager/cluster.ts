import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Cluster, SwarmSpec } from '../types/objects.js';
import { DEFAULT_DATA_PATH_PORT } from '../types/network-view.js';
import { internal } from '../types/errors.js';
import { rootDigest } from '../pki/join-token.js';
import { newJoinToken } from './ca/join-tokens.js';
import type { CAKeyPair } from './ca/root-ca.js';
import { tlsInfo } from './ca/tls-info.js';
import { formatUnlockKey, generateUnlockKey } from './keys/unlock-key.js';

const SECOND_NS = 1e9;

/** Docker's defaults for a new swarm, as `docker swarm inspect` prints them after `swarm init`. */
export function defaultSwarmSpec(): SwarmSpec {
  return {
    Name: 'default',
    Labels: {},
    Orchestration: { TaskHistoryRetentionLimit: 5 },
    Raft: { SnapshotInterval: 10000, KeepOldSnapshots: 0, LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1 },
    Dispatcher: { HeartbeatPeriod: 5 * SECOND_NS },
    CAConfig: { NodeCertExpiry: 90 * 24 * 3600 * SECOND_NS },
    TaskDefaults: {},
    EncryptionConfig: { AutoLockManagers: false },
  };
}

/** Merges a user's spec over the defaults, section by section. */
export function withSpecDefaults(spec: SwarmSpec | undefined): SwarmSpec {
  const d = defaultSwarmSpec();
  const s = spec ?? {};
  const out: SwarmSpec = {
    ...d, ...s,
    Labels: s.Labels ?? d.Labels,
    Orchestration: { ...d.Orchestration, ...s.Orchestration },
    Raft: { ...d.Raft, ...s.Raft },
    Dispatcher: { ...d.Dispatcher, ...s.Dispatcher },
    CAConfig: { ...d.CAConfig, ...s.CAConfig },
    EncryptionConfig: { ...d.EncryptionConfig, ...s.EncryptionConfig },
    TaskDefaults: { ...d.TaskDefaults, ...s.TaskDefaults },
    Name: 'default',
  };
  // As moby's init: a zero (the CLI sends every field) means the default.
  const r = out.Raft!;
  for (const k of ['SnapshotInterval', 'LogEntriesForSlowFollowers', 'ElectionTick', 'HeartbeatTick'] as const) r[k] ||= d.Raft![k];
  out.Dispatcher!.HeartbeatPeriod ||= d.Dispatcher!.HeartbeatPeriod;
  out.CAConfig!.NodeCertExpiry ||= d.CAConfig!.NodeCertExpiry;
  return out;
}

export function newCluster(o: {
  clock: Clock; rootCA: CAKeyPair; clusterId: string; spec?: SwarmSpec; defaultAddrPool?: string[]; subnetSize?: number; dataPathPort?: number;
}): Cluster {
  const digest = rootDigest(o.rootCA.certPem);
  const spec = withSpecDefaults(o.spec);
  return {
    ID: o.clusterId, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: spec,
    TLSInfo: tlsInfo(o.rootCA.certPem),
    RootRotationInProgress: false,
    DefaultAddrPool: o.defaultAddrPool?.length ? o.defaultAddrPool : ['10.0.0.0/8'],
    SubnetSize: o.subnetSize || 24,
    DataPathPort: o.dataPathPort || DEFAULT_DATA_PATH_PORT,
    JoinTokens: { Worker: newJoinToken(digest), Manager: newJoinToken(digest) },
    RootDigest: digest,
    RootCA: { CACert: o.rootCA.certPem, CAKey: o.rootCA.keyPem },
    // `swarm init --autolock`: the unlock key exists from the start (the CLI prints it right after init).
    ...(spec.EncryptionConfig?.AutoLockManagers ? { UnlockKey: formatUnlockKey(generateUnlockKey()) } : {}),
  } as Cluster;
}

/** Docker's range for `--data-path-port` (0: the default, 4789); outside it init fails as Docker's daemon does (a 500). */
export function validateDataPathPort(port: number | undefined): void {
  if (port && (port < 1024 || port > 49151)) throw internal(`Datapath port number is not in valid range (1024-49151) : ${port}`);
}
