import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEK_BYTES, keyId, type DataKeys } from '../../raft/storage/aes-gcm-codec.js';
import { writeFileAtomic } from './atomic-file.js';
import { LockedError, UNLOCK_KEY_BYTES, WrongUnlockKeyError } from './unlock-key.js';

export const KEYS_FILE = 'keys.json';

/** What the file protects; base64 keys. */
interface Secrets {
  dek: string;
  previousDeks: string[];
  tlsKeyPem?: string;
}

type KeysFile =
  | { version: 1; sealed: false; keys: Secrets }
  /** `data`: AES-256-GCM of the Secrets JSON, tag appended, under HKDF(unlock key, salt). */
  | { version: 1; sealed: true; kdf: 'hkdf-sha256'; salt: string; nonce: string; data: string };

const AAD = Buffer.from('tswarm keys v1');
const b64 = (b: Buffer) => b.toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64');

interface Kek { key: Buffer; salt: Buffer }

function deriveKek(unlockKey: Buffer, salt: Buffer): Kek {
  return { key: Buffer.from(hkdfSync('sha256', unlockKey, salt, 'tswarm keys kek v1', 32)), salt };
}

/**
 * A manager's own keys in <dir>/keys.json: the Raft data encryption key
 * (DEK), older DEKs still needed to read, and the node's TLS private key.
 * Plain while autolock is off (the DEK then only lets a DEK rotation make
 * old data unreadable); sealed under the unlock key while it is on, as
 * swarmkit seals its DEK and TLS key together. Every change is one atomic
 * file write, done before memory changes.
 */
export class KeyStore {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string, private secrets: Secrets, private kek?: Kek) {}

  /**
   * Opens <dir>/keys.json, creating it with a new DEK when absent (sealed
   * when `unlockKey` is given). Throws LockedError when sealed and no key
   * is given, WrongUnlockKeyError when the key does not open it.
   */
  static async open(dir: string, unlockKey?: Buffer): Promise<KeyStore> {
    const path = join(dir, KEYS_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const kek = unlockKey ? deriveKek(checkUnlockKey(unlockKey), randomBytes(16)) : undefined;
      const ks = new KeyStore(path, { dek: b64(randomBytes(DEK_BYTES)), previousDeks: [] }, kek);
      await writeFileAtomic(path, render(ks.secrets, kek));
      return ks;
    }
    const f = parse(text, path);
    if (!f.sealed) return new KeyStore(path, f.keys);
    if (!unlockKey) throw new LockedError();
    const kek = deriveKek(unlockKey, unb64(f.salt));
    const sealed = unb64(f.data);
    const d = createDecipheriv('aes-256-gcm', kek.key, unb64(f.nonce), { authTagLength: 16 });
    d.setAAD(AAD);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
    } catch {
      throw new WrongUnlockKeyError();
    }
    return new KeyStore(path, JSON.parse(plain.toString('utf8')) as Secrets, kek);
  }

  /** Autolock: the keys are sealed under an unlock key. */
  get sealed(): boolean { return !!this.kek; }
  /** The DEK new WAL records and snapshots are written under. */
  get dek(): Buffer { return unb64(this.secrets.dek); }
  /** For AesGcmCodec: the current DEK and those kept to read older data. */
  get dataKeys(): DataKeys { return { current: this.dek, previous: this.secrets.previousDeks.map(unb64) }; }
  get tlsKeyPem(): string | undefined { return this.secrets.tlsKeyPem; }

  /** Stores (or with undefined removes) the node's TLS private key, sealed like the DEK. */
  async setTlsKey(pem: string | undefined): Promise<void> {
    if (pem !== undefined) createPrivateKey(pem); // refuse what is not a key before it replaces one
    return this.update((s, kek) => ({ s: { ...s, tlsKeyPem: pem }, kek }));
  }

  /**
   * Turns autolock on, or moves to a new unlock key. Turning it on also
   * rotates the DEK in the same write: the old one was on disk in clear.
   */
  async seal(unlockKey: Buffer): Promise<void> {
    const next = deriveKek(checkUnlockKey(unlockKey), randomBytes(16));
    return this.update((s, kek) => ({ s: kek ? s : rotated(s), kek: next }));
  }

  /** Turns autolock off: the keys are written in clear. */
  unseal(): Promise<void> {
    return this.update((s) => ({ s, kek: undefined }));
  }

  /**
   * A new DEK for writing; the old one is kept for reading until
   * pruneDeks() finds it unused. Give the codec `dataKeys` after this resolves.
   */
  rotateDek(): Promise<void> {
    return this.update((s, kek) => ({ s: rotated(s), kek }));
  }

  /** Forgets older DEKs whose key id (keyId()) is not in `inUse` (FileRaftStorage.usedKeyIds()). */
  pruneDeks(inUse: ReadonlySet<string>): Promise<void> {
    return this.update((s, kek) => {
      const keep = s.previousDeks.filter((k) => inUse.has(keyId(unb64(k))));
      return keep.length === s.previousDeks.length ? undefined : { s: { ...s, previousDeks: keep }, kek };
    });
  }

  /**
   * One change at a time, computed from the state it follows (undefined:
   * nothing to write); written first, then taken, so memory never runs
   * ahead of the disk.
   */
  private update(change: (s: Secrets, kek: Kek | undefined) => { s: Secrets; kek: Kek | undefined } | undefined): Promise<void> {
    const run = this.queue.then(async () => {
      const next = change(this.secrets, this.kek);
      if (!next) return;
      await writeFileAtomic(this.path, render(next.s, next.kek));
      this.secrets = next.s;
      this.kek = next.kek;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function rotated(s: Secrets): Secrets {
  return { ...s, dek: b64(randomBytes(DEK_BYTES)), previousDeks: [s.dek, ...s.previousDeks] };
}

function checkUnlockKey(k: Buffer): Buffer {
  if (k.length !== UNLOCK_KEY_BYTES) throw new Error(`an unlock key is ${UNLOCK_KEY_BYTES} bytes, got ${k.length}`);
  return k;
}

function render(secrets: Secrets, kek: Kek | undefined): string {
  if (!kek) return JSON.stringify({ version: 1, sealed: false, keys: secrets } satisfies KeysFile);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek.key, nonce, { authTagLength: 16 });
  c.setAAD(AAD);
  const data = Buffer.concat([c.update(JSON.stringify(secrets)), c.final(), c.getAuthTag()]);
  const f: KeysFile = { version: 1, sealed: true, kdf: 'hkdf-sha256', salt: b64(kek.salt), nonce: b64(nonce), data: b64(data) };
  return JSON.stringify(f);
}

function parse(text: string, path: string): KeysFile {
  let f: KeysFile;
  try {
    f = JSON.parse(text) as KeysFile;
  } catch {
    throw new Error(`${path} is not valid JSON: the node's keys are damaged`);
  }
  if (f?.version !== 1) throw new Error(`${path}: unknown keys file version ${String((f as { version?: unknown })?.version)}`);
  return f;
}
