import { crc32 } from 'node:zlib';

/** Turns each record's bytes into what is written (encryption at rest plugs in here). */
export interface RecordCodec {
  encode(buf: Buffer): Buffer;
  /** May throw an UnreadableRecordError: intact bytes this codec must not or cannot open. */
  decode(buf: Buffer): Buffer;
  /** The key new records are written under; the WAL starts a new segment when it changes. */
  readonly writeKeyId?: string;
  /** Which key a stored record was written under (PLAIN_KEY_ID when none). */
  keyIdOf?(stored: Buffer): string;
}

/** First byte of an AES-256-GCM record; plain records are JSON and start with '{'. */
export const AES_GCM_V1 = 0x01;
export const PLAIN_KEY_ID = 'plain';

/**
 * A record whose CRC matched, so not a torn write, that still cannot be
 * used: never cut, never applied, the start stops.
 */
export class UnreadableRecordError extends Error {
  /** The same error with where it happened in front. */
  at(where: string): UnreadableRecordError {
    return new (this.constructor as new (m: string) => UnreadableRecordError)(`${where}: ${this.message}`);
  }
}

/** Written under a key we were not given: a wrong or missing key, not corruption. */
export class WrongKeyError extends UnreadableRecordError {
  override name = 'WrongKeyError';
}

/** Failed authentication under the right key: tampered with. */
export class TamperedRecordError extends UnreadableRecordError {
  override name = 'TamperedRecordError';
}

export const plainCodec: RecordCodec = {
  encode: (b) => b,
  decode: (b) => {
    // Without this, an encrypted WAL opened with no key would look undecodable and be cut.
    if (b[0] === AES_GCM_V1) throw new WrongKeyError('the record is encrypted and no data key was given');
    return b;
  },
  writeKeyId: PLAIN_KEY_ID,
  keyIdOf: () => PLAIN_KEY_ID,
};

const HEADER = 8; // u32 length, u32 crc32 of the stored payload

export function encodeRecord(payload: unknown, codec: RecordCodec): Buffer {
  return encodeRawRecord(Buffer.from(JSON.stringify(payload)), codec);
}

/** A record of bytes that are not JSON (a part of a snapshot's data). */
export function encodeRawRecord(bytes: Buffer, codec: RecordCodec): Buffer {
  const body = codec.encode(bytes);
  const head = Buffer.alloc(HEADER);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([head, body]);
}

export type RawResult =
  | { kind: 'record'; body: Buffer; end: number }
  | { kind: 'end' }
  /** Not a whole valid record: a torn write or corruption at `at`. */
  | { kind: 'bad'; at: number; why: string };

/** The stored payload of the record at `pos`, checked against its CRC but not decoded. */
export function readRawRecord(buf: Buffer, pos: number): RawResult {
  if (pos === buf.length) return { kind: 'end' };
  if (pos + HEADER > buf.length) return { kind: 'bad', at: pos, why: 'torn header' };
  const len = buf.readUInt32LE(pos);
  const crc = buf.readUInt32LE(pos + 4);
  const end = pos + HEADER + len;
  if (end > buf.length) return { kind: 'bad', at: pos, why: 'torn record' };
  const body = buf.subarray(pos + HEADER, end);
  if (crc32(body) !== crc) return { kind: 'bad', at: pos, why: 'checksum mismatch' };
  return { kind: 'record', body, end };
}

export type DecodeResult<T> =
  /** `body`: the stored payload, as written. */
  | { kind: 'record'; value: T; end: number; body: Buffer }
  | { kind: 'end' }
  | { kind: 'bad'; at: number; why: string };

/** Throws UnreadableRecordError (prefixed with `where` and the offset) for a wrong key or tampering. */
export function decodeRecord<T>(buf: Buffer, pos: number, codec: RecordCodec, where = 'record'): DecodeResult<T> {
  const raw = readRawRecord(buf, pos);
  if (raw.kind !== 'record') return raw;
  let plain: Buffer;
  try {
    plain = codec.decode(raw.body);
  } catch (e) {
    if (e instanceof UnreadableRecordError) throw e.at(`${where} at byte ${pos}`);
    return { kind: 'bad', at: pos, why: 'undecodable record' };
  }
  try {
    return { kind: 'record', value: JSON.parse(plain.toString('utf8')) as T, end: raw.end, body: raw.body };
  } catch {
    return { kind: 'bad', at: pos, why: 'undecodable record' };
  }
}
