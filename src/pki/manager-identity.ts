import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { ROLE_OU, certIdentity } from './identity.js';

/**
 * Replaces hostname checking (managers are addressed by IP): the server,
 * already verified against the trusted roots, must hold a manager
 * certificate, by OU and by SAN, and, when `clusterId` is given, of that
 * swarm (two swarms may trust one root).
 */
export function checkManagerIdentity(_host: string, cert: PeerCertificate, clusterId?: string): Error | undefined {
  try {
    const id = certIdentity(cert.raw);
    if (id.role !== 'manager') return new Error('server certificate is not a manager\'s');
    if (clusterId !== undefined && id.clusterId !== clusterId) return new Error(`server certificate is not part of organization: ${clusterId}`);
    if (!new X509Certificate(cert.raw).checkHost(ROLE_OU.manager, { subject: 'never' })) {
      return new Error(`server certificate has no ${ROLE_OU.manager} name`);
    }
    return undefined;
  } catch (e) {
    return new Error(`server certificate: ${(e as Error).message}`);
  }
}
