import { crc32 } from 'node:zlib';

/** Turns each record's bytes into what is written (encryption at rest plugs in here). */
export interface RecordCodec {
  encode(buf: Buffer): Buffer;
  decode(buf: Buffer): Buffer;
}

export const plainCodec: RecordCodec = { encode: (b) => b, decode: (b) => b };

const HEADER = 8; // u32 length, u32 crc32 of the stored payload

export function encodeRecord(payload: unknown, codec: RecordCodec): Buffer {
  const body = codec.encode(Buffer.from(JSON.stringify(payload)));
  const head = Buffer.alloc(HEADER);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([head, body]);
}

export type DecodeResult<T> =
  | { kind: 'record'; value: T; end: number }
  | { kind: 'end' }
  /** Not a whole valid record: a torn write or corruption at `at`. */
  | { kind: 'bad'; at: number; why: string };

export function decodeRecord<T>(buf: Buffer, pos: number, codec: RecordCodec): DecodeResult<T> {
  if (pos === buf.length) return { kind: 'end' };
  if (pos + HEADER > buf.length) return { kind: 'bad', at: pos, why: 'torn header' };
  const len = buf.readUInt32LE(pos);
  const crc = buf.readUInt32LE(pos + 4);
  const end = pos + HEADER + len;
  if (end > buf.length) return { kind: 'bad', at: pos, why: 'torn record' };
  const body = buf.subarray(pos + HEADER, end);
  if (crc32(body) !== crc) return { kind: 'bad', at: pos, why: 'checksum mismatch' };
  try {
    return { kind: 'record', value: JSON.parse(codec.decode(body).toString('utf8')) as T, end };
  } catch {
    return { kind: 'bad', at: pos, why: 'undecodable record' };
  }
}
