import type { KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, type Name, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { pemBlock } from './pem.js';

/**
 * The X.509 pieces both sides of the cluster PKI read with: OIDs, names,
 * keys and certificates, on top of @peculiar/asn1-x509 (the ASN.1 schemas).
 * Building and signing certificates is the CA's (manager/ca/x509-builder.ts).
 */

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** ECDSA P-256 with SHA-256: the only algorithm the cluster uses. */
export const ecdsaSha256 = () => new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 });

/** First value of attribute `oid` in `name`. */
export function nameAttr(name: Name, oid: string): string | undefined {
  for (const rdn of name) for (const atv of rdn) if (atv.type === oid) return atv.value.toString();
  return undefined;
}

export function parseSpki(key: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(key.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

export function parseCert(pemOrDer: string | Uint8Array): Certificate {
  const der = typeof pemOrDer === 'string' ? pemBlock(pemOrDer) : pemOrDer;
  return AsnConvert.parse(der, Certificate);
}
