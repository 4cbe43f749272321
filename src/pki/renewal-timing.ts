/**
 * Backdating absorbs clock skew between the CA and the nodes checking its
 * certificates: the CA backdates notBefore by this much, and renewal timing
 * counts a certificate's life from the real issue time.
 */
export const CLOCK_SKEW_MS = 60_000;

/**
 * How long to wait before renewing a certificate: a random point between 50 %
 * and 80 % of its life (swarmkit's rule, so a cluster's nodes don't all renew
 * at once), counted from `now`; never negative (overdue means renew now).
 */
export function renewalDelayMs(notBefore: Date, notAfter: Date, random: () => number = Math.random, now: Date = new Date()): number {
  // Life counts from issue, not from the backdated notBefore (which only absorbs clock skew).
  const issued = Math.min(notBefore.getTime() + CLOCK_SKEW_MS, notAfter.getTime());
  const life = notAfter.getTime() - issued;
  const at = issued + life * (0.5 + 0.3 * random());
  return Math.max(0, Math.floor(at - now.getTime()));
}
