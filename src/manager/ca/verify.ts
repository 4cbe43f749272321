import { X509Certificate } from 'node:crypto';
import { parseCert } from '../../pki/asn1.js';
import { pemBlocks } from '../../pki/pem.js';

const MAX_DEPTH = 8;

function validAt(cert: X509Certificate, now: Date): boolean {
  const { notBefore, notAfter } = parseCert(cert.raw).tbsCertificate.validity;
  const t = now.getTime(); // asn1 Time.getTime() returns a Date
  return notBefore.getTime().getTime() <= t && t <= notAfter.getTime().getTime();
}

/** `issuer` signed `cert` (names and key ids match, signature checks) and may sign certificates. */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * Whether the first certificate of `certChainPem` chains, through the
 * certificates after it (in any order), to one of `trustedRootsPem`, every
 * link valid at `now`. Mirrors what TLS checks, for the CA's own decisions.
 */
export function verifyChain(certChainPem: string, trustedRootsPem: string[], now: Date): boolean {
  let chain: X509Certificate[];
  let roots: X509Certificate[];
  try {
    chain = pemBlocks(certChainPem).map((der) => new X509Certificate(der));
    roots = trustedRootsPem.flatMap((pem) => pemBlocks(pem)).map((der) => new X509Certificate(der));
  } catch {
    return false;
  }
  const [leaf, ...pool] = chain;
  if (!leaf || !validAt(leaf, now)) return false;
  let cur = leaf;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (roots.some((r) => validAt(r, now) && issued(r, cur))) return true;
    const next = pool.find((c) => !used.has(c) && validAt(c, now) && issued(c, cur));
    if (!next) return false;
    used.add(next);
    cur = next;
  }
  return false;
}
