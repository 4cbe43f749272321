import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AttributeTypeAndValue, AttributeValue, AuthorityKeyIdentifier, Certificate, Extension, Extensions, KeyIdentifier,
  Name, RelativeDistinguishedName, SubjectKeyIdentifier, type SubjectPublicKeyInfo, TBSCertificate, Validity, Version,
  id_ce_authorityKeyIdentifier, id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { ecdsaSha256 } from '../../pki/asn1.js';
import { toPem } from '../../pki/pem.js';

/**
 * How the CA builds and signs X.509 certificates (roots, cross-signs, node
 * leaves); keys and signatures stay in node:crypto, so all is synchronous.
 */

/** A Name with one attribute per RDN, in the given order (Go's: O, OU, CN). */
export function buildName(attrs: Array<[oid: string, value: string]>): Name {
  return new Name(attrs.map(([type, value]) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })])));
}

export function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** A positive 127-bit serial: random so that re-issued certificates never collide. */
export function randomSerial(): ArrayBuffer {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01; // positive and minimally encoded as a DER INTEGER
  return new Uint8Array(b).buffer;
}

/** RFC 5280 method 1: SHA-1 of the public key bits; chains are matched on it (AKI/SKI). */
export function keyIdOf(spki: SubjectPublicKeyInfo): Buffer {
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

/** The certificate's own key id: its SKI extension, else computed from its key. */
export function subjectKeyId(cert: Certificate): Buffer {
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  if (ext) return Buffer.from(AsnConvert.parse(ext.extnValue, SubjectKeyIdentifier).buffer);
  return keyIdOf(cert.tbsCertificate.subjectPublicKeyInfo);
}

export const skiExtension = (id: Buffer) =>
  extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(new Uint8Array(id)));
export const akiExtension = (id: Buffer) =>
  extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(new Uint8Array(id)) }));

export interface TbsFields {
  issuer: Name;
  subject: Name;
  spki: SubjectPublicKeyInfo;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

/** Builds, signs (with the issuer's PEM private key) and PEM-encodes a v3 certificate. */
export function signCertificate(fields: TbsFields, issuerKeyPem: string): string {
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerial(),
    signature: ecdsaSha256(),
    issuer: fields.issuer,
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: fields.subject,
    subjectPublicKeyInfo: fields.spki,
    extensions: new Extensions(fields.extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, privateKeyOf(issuerKeyPem)); // DER ECDSA-Sig-Value
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: ecdsaSha256(), signatureValue: new Uint8Array(signature).buffer });
  return toPem('CERTIFICATE', new Uint8Array(AsnConvert.serialize(cert)));
}

/** The CA key parsed once, not for every certificate it signs (a thousand nodes join at once). */
function privateKeyOf(pem: string): KeyObject {
  let k = parsedKeys.get(pem);
  if (!k) {
    k = createPrivateKey(pem);
    if (parsedKeys.size > 8) parsedKeys.clear();
    parsedKeys.set(pem, k);
  }
  return k;
}
const parsedKeys = new Map<string, KeyObject>();
