import { randomBytes } from 'node:crypto';
import { ApiError } from '../../types/errors.js';

// Docker's texts, from moby daemon/cluster/errors.go and swarm.go (UnlockSwarm)
// and swarmkit manager/encryption/encryption.go (ParseHumanReadableKey);
// the same in Docker 20.10 and today.

/** 503 on any manager call while locked (errSwarmLocked, notAvailableError). */
export const ERR_SWARM_LOCKED =
  'Swarm is encrypted and needs to be unlocked before it can be used. Please use "docker swarm unlock" to unlock it.';
/** 401 from POST /swarm/unlock when the key does not open the node's keys (invalidUnlockKey, Unauthorized). */
export const ERR_INVALID_UNLOCK_KEY = 'swarm could not be unlocked: invalid key provided';
/** 400 from POST /swarm/unlock when the key is not SWMKEY-1-<base64> (ParseHumanReadableKey, InvalidParameter). */
export const ERR_INVALID_KEY_STRING = 'invalid key string';
/** 409 from POST /swarm/unlock on an active manager (notLockedError, Conflict). */
export const ERR_SWARM_NOT_LOCKED = 'swarm is not locked';

// docker/cli v20.10 cli/command/swarm/unlock.go: checked on the client from
// GET /info before it asks for a key (today's CLI spells them "error: this node…").
export const CLI_UNLOCK_PROMPT = 'Enter unlock key: ';
export const CLI_ERR_NOT_IN_SWARM = 'Error: This node is not part of a swarm';
export const CLI_ERR_NOT_LOCKED = 'Error: swarm is not locked';

export const UNLOCK_KEY_PREFIX = 'SWMKEY-1-';
export const UNLOCK_KEY_BYTES = 32;

/** A node's keys are sealed and no unlock key was given. */
export class LockedError extends ApiError {
  constructor() { super(503, ERR_SWARM_LOCKED); this.name = 'LockedError'; }
}

/** The unlock key given does not open the node's keys. */
export class WrongUnlockKeyError extends ApiError {
  constructor() { super(401, ERR_INVALID_UNLOCK_KEY); this.name = 'WrongUnlockKeyError'; }
}

export class InvalidUnlockKeyStringError extends ApiError {
  constructor() { super(400, ERR_INVALID_KEY_STRING); this.name = 'InvalidUnlockKeyStringError'; }
}

export class NotLockedError extends ApiError {
  constructor() { super(409, ERR_SWARM_NOT_LOCKED); this.name = 'NotLockedError'; }
}

export function generateUnlockKey(): Buffer {
  return randomBytes(UNLOCK_KEY_BYTES);
}

/** HumanReadableKey: the prefix and unpadded standard base64 (43 characters for 32 bytes). */
export function formatUnlockKey(key: Buffer): string {
  return UNLOCK_KEY_PREFIX + key.toString('base64').replace(/=+$/, '');
}

/**
 * ParseHumanReadableKey, as strict as Go's base64.RawStdEncoding (which
 * skips CR and LF, refuses padding and stray characters). Like Docker it
 * does not check the length: a short key is simply a wrong key.
 */
export function parseUnlockKey(s: string): Buffer {
  if (!s.startsWith(UNLOCK_KEY_PREFIX)) throw new InvalidUnlockKeyStringError();
  const b64 = s.slice(UNLOCK_KEY_PREFIX.length).replace(/[\r\n]/g, '');
  // Node's decoder skips bad characters silently, so check them first.
  if (!/^[A-Za-z0-9+/]*$/.test(b64) || b64.length % 4 === 1) throw new InvalidUnlockKeyStringError();
  return Buffer.from(b64, 'base64');
}
