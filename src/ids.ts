import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** Random bytes are drawn from the OS in pools, not one call per ID (thousands of tasks are created at once). */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

function pooledRandom(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomFillSync(Buffer.alloc(POOL_SIZE));
    offset = 0;
  }
  offset += n;
  return pool.subarray(offset - n, offset);
}

/** A 25-character base36 object ID, like swarmkit's identity.NewID(). */
export function newId(random: (n: number) => Buffer = pooledRandom): string {
  const bytes = random(16);
  let n = BigInt('0x' + bytes.toString('hex'));
  let s = '';
  while (s.length < 25) {
    s = ALPHABET[Number(n % 36n)] + s;
    n /= 36n;
  }
  return s;
}
