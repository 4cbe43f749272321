import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERR_INVALID_KEY_STRING, formatUnlockKey, generateUnlockKey, InvalidUnlockKeyStringError, parseUnlockKey,
} from '../../../src/manager/keys/unlock-key.js';

test('SWMKEY-1- and unpadded base64, as swarmkit HumanReadableKey', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  const s = formatUnlockKey(key);
  // Go: encryption.HumanReadableKey(key) for the bytes 0..31.
  assert.equal(s, 'SWMKEY-1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
  assert.deepEqual(parseUnlockKey(s), key);
  const g = generateUnlockKey();
  assert.equal(formatUnlockKey(g).length, 9 + 43);
  assert.deepEqual(parseUnlockKey(formatUnlockKey(g)), g);
});

test('malformed keys give Docker\'s "invalid key string" (400); a short one parses and is just a wrong key', () => {
  for (const bad of ['', 'AAECAwQF', 'SWMKEY-2-AAEC', 'SWMKEY-1-AAEC=', 'SWMKEY-1-AA EC', 'SWMKEY-1-A', 'SWMKEY-1-AA*C']) {
    assert.throws(() => parseUnlockKey(bad), (e: Error) => e instanceof InvalidUnlockKeyStringError && e.message === ERR_INVALID_KEY_STRING && (e as InvalidUnlockKeyStringError).status === 400, bad);
  }
  assert.deepEqual(parseUnlockKey('SWMKEY-1-AAEC'), Buffer.from([0, 1, 2]));
  assert.deepEqual(parseUnlockKey('SWMKEY-1-AAEC\n'), Buffer.from([0, 1, 2]));
});
