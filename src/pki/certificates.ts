/** The cluster CA's certificate operations, one import for the rest of the system. */
export { createRootCA, rootDigest, tokenMatchesRoot, crossSign, checkKeyPair, ROOT_CN, CLOCK_SKEW_MS, type CAKeyPair } from '../manager/ca/root-ca.js';
export { createKeyAndCSR, verifiedCsrKey } from './csr.js';
export { signCSR, type IssueOptions } from '../manager/ca/issue.js';
export { certIdentity, ROLE_OU, type NodeRole, type NodeIdentity, type CertIdentity } from './identity.js';
export { verifyChain } from '../manager/ca/verify.js';
export { renewalDelayMs } from './renewal-timing.js';
export { toPem, pemBlocks, pemBlock, splitPemChain } from './pem.js';
