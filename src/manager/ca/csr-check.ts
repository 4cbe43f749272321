import { createPublicKey, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import type { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { OID } from '../../pki/asn1.js';
import { pemBlock } from '../../pki/pem.js';

/**
 * The public key of a CSR after checking it: proof of possession (the
 * request is signed by its own key) and a P-256 key, the cluster's only kind.
 */
export function verifiedCsrKey(csrPem: string): SubjectPublicKeyInfo {
  let csr: CertificationRequest;
  try {
    csr = AsnConvert.parse(pemBlock(csrPem, 'CERTIFICATE REQUEST'), CertificationRequest);
  } catch (e) {
    throw new Error(`invalid CSR: ${(e as Error).message}`);
  }
  const spki = csr.certificationRequestInfo.subjectPKInfo;
  if (!isP256(spki)) throw new Error('invalid CSR: the key is not ECDSA P-256');
  if (csr.signatureAlgorithm.algorithm !== OID.ecdsaWithSHA256 || !csr.certificationRequestInfoRaw) {
    throw new Error('invalid CSR: unsupported signature algorithm');
  }
  const key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(spki)), format: 'der', type: 'spki' });
  if (!verify('sha256', Buffer.from(csr.certificationRequestInfoRaw), key, Buffer.from(csr.signature))) {
    throw new Error('invalid CSR: bad signature');
  }
  return spki;
}

/** True when `spki` is an EC key on P-256. */
function isP256(spki: SubjectPublicKeyInfo): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(spki)), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}
