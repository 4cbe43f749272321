import { OID, nameAttr, parseCert } from './asn1.js';

export type NodeRole = 'manager' | 'worker';

/** OU and SAN DNS name of each role (swarmkit's names, so Docker's tooling reads them alike). */
export const ROLE_OU: Record<NodeRole, string> = { manager: 'swarm-manager', worker: 'swarm-worker' };

export interface NodeIdentity {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
}

export interface CertIdentity extends NodeIdentity {
  notBefore: Date;
  notAfter: Date;
}

/** Who a node certificate (PEM, or DER bytes) names: CN = node, OU = role, O = cluster. Throws on a non-node certificate. */
export function certIdentity(cert: string | Uint8Array): CertIdentity {
  const tbs = parseCert(cert).tbsCertificate;
  const ou = nameAttr(tbs.subject, OID.organizationalUnit);
  const role = (Object.keys(ROLE_OU) as NodeRole[]).find((r) => ROLE_OU[r] === ou);
  const nodeId = nameAttr(tbs.subject, OID.commonName);
  const clusterId = nameAttr(tbs.subject, OID.organization);
  if (!role || !nodeId || !clusterId) throw new Error('not a swarm node certificate');
  return { nodeId, role, clusterId, notBefore: tbs.validity.notBefore.getTime(), notAfter: tbs.validity.notAfter.getTime() };
}
