import { X509Certificate, createPrivateKey, sign, verify } from 'node:crypto';
import { certIdentity, type CertIdentity } from './identity.js';
import { pemBlocks } from './pem.js';
import { verifyChain } from '../manager/ca/verify.js';

/**
 * A renewal's proof that the node holds the key of its current certificate:
 * the certificate and that key's signature over the new CSR. A follower
 * that hands a renewal to the leader passes it along, so the leader learns
 * who asked from the node itself, not from the follower's word. Replaying
 * it gains nothing: the new certificate is for the CSR's key, which only
 * the node holds.
 */
export interface RenewalProof {
  /** The node's current chain (leaf first). */
  certChainPem: string;
  /** base64 signature of CONTEXT + the CSR, by the leaf's key. */
  signature: string;
}

const CONTEXT = 'tswarm certificate renewal\n';

export function proveRenewal(current: { keyPem: string; certChainPem: string }, csrPem: string): RenewalProof {
  const signature = sign('sha256', Buffer.from(CONTEXT + csrPem), createPrivateKey(current.keyPem)).toString('base64');
  return { certChainPem: current.certChainPem, signature };
}

/** The node that signed the proof, once its chain leads to `rootsPem` and its signature checks; throws otherwise. */
export function verifyRenewal(proof: RenewalProof, csrPem: string, rootsPem: string[], now: Date): CertIdentity {
  if (typeof proof?.certChainPem !== 'string' || typeof proof.signature !== 'string') throw new Error('malformed renewal proof');
  if (!verifyChain(proof.certChainPem, rootsPem, now)) throw new Error('the renewal proof\'s certificate is not from this swarm\'s CA');
  const [leaf] = pemBlocks(proof.certChainPem);
  const key = new X509Certificate(leaf).publicKey;
  if (!verify('sha256', Buffer.from(CONTEXT + csrPem), key, Buffer.from(proof.signature, 'base64'))) {
    throw new Error('the renewal proof\'s signature does not match its certificate');
  }
  return certIdentity(leaf);
}
