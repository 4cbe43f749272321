import type { Clock } from '../clock.js';
import { logger } from '../log.js';
import { KeyStore } from '../manager/keys/key-store.js';
import { parseUnlockKey } from '../manager/keys/unlock-key.js';
import { AesGcmCodec } from '../raft/storage/aes-gcm-codec.js';

const log = logger('daemon');

export interface KeyManagerDeps {
  swarmDir: string;
  clock: Clock;
  /** The swarm's unlock key as this node's manager knows it ('' while autolock is off); undefined without a manager. */
  unlockKey(): string | undefined;
  /** Runs a seal or unseal in line with the node's other lifecycle steps. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * This node's keys (its TLS key and the data keys of the Raft log) and
 * autolock: on a manager they are sealed with the swarm's unlock key while
 * the cluster says so, plain otherwise; the log's codec follows the data key.
 */
export class KeyManager {
  private store?: KeyStore;
  private codec?: AesGcmCodec;
  /** The unlock key the key store is sealed with now ('' when plain). */
  private sealedWith = '';
  private unwatch?: () => void;

  constructor(private d: KeyManagerDeps) {}

  /** The open key store; undefined while the node is in no swarm or locked. */
  get keyStore(): KeyStore | undefined { return this.store; }

  /** Opens the key store: plain, or sealed with `unlockKey` (a LockedError when it is sealed and no key is given). */
  async open(unlockKey?: string): Promise<KeyStore> {
    this.store = await KeyStore.open(this.d.swarmDir, unlockKey === undefined ? undefined : parseUnlockKey(unlockKey));
    if (unlockKey !== undefined) this.sealedWith = unlockKey;
    return this.store;
  }

  /** The codec of a manager's Raft log, under the current data keys (a seal changes them). */
  newCodec(): AesGcmCodec {
    this.codec = new AesGcmCodec(this.store!.dataKeys);
    return this.codec;
  }

  /** Follows the cluster's autolock setting from now on; `onClusterChange` is the manager's. */
  follow(onClusterChange: (fn: () => void) => () => void): void {
    this.unwatch = onClusterChange(() => this.syncSoon());
    this.syncSoon();
  }

  /** The manager stops: the cluster is no longer followed. */
  stopFollowing(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** The node leaves the swarm or stops: keys closed. */
  close(): void {
    this.store = undefined;
    this.sealedWith = '';
  }

  /** Seals or unseals the keys as the cluster says; a failure is logged loudly and tried again. */
  private syncSoon(delayMs = 0) {
    const run = () => {
      this.d.serial(() => this.sync()).catch((err) => {
        log.error({ err: String(err) }, 'sealing the keys with the unlock key failed; retrying');
        if (this.d.unlockKey() !== undefined) this.syncSoon(Math.min(Math.max(1000, delayMs * 2), 30_000));
      });
    };
    if (delayMs === 0) run(); else this.d.clock.setTimeout(run, delayMs);
  }

  /** Autolock on every manager: its keys sealed with the swarm's unlock key (a new data key with it), or plain again. */
  async sync(): Promise<void> {
    const want = this.d.unlockKey();
    const keys = this.store;
    if (want === undefined || !keys) return;
    if (want === this.sealedWith) return;
    if (want) await keys.seal(parseUnlockKey(want));
    else await keys.unseal();
    this.sealedWith = want;
    this.codec?.setKeys(keys.dataKeys);
    log.info({ autolock: !!want }, want ? 'keys sealed with the unlock key' : 'keys unsealed');
  }
}
