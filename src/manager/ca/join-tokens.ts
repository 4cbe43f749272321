import { randomBytes } from 'node:crypto';
import { base36, joinTokenDigest } from '../../pki/join-token.js';

/** A new join token for the root with digest `rootDigestHex` (format in pki/join-token.ts). */
export function newJoinToken(rootDigestHex: string, random: (n: number) => Buffer = randomBytes): string {
  const digest = joinTokenDigest(rootDigestHex);
  const secret = base36(random(16), 25).slice(-25);
  return `SWMTKN-1-${digest}-${secret}`;
}
