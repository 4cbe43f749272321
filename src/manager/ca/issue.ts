import { X509Certificate } from 'node:crypto';
import {
  BasicConstraints, ExtendedKeyUsage, GeneralName, KeyUsage, KeyUsageFlags, SubjectAlternativeName,
  id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_kp_clientAuth, id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { OID, parseCert } from '../../pki/asn1.js';
import { ROLE_OU, type NodeRole } from '../../pki/identity.js';
import { CLOCK_SKEW_MS } from '../../pki/renewal-timing.js';
import { verifiedCsrKey } from './csr-check.js';
import { ROOT_CN, checkKeyPair, type CAKeyPair } from './root-ca.js';
import { akiExtension, buildName, extension, keyIdOf, signCertificate, skiExtension, subjectKeyId } from './x509-builder.js';

export interface IssueOptions {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
  now: Date;
  expiryMs: number;
}

/**
 * Issues a node's leaf certificate for a verified P-256 CSR. The subject is
 * the CA's decision (CN node, OU role, O cluster); SANs let peers check the
 * role by name (managers also answer as "swarm-ca", as in swarmkit).
 */
export function signCSR(ca: CAKeyPair, csrPem: string, opts: IssueOptions): string {
  const spki = verifiedCsrKey(csrPem);
  checkKeyPair(ca);
  if (!new X509Certificate(ca.certPem).ca) throw new Error('the issuing certificate is not a CA');
  const issuer = parseCert(ca.certPem);
  const caEnd = issuer.tbsCertificate.validity.notAfter.getTime();
  const wanted = new Date(opts.now.getTime() + opts.expiryMs);
  const dns = [ROLE_OU[opts.role], opts.nodeId, ...(opts.role === 'manager' ? [ROOT_CN] : [])];
  return signCertificate({
    issuer: issuer.tbsCertificate.subject,
    subject: buildName([[OID.organization, opts.clusterId], [OID.organizationalUnit, ROLE_OU[opts.role]], [OID.commonName, opts.nodeId]]),
    spki,
    notBefore: new Date(opts.now.getTime() - CLOCK_SKEW_MS),
    notAfter: wanted < caEnd ? wanted : caEnd, // a leaf cannot outlive its CA
    extensions: [
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment)),
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
      extension(id_ce_subjectAltName, false, new SubjectAlternativeName(dns.map((dNSName) => new GeneralName({ dNSName })))),
      skiExtension(keyIdOf(spki)),
      akiExtension(subjectKeyId(issuer)),
    ],
  }, ca.keyPem);
}
