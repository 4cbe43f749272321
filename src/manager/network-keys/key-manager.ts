import { randomBytes } from 'node:crypto';
import { logger } from '../../log.js';
import type { EncryptionKey } from '../../types/network-keys.js';
import { KEYRING_SIZE } from '../../types/network-keys.js';
import type { Network } from '../../types/network.js';
import type { ComponentDeps, LeaderComponent } from '../component.js';

const log = logger('network-keys');
/** swarmkit's DefaultKeyRotationInterval. */
export const DEFAULT_ROTATION_MS = 12 * 3600_000;
/** swarmkit's DefaultKeyLen: AES-128. */
const KEY_BYTES = 16;
/** A failed store write is tried again after this long. */
const RETRY_MS = 1000;

/** The rotation period: TSWARM_NETWORK_KEY_ROTATION_MS (tests make it seconds), else 12 hours as Docker. */
export function rotationPeriodMs(): number {
  const v = Number(process.env.TSWARM_NETWORK_KEY_ROTATION_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_ROTATION_MS;
}

/**
 * The leader's key manager for encrypted overlays (swarmkit's keymanager,
 * the ipsec subsystem): a ring of three keys is made with the first encrypted
 * network (swarmkit makes it with the swarm; tswarm writes nothing for a
 * swarm that never asks for encryption); every period, and whenever a
 * manager becomes leader (the ring it inherits may be as old as a whole
 * period), the oldest key goes and a new one comes. The ring lives in the
 * cluster object, so a new leader carries on from it; the dispatcher hands it
 * to the nodes that need it.
 */
export class NetworkKeyManager implements LeaderComponent {
  readonly name = 'network-keys';
  private timer?: { cancel(): void };
  private running = false;
  private unwatch?: () => void;

  constructor(private deps: ComponentDeps, private periodMs = rotationPeriodMs(), private random: (n: number) => Buffer = randomBytes) {}

  start(): void {
    this.running = true;
    // The first encrypted network makes the ring (at once, not at the next period).
    this.unwatch = this.deps.store.watch((events) => {
      if (events.some((e) => e.table === 'networks' && e.action === 'create' && isEncrypted(e.object as Network)) && !this.hasKeys()) {
        this.rotate().catch((err) => log.warn({ err: String(err) }, 'making the network keys failed; the next period tries again'));
      }
    }, { tables: ['networks'] });
    this.step();
  }

  private hasKeys(): boolean {
    return this.deps.store.view((tx) => (tx.cluster()?.NetworkBootstrapKeys?.length ?? 0) > 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    this.timer?.cancel();
    this.timer = undefined;
  }

  private step() {
    this.rotate().then(() => this.schedule(this.periodMs), (err) => {
      log.warn({ err: String(err) }, 'writing the network keys failed; retrying');
      this.schedule(RETRY_MS);
    });
  }

  private schedule(ms: number) {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => this.step(), ms);
  }

  /** A ring of three new keys when there is none (and an encrypted network), else the oldest replaced by a new one. */
  async rotate(): Promise<void> {
    if (!this.running) return;
    await this.deps.store.update((tx) => {
      const c = tx.cluster();
      if (!c) return;
      if (!c.NetworkBootstrapKeys?.length && !tx.table('networks').all().some(isEncrypted)) return;
      let clock = c.EncryptionKeyLamportClock ?? 0;
      const make = (): EncryptionKey => ({ Subsystem: 'networking:ipsec', Algorithm: 'AES_128_GCM', Key: this.random(KEY_BYTES).toString('base64'), LamportTime: ++clock });
      const have = [...(c.NetworkBootstrapKeys ?? [])].sort((a, b) => a.LamportTime - b.LamportTime);
      const keys = have.length === 0 ? Array.from({ length: KEYRING_SIZE }, make) : [...have.slice(Math.max(0, have.length - KEYRING_SIZE + 1)), make()];
      tx.update('cluster', { ...structuredClone(c), NetworkBootstrapKeys: keys, EncryptionKeyLamportClock: clock });
      log.info({ keys: keys.map((k) => k.LamportTime) }, have.length === 0 ? 'network encryption keys made' : 'network encryption key rotated');
    });
  }
}

/** `--opt encrypted` (any value, as Docker: the option's presence is what counts). */
export function isEncrypted(n: Network): boolean {
  return n.Spec.DriverConfiguration?.Options?.encrypted !== undefined;
}
