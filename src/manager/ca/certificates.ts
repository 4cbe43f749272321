/** The cluster CA's certificate operations, one import for the rest of the system. */
export { createRootCA, rootDigest, tokenMatchesRoot, crossSign, checkKeyPair, ROOT_CN, CLOCK_SKEW_MS, type CAKeyPair } from './root-ca.js';
export { createKeyAndCSR, verifiedCsrKey } from './csr.js';
export { signCSR, type IssueOptions } from './issue.js';
export { certIdentity, ROLE_OU, type NodeRole, type NodeIdentity, type CertIdentity } from './identity.js';
export { verifyChain } from './verify.js';
export { renewalDelayMs } from './renewal.js';
export { toPem, pemBlocks, pemBlock, splitPemChain } from './pem.js';
