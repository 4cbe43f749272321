import type { Cluster } from '../../types/objects.js';
import { defaultSwarmSpec, withSpecDefaults } from '../cluster.js';

/** Entries stay this long after their certificates expire (swarmkit's expiredCertGrace: clocks differ). */
const EXPIRED_GRACE_MS = 7 * 24 * 3600_000;

/**
 * The cluster with `nodeId` remembered as removed (swarmkit's
 * BlacklistedCertificates), and entries whose certificates are long expired
 * dropped. The store does not keep each node's certificate: its last one
 * was issued at the latest now, so it expires within the longer of the
 * swarm's certificate lifetime and the default (which covers a lifetime
 * shortened since).
 */
export function withRemovedNode(c: Cluster, nodeId: string, now: number): Cluster {
  const lifeNs = Math.max(withSpecDefaults(c.Spec).CAConfig!.NodeCertExpiry!, defaultSwarmSpec().CAConfig!.NodeCertExpiry!);
  const kept = Object.entries(c.RemovedNodes ?? {}).filter(([, e]) => !(Date.parse(e.Expiry) + EXPIRED_GRACE_MS < now));
  return { ...c, RemovedNodes: { ...Object.fromEntries(kept), [nodeId]: { Expiry: new Date(now + lifeNs / 1e6).toISOString() } } };
}

/** Whether the swarm removed this node (its certificates are refused on every cluster call). */
export function isRemovedNode(c: Cluster | undefined, nodeId: string): boolean {
  return !!c?.RemovedNodes && Object.hasOwn(c.RemovedNodes, nodeId);
}
