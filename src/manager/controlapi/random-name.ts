import { randomInt } from 'node:crypto';

/**
 * A name for a service created without one, as Docker gives it: an
 * adjective and a scientist's or engineer's surname joined by `_`
 * (`sweet_yalow`). Our own lists; the shape is what users see.
 */
const ADJECTIVES = [
  'agile', 'amazing', 'blissful', 'bold', 'brave', 'bright', 'busy', 'calm', 'careful', 'cheerful', 'clever', 'cool',
  'curious', 'dazzling', 'eager', 'elated', 'epic', 'fervent', 'focused', 'friendly', 'gallant', 'gentle', 'happy',
  'hopeful', 'jolly', 'keen', 'kind', 'lucid', 'merry', 'modest', 'nifty', 'noble', 'patient', 'peaceful', 'quick',
  'quiet', 'relaxed', 'serene', 'sharp', 'steady', 'sweet', 'tender', 'upbeat', 'vibrant', 'wizardly', 'zealous',
];
const SURNAMES = [
  'agnesi', 'babbage', 'bardeen', 'bohr', 'boole', 'cerf', 'chandrasekhar', 'curie', 'darwin', 'dijkstra', 'einstein',
  'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss', 'goldberg', 'goodall',
  'hamilton', 'hawking', 'heisenberg', 'hopper', 'hypatia', 'johnson', 'kepler', 'knuth', 'lamport', 'leakey',
  'liskov', 'lovelace', 'mccarthy', 'meitner', 'mendel', 'newton', 'noether', 'pasteur', 'perlman', 'planck',
  'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wiles', 'wu', 'yalow',
];

const pick = (xs: string[]) => xs[randomInt(xs.length)];

/** A random name not in `taken` (after many tries, a digit is added as Docker's retries do). */
export function randomServiceName(taken: (name: string) => boolean): string {
  for (let retry = 0; ; retry++) {
    const name = `${pick(ADJECTIVES)}_${pick(SURNAMES)}${retry >= 10 ? randomInt(10) : ''}`;
    if (!taken(name)) return name;
  }
}
