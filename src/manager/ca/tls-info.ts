import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { parseCert } from '../../pki/asn1.js';

export interface TLSInfo { TrustRoot: string; CertIssuerSubject: string; CertIssuerPublicKey: string }

const tlsInfoCache = new Map<string, TLSInfo>();

/** Docker's TLSInfo of a root: the PEM, its subject and public key in base64 DER. */
export function tlsInfo(certPem: string): TLSInfo {
  let info = tlsInfoCache.get(certPem);
  if (!info) {
    const x = new X509Certificate(certPem);
    info = {
      TrustRoot: certPem,
      CertIssuerSubject: Buffer.from(AsnConvert.serialize(parseCert(certPem).tbsCertificate.subject)).toString('base64'),
      CertIssuerPublicKey: x.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    };
    tlsInfoCache.set(certPem, info);
  }
  return info;
}

/** What a node holding a certificate from `issuerPem` and trusting `rootsPem` reports. */
export function nodeTlsInfo(issuerPem: string, rootsPem: string[]): TLSInfo {
  const i = tlsInfo(issuerPem);
  return { TrustRoot: rootsPem.join(''), CertIssuerSubject: i.CertIssuerSubject, CertIssuerPublicKey: i.CertIssuerPublicKey };
}
