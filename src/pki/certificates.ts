/**
 * src/pki/ is the node's side of the cluster's PKI, what every node (worker
 * or manager) needs to get, hold, renew and present its certificate, plus
 * the X.509 reading both sides share. The authority itself (root CA,
 * signing, rotation, who may call what) is the manager's: src/manager/ca/.
 * This file is one import for the certificate handling.
 */
export { createKeyAndCSR } from './csr.js';
export { certIdentity, ROLE_OU, type NodeRole, type NodeIdentity, type CertIdentity } from './identity.js';
export { rootDigest, tokenMatchesRoot, parseJoinToken } from './join-token.js';
export { renewalDelayMs, CLOCK_SKEW_MS } from './renewal-timing.js';
export { proveRenewal, type RenewalProof } from './renewal-proof.js';
export { toPem, pemBlocks, pemBlock, splitPemChain } from './pem.js';
