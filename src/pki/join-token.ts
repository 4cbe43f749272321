import { randomBytes } from 'node:crypto';

/** Base36 of a big-endian number, left-padded with zeros to `width`. */
function base36(buf: Buffer, width: number): string {
  return BigInt('0x' + buf.toString('hex')).toString(36).padStart(width, '0');
}

/** The root CA digest as a join token carries it: base36, 50 chars. */
export function joinTokenDigest(rootDigestHex: string): string {
  return base36(Buffer.from(rootDigestHex, 'hex'), 50);
}

/** `SWMTKN-1-<base36 sha256 of the root CA, 50 chars>-<base36 secret, 25 chars>`. */
export function newJoinToken(rootDigestHex: string, random: (n: number) => Buffer = randomBytes): string {
  const digest = joinTokenDigest(rootDigestHex);
  const secret = base36(random(16), 25).slice(-25);
  return `SWMTKN-1-${digest}-${secret}`;
}

export function parseJoinToken(token: string): { digest: string; secret: string } | undefined {
  const m = /^SWMTKN-1-([0-9a-z]{50})-([0-9a-z]{25})$/.exec(token);
  return m ? { digest: m[1], secret: m[2] } : undefined;
}
