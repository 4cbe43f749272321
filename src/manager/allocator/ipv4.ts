// IPv4 addresses as unsigned 32-bit numbers, and CIDR prefixes over them.

export interface Prefix { base: number; bits: number }

/** A dotted quad as a number; undefined when it is not one (Go's net.ParseIP, IPv4 only). */
export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith('0')))) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export const mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/** `a.b.c.d/n` (Go's net.ParseCIDR): the prefix with host bits cleared, and the address as written. */
export function parseCIDR(s: string): (Prefix & { addr: number }) | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const addr = parseIPv4(m[1]);
  const bits = Number(m[2]);
  if (addr === undefined || bits > 32 || (m[2].length > 1 && m[2].startsWith('0'))) return undefined;
  return { base: (addr & mask(bits)) >>> 0, bits, addr };
}

export const formatPrefix = (p: Prefix): string => `${formatIPv4(p.base)}/${p.bits}`;

export const size = (p: Prefix): number => 2 ** (32 - p.bits);

export function contains(p: Prefix, addr: number): boolean {
  return ((addr & mask(p.bits)) >>> 0) === p.base;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The address without its prefix length: `10.0.9.5/24` → `10.0.9.5`. */
export const hostOf = (cidr: string): string => cidr.split('/')[0];
