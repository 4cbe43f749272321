import { X509Certificate, verify } from 'node:crypto';
import { certIdentity, type CertIdentity } from '../../pki/identity.js';
import { pemBlocks } from '../../pki/pem.js';
import { renewalProofMessage, type RenewalProof } from '../../pki/renewal-proof.js';
import { verifyChain } from './verify.js';

/** The node that signed the proof, once its chain leads to `rootsPem` and its signature checks; throws otherwise. */
export function verifyRenewal(proof: RenewalProof, csrPem: string, rootsPem: string[], now: Date): CertIdentity {
  if (typeof proof?.certChainPem !== 'string' || typeof proof.signature !== 'string') throw new Error('malformed renewal proof');
  if (!verifyChain(proof.certChainPem, rootsPem, now)) throw new Error('the renewal proof\'s certificate is not from this swarm\'s CA');
  const [leaf] = pemBlocks(proof.certChainPem);
  const key = new X509Certificate(leaf).publicKey;
  if (!verify('sha256', renewalProofMessage(csrPem), key, Buffer.from(proof.signature, 'base64'))) {
    throw new Error('the renewal proof\'s signature does not match its certificate');
  }
  return certIdentity(leaf);
}
