import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A 25-character base36 object ID, like swarmkit's identity.NewID(). */
export function newId(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(16);
  let n = BigInt('0x' + bytes.toString('hex'));
  let s = '';
  while (s.length < 25) {
    s = ALPHABET[Number(n % 36n)] + s;
    n /= 36n;
  }
  return s;
}
