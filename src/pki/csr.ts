import { generateKeyPairSync, sign } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { Name } from '@peculiar/asn1-x509';
import { ecdsaSha256, parseSpki } from './asn1.js';
import { toPem } from './pem.js';

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
