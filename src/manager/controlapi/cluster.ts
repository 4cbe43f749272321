import type { Cluster, SwarmSpec } from '../../types/objects.js';
import { swarmSpec } from '../../types/schema.js';
import { badRequest, unavailable } from '../../types/errors.js';
import { newJoinToken } from '../ca/join-tokens.js';
import { formatUnlockKey, generateUnlockKey } from '../keys/unlock-key.js';
import { startRootRotation, validateSigningCA } from '../ca/node-ca.js';
import type { CAKeyPair } from '../ca/root-ca.js';
import type { ControlDeps } from './deps.js';
import { outOfSequence, rpcError } from './rpc-errors.js';
import { publicCluster } from './redact.js';
import { refuseUnsupported } from './unsupported.js';

export interface ClusterUpdateFlags { rotateWorkerToken?: boolean; rotateManagerToken?: boolean; rotateManagerUnlockKey?: boolean }

/** The swarm object: inspect (secrets removed), update, the unlock key. */
export class ClusterControl {
  constructor(private d: ControlDeps) {}

  /** The stored cluster, secrets included: for this module only. */
  private stored(): Cluster {
    const c = this.d.store.view((tx) => tx.cluster());
    if (!c) throw unavailable('This node is not a swarm manager.');
    return c;
  }

  get(): Cluster {
    return publicCluster(this.stored());
  }

  /** The autolock key ('' when autolock is off): the one way it leaves the control API. */
  unlockKey(): string {
    return this.stored().UnlockKey ?? '';
  }

  async update(version: number, spec: SwarmSpec, flags: ClusterUpdateFlags): Promise<void> {
    // Docker's daemon, before swarmkit: the one cluster object is "default" (an empty name means it).
    if (spec.Name && spec.Name !== 'default') throw badRequest('swarm spec must be named "default"');
    refuseUnsupported(swarmSpec, spec);
    const cur = this.stored();
    if (cur.Version.Index !== version) throw outOfSequence();
    // A negative TaskHistoryRetentionLimit is taken, as Docker 20.10 does: the task reaper then keeps every task.
    validateCAConfig(spec);
    const heartbeat = spec.Dispatcher?.HeartbeatPeriod;
    if (heartbeat !== undefined && heartbeat < 0) throw rpcError('InvalidArgument', 'heartbeat time period cannot be a negative duration');
    const autolock = !!spec.EncryptionConfig?.AutoLockManagers;
    // `swarm ca --rotate --ca-cert --ca-key`: the operator's root; the key never stays in the spec.
    const { SigningCACert: signingCert, SigningCAKey: signingKey, ...caConfig } = spec.CAConfig ?? {};
    const known = [cur.RootCA?.CACert, cur.RootCA?.RootRotation?.CACert].map((c) => c?.trim());
    let given: CAKeyPair | undefined;
    if (signingCert && !known.includes(signingCert.trim())) {
      if (!signingKey) throw rpcError('InvalidArgument', 'rotating to an external CA is not supported: give the CA key with --ca-key');
      try { given = validateSigningCA(signingCert, signingKey); } catch (err) { throw rpcError('InvalidArgument', (err as Error).message); }
    }
    await this.d.store.update((tx) => {
      const now = tx.cluster()!;
      if (now.Version.Index !== version) throw outOfSequence();
      const digest = now.RootDigest ?? '0';
      const rotateCA = !!now.RootCA && (!!given || (spec.CAConfig?.ForceRotate ?? 0) !== (now.Spec.CAConfig?.ForceRotate ?? 0));
      tx.update('cluster', {
        ...structuredClone(now),
        Spec: { ...structuredClone(spec), CAConfig: caConfig, Name: 'default' },
        JoinTokens: {
          Worker: flags.rotateWorkerToken ? newJoinToken(digest) : now.JoinTokens.Worker,
          Manager: flags.rotateManagerToken ? newJoinToken(digest) : now.JoinTokens.Manager,
        },
        // `swarm ca --rotate` bumps ForceRotate: a new root, cross-signed, that nodes move to.
        ...(rotateCA ? { RootCA: startRootRotation(now.RootCA!, new Date(this.d.clock.now()), given), RootRotationInProgress: true } : {}),
        // Autolock: the key every manager seals its own keys with; a new one on rotation.
        UnlockKey: !autolock ? undefined : flags.rotateManagerUnlockKey || !now.UnlockKey ? formatUnlockKey(generateUnlockKey()) : now.UnlockKey,
      });
    });
  }
}

/** Swarmkit's floor on node certificate life (lowered only by tests, through the environment). */
function minCertExpiryMs(): number {
  return Number(process.env.TSWARM_MIN_CERT_EXPIRY_MS ?? 3600_000);
}

function validateCAConfig(spec: SwarmSpec) {
  const ns = spec.CAConfig?.NodeCertExpiry;
  if (ns !== undefined && ns / 1e6 < minCertExpiryMs()) {
    throw rpcError('InvalidArgument', `minimum certificate expiry time is: ${goDuration(minCertExpiryMs())}`);
  }
}

/** Go's time.Duration String() for whole seconds and up: 1h0m0s, 30s. */
function goDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${m}m${s % 60}s` : m ? `${m}m${s % 60}s` : `${s}s`;
}
