/** PEM armour: the only text form certificates, CSRs and keys travel in. */

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** Every block with `label` in `pem`, in order, as DER. */
export function pemBlocks(pem: string, label = 'CERTIFICATE'): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  return [...pem.matchAll(re)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

/** The single (or first) block with `label`; throws when there is none. */
export function pemBlock(pem: string, label = 'CERTIFICATE'): Buffer {
  const [der] = pemBlocks(pem, label);
  if (!der) throw new Error(`no ${label} PEM block`);
  return der;
}

/** Splits a concatenated chain into one PEM string per certificate. */
export function splitPemChain(pem: string): string[] {
  return pemBlocks(pem).map((der) => toPem('CERTIFICATE', der));
}
