import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { BasicConstraints, KeyUsage, KeyUsageFlags, id_ce_basicConstraints, id_ce_keyUsage } from '@peculiar/asn1-x509';
import { OID, parseCert, parseSpki } from '../../pki/asn1.js';
import { CLOCK_SKEW_MS } from '../../pki/renewal-timing.js';
import { akiExtension, buildName, extension, keyIdOf, signCertificate, skiExtension, subjectKeyId } from './x509-builder.js';

/** A CA certificate with the private key that signs under it. */
export interface CAKeyPair {
  certPem: string;
  keyPem: string;
}

export const ROOT_CN = 'swarm-ca';

const caExtensions = () => [
  // No path length: a cross-signed intermediate must fit under the old root during rotation.
  extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
  extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature)),
];

/** A new self-signed ECDSA P-256 root, CN "swarm-ca", valid `years` (20) from `now`. */
export function createRootCA(now: Date, opts: { years?: number } = {}): CAKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = parseSpki(publicKey);
  const name = buildName([[OID.commonName, ROOT_CN]]);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (opts.years ?? 20));
  const certPem = signCertificate({
    issuer: name, subject: name, spki,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter,
    extensions: [...caExtensions(), skiExtension(keyIdOf(spki))],
  }, keyPem);
  return { certPem, keyPem };
}

/**
 * The new root's subject and key, signed by the old root: sent after a leaf
 * issued by the new root, it lets nodes that still trust only the old root
 * accept that leaf while `docker swarm ca --rotate` is under way.
 */
export function crossSign(newRoot: { certPem: string }, oldRoot: CAKeyPair): string {
  const fresh = parseCert(newRoot.certPem).tbsCertificate;
  const old = parseCert(oldRoot.certPem);
  checkKeyPair(oldRoot);
  const oldEnd = old.tbsCertificate.validity.notAfter.getTime();
  const freshEnd = fresh.validity.notAfter.getTime();
  return signCertificate({
    issuer: old.tbsCertificate.subject,
    subject: fresh.subject,
    spki: fresh.subjectPublicKeyInfo,
    notBefore: fresh.validity.notBefore.getTime(),
    // Never outlive the issuer: a chain is only as valid as its shortest link.
    notAfter: oldEnd < freshEnd ? oldEnd : freshEnd,
    // Same SKI as the new root, so leaves' AKI point at either form of it.
    extensions: [...caExtensions(), skiExtension(keyIdOf(fresh.subjectPublicKeyInfo)), akiExtension(subjectKeyId(old))],
  }, oldRoot.keyPem);
}

/** Refuses a CA whose key does not belong to its certificate (a mixed-up rotation). */
export function checkKeyPair(ca: CAKeyPair): void {
  const certKey = parseCert(ca.certPem).tbsCertificate.subjectPublicKeyInfo;
  const own = parseSpki(createPublicKey(createPrivateKey(ca.keyPem)));
  if (!Buffer.from(certKey.subjectPublicKey).equals(Buffer.from(own.subjectPublicKey))) {
    throw new Error('CA key does not match the CA certificate');
  }
}
