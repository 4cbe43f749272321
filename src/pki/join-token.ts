import { createHash } from 'node:crypto';
import { pemBlock } from './pem.js';

/**
 * Join tokens as a joining node reads them:
 * `SWMTKN-1-<base36 sha256 of the root CA, 50 chars>-<base36 secret, 25 chars>`.
 * Making them is the manager's (manager/ca/join-tokens.ts).
 */

/** Base36 of a big-endian number, left-padded with zeros to `width`. */
export function base36(buf: Buffer, width: number): string {
  return BigInt('0x' + buf.toString('hex')).toString(36).padStart(width, '0');
}

/** The root CA digest as a join token carries it: base36, 50 chars. */
export function joinTokenDigest(rootDigestHex: string): string {
  return base36(Buffer.from(rootDigestHex, 'hex'), 50);
}

export function parseJoinToken(token: string): { digest: string; secret: string } | undefined {
  const m = /^SWMTKN-1-([0-9a-z]{50})-([0-9a-z]{25})$/.exec(token);
  return m ? { digest: m[1], secret: m[2] } : undefined;
}

/** sha256 of the (first) certificate's DER, hex: what join tokens embed. */
export function rootDigest(certPem: string): string {
  return createHash('sha256').update(pemBlock(certPem)).digest('hex');
}

/** Whether `token` was made for the root CA `certPem` (the joiner's check of an untrusted download). */
export function tokenMatchesRoot(token: string, certPem: string): boolean {
  const parsed = parseJoinToken(token);
  return parsed !== undefined && parsed.digest === joinTokenDigest(rootDigest(certPem));
}
