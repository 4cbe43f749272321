import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { Name, type SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { OID, ecdsaSha256, isP256, parseSpki } from './asn1.js';
import { pemBlock, toPem } from './pem.js';

/**
 * A fresh P-256 key and a PKCS#10 request for it. The subject is empty: the
 * CA decides the node's identity (CN, OU, O), never the requester.
 */
export function createKeyAndCSR(): { keyPem: string; csrPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const info = new CertificationRequestInfo({ version: 0, subject: new Name(), subjectPKInfo: parseSpki(publicKey), attributes: new Attributes() });
  const infoDer = Buffer.from(AsnConvert.serialize(info));
  const signature = sign('sha256', infoDer, privateKey);
  const csr = new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm: ecdsaSha256(), signature: new Uint8Array(signature).buffer });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    csrPem: toPem('CERTIFICATE REQUEST', new Uint8Array(AsnConvert.serialize(csr))),
  };
}

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
