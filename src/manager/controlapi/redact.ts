import type { Cluster } from '../../types/objects.js';

/**
 * The cluster as any caller of the control API sees it: without the root CA
 * (its key), the unlock key, the overlay encryption keys, tswarm's internal digest and the removed-node list. Removed here so no
 * route, forwarded write or log above can leak them; the unlock key leaves
 * only through getUnlockKey, as swarmkit's GetUnlockKey.
 */
export function publicCluster(c: Cluster): Cluster {
  const { RootDigest: _digest, RootCA: _ca, UnlockKey: _key, RemovedNodes: _removed, NetworkBootstrapKeys: _netKeys, EncryptionKeyLamportClock: _clock, ...rest } = c;
  return structuredClone(rest) as Cluster;
}
