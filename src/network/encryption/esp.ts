import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * IPsec ESP (RFC 4303) with AES-GCM (RFC 4106, `rfc4106(gcm(aes))`):
 *
 *   SPI (4) | sequence (4) | IV (8) | ciphertext | ICV (16)
 *
 * The ciphertext holds the protected datagram, padding to a 4-byte boundary,
 * the pad length and the next header (17: UDP, transport mode). The AAD is
 * SPI and sequence; the nonce is a 4-byte salt and the 8-byte IV. As
 * libnetwork, the AES-128 key is the swarm's key and the salt is the SPI.
 */
export const ESP_HEADER = 8;
export const ESP_IV = 8;
export const ESP_ICV = 16;
export const NEXT_HEADER_UDP = 17;
/** IKE's UDP port, where RFC 3948 carries ESP in UDP (NAT traversal). */
export const ESP_UDP_PORT = 4500;

/** One direction of one host pair under one key (a security association). */
export interface SecurityAssociation {
  spi: number;
  key: Buffer;
  salt: Buffer;
}

/** The sending side of an SA: its sequence number and IV counter. */
export interface OutboundSA extends SecurityAssociation {
  seq: number;
  /** IV = ivBase + n (mod 2^64), ivBase random per SA: a restarted sender does not repeat nonces of the same key. */
  ivBase: bigint;
  n: bigint;
}

/** 32-bit FNV-1a, as libnetwork's SPI: over source, key tag and destination. */
function fnv1a(parts: Buffer[]): number {
  let h = 0x811c9dc5;
  for (const b of parts) for (const x of b) { h ^= x; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

/** An IPv4 address in Go's 16-byte form (::ffff:a.b.c.d), as libnetwork hashes it. */
function ip16(addr: string): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff; b[11] = 0xff;
  addr.split('.').forEach((x, i) => { b[12 + i] = Number(x); });
  return b;
}

/** The SPI of traffic from `src` to `dst` under the key tagged `tag` (SPIs 0-255 are reserved). */
export function spiFor(src: string, dst: string, tag: number): number {
  const t = Buffer.alloc(4);
  t.writeUInt32BE(tag >>> 0);
  const spi = fnv1a([ip16(src), t, ip16(dst)]);
  return spi < 256 ? spi + 256 : spi;
}

export function saFor(src: string, dst: string, tag: number, key: Buffer): SecurityAssociation {
  const spi = spiFor(src, dst, tag);
  const salt = Buffer.alloc(4);
  salt.writeUInt32BE(spi);
  return { spi, key, salt };
}

export function outbound(sa: SecurityAssociation): OutboundSA {
  return { ...sa, seq: 0, ivBase: randomBytes(8).readBigUInt64BE(), n: 0n };
}

/** Encrypts one datagram (with its UDP header) into an ESP packet. */
export function seal(sa: OutboundSA, payload: Buffer, nextHeader = NEXT_HEADER_UDP): Buffer {
  sa.seq = (sa.seq + 1) >>> 0 || 1;
  const iv = Buffer.alloc(ESP_IV);
  iv.writeBigUInt64BE((sa.ivBase + sa.n++) & 0xffffffffffffffffn);
  const head = Buffer.alloc(ESP_HEADER);
  head.writeUInt32BE(sa.spi, 0);
  head.writeUInt32BE(sa.seq, 4);
  const pad = (4 - ((payload.length + 2) % 4)) % 4;
  const trailer = Buffer.alloc(pad + 2);
  for (let i = 0; i < pad; i++) trailer[i] = i + 1;
  trailer[pad] = pad;
  trailer[pad + 1] = nextHeader;
  const c = createCipheriv('aes-128-gcm', sa.key, Buffer.concat([sa.salt, iv]), { authTagLength: ESP_ICV });
  c.setAAD(head);
  const body = [c.update(payload), c.update(trailer), c.final()];
  return Buffer.concat([head, iv, ...body, c.getAuthTag()]);
}

/** The SPI an ESP packet names (0 for too short: not ESP). */
export function spiOf(packet: Buffer): number {
  return packet.length >= ESP_HEADER ? packet.readUInt32BE(0) : 0;
}

/** Decrypts and authenticates an ESP packet; undefined when it does not verify or is malformed. */
export function open(sa: SecurityAssociation, packet: Buffer): { payload: Buffer; nextHeader: number } | undefined {
  if (packet.length < ESP_HEADER + ESP_IV + ESP_ICV + 4) return undefined;
  const head = packet.subarray(0, ESP_HEADER);
  const iv = packet.subarray(ESP_HEADER, ESP_HEADER + ESP_IV);
  const tag = packet.subarray(packet.length - ESP_ICV);
  try {
    const d = createDecipheriv('aes-128-gcm', sa.key, Buffer.concat([sa.salt, iv]), { authTagLength: ESP_ICV });
    d.setAAD(head);
    d.setAuthTag(tag);
    const plain = Buffer.concat([d.update(packet.subarray(ESP_HEADER + ESP_IV, packet.length - ESP_ICV)), d.final()]);
    const padLen = plain[plain.length - 2];
    if (padLen + 2 > plain.length) return undefined;
    return { payload: plain.subarray(0, plain.length - 2 - padLen), nextHeader: plain[plain.length - 1] };
  } catch {
    return undefined;
  }
}
