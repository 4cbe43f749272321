import { createPrivateKey, sign } from 'node:crypto';

/**
 * A renewal's proof that the node holds the key of its current certificate:
 * the certificate and that key's signature over the new CSR. A follower
 * that hands a renewal to the leader passes it along, so the leader learns
 * who asked from the node itself, not from the follower's word. Replaying
 * it gains nothing: the new certificate is for the CSR's key, which only
 * the node holds. The CA checks it in manager/ca/renewal-proof-check.ts.
 */
export interface RenewalProof {
  /** The node's current chain (leaf first). */
  certChainPem: string;
  /** base64 signature of renewalProofMessage(CSR), by the leaf's key. */
  signature: string;
}

/** The bytes a proof signs: a fixed context, so the signature means nothing elsewhere, then the CSR. */
export function renewalProofMessage(csrPem: string): Buffer {
  return Buffer.from('tswarm certificate renewal\n' + csrPem);
}

export function proveRenewal(current: { keyPem: string; certChainPem: string }, csrPem: string): RenewalProof {
  const signature = sign('sha256', renewalProofMessage(csrPem), createPrivateKey(current.keyPem)).toString('base64');
  return { certChainPem: current.certChainPem, signature };
}
