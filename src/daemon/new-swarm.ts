import type { SwarmInitRequest } from '../api/backend.js';
import { newId } from '../ids.js';
import { signCSR } from '../manager/ca/issue.js';
import { createRootCA, type CAKeyPair } from '../manager/ca/root-ca.js';
import { withSpecDefaults } from '../manager/cluster.js';
import { createKeyAndCSR } from '../pki/certificates.js';
import type { TlsMaterial } from '../pki/tls.js';

/** What `swarm init` founds a swarm with: its ID, its root CA, and the first manager's certificate. */
export interface NewSwarm {
  clusterId: string;
  rootCA: CAKeyPair;
  /** The founding manager's TLS material, signed by the new root. */
  material: TlsMaterial;
}

/** A new swarm's ID and root CA, and a manager certificate for nodeId that lives as long as the spec says. */
export function newSwarm(nodeId: string, spec: SwarmInitRequest['Spec'], now: Date): NewSwarm {
  const clusterId = newId();
  const rootCA = createRootCA(now);
  const { keyPem, csrPem } = createKeyAndCSR();
  const expiryMs = Math.round(withSpecDefaults(spec).CAConfig!.NodeCertExpiry! / 1e6);
  const certChainPem = signCSR(rootCA, csrPem, { nodeId, role: 'manager', clusterId, now, expiryMs });
  return { clusterId, rootCA, material: { keyPem, certChainPem, rootsPem: [rootCA.certPem] } };
}

/** The init request's spec, with `--autolock` (a field of the request, not of the spec) folded in as moby does. */
export function withAutolock(req: SwarmInitRequest): SwarmInitRequest['Spec'] {
  if (!req.AutoLockManagers) return req.Spec;
  return { ...req.Spec, EncryptionConfig: { ...req.Spec?.EncryptionConfig, AutoLockManagers: true } };
}
