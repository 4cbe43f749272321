import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AES_GCM_V1, PLAIN_KEY_ID, TamperedRecordError, WrongKeyError, type RecordCodec } from './records.js';

/** The data encryption keys (DEKs): `current` writes, all of them read. */
export interface DataKeys {
  current: Buffer;
  /** Older DEKs still needed to read what was written before a rotation. */
  previous?: readonly Buffer[];
}

export const DEK_BYTES = 32;
const ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEAD = 1 + ID_BYTES + NONCE_BYTES;

/**
 * A key's public name: HMAC(key, label), so it names the key without
 * revealing it and a wrong key is told apart from a corrupt record.
 */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('tswarm raft dek id v1').digest().subarray(0, ID_BYTES).toString('hex');
}

/**
 * AES-256-GCM per record: [0x01][key id, 8][nonce, 12][ciphertext][tag, 16].
 * The nonce is random, so a record does not depend on where it is stored;
 * the format byte and key id are authenticated as additional data.
 */
export class AesGcmCodec implements RecordCodec {
  private keys = new Map<string, Buffer>();
  private currentId = '';

  /** `readPlaintext`: also read records written before encryption was on (migration). */
  constructor(keys: DataKeys, private opts: { readPlaintext?: boolean } = {}) {
    this.setKeys(keys);
  }

  /** Switches keys at once; persist a new DEK (KeyStore) before it writes anything. */
  setKeys(keys: DataKeys): void {
    const all = [keys.current, ...(keys.previous ?? [])];
    for (const k of all) if (k.length !== DEK_BYTES) throw new Error(`a raft data key is ${DEK_BYTES} bytes, got ${k.length}`);
    this.keys = new Map(all.map((k) => [keyId(k), Buffer.from(k)]));
    this.currentId = keyId(keys.current);
  }

  get writeKeyId(): string { return this.currentId; }

  encode(plain: Buffer): Buffer {
    const head = Buffer.alloc(HEAD);
    head[0] = AES_GCM_V1;
    Buffer.from(this.currentId, 'hex').copy(head, 1);
    const nonce = randomBytes(NONCE_BYTES);
    nonce.copy(head, 1 + ID_BYTES);
    const c = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(head.subarray(0, 1 + ID_BYTES));
    const body = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([head, body, c.getAuthTag()]);
  }

  decode(stored: Buffer): Buffer {
    if (stored[0] !== AES_GCM_V1) {
      if (this.opts.readPlaintext && stored[0] === 0x7b /* '{' */) return stored;
      throw new WrongKeyError('the record is not encrypted (or in an unknown format) and plaintext is not accepted');
    }
    if (stored.length < HEAD + TAG_BYTES) throw new TamperedRecordError('encrypted record too short');
    const id = stored.subarray(1, 1 + ID_BYTES).toString('hex');
    const key = this.keys.get(id);
    if (!key) {
      throw new WrongKeyError(`written under data key ${id}, which is not among the keys given (${[...this.keys.keys()].join(', ')}): wrong key`);
    }
    const d = createDecipheriv('aes-256-gcm', key, stored.subarray(1 + ID_BYTES, HEAD), { authTagLength: TAG_BYTES });
    d.setAAD(stored.subarray(0, 1 + ID_BYTES));
    d.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
    try {
      return Buffer.concat([d.update(stored.subarray(HEAD, stored.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new TamperedRecordError(`record under data key ${id} failed authentication: tampered with or corrupted`);
    }
  }

  keyIdOf(stored: Buffer): string {
    return stored[0] === AES_GCM_V1 ? stored.subarray(1, 1 + ID_BYTES).toString('hex') : PLAIN_KEY_ID;
  }
}
