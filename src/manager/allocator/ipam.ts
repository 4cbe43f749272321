import { contains, formatIPv4, formatPrefix, mask, overlaps, parseCIDR, size, type Prefix } from './ipv4.js';

/** VXLAN IDs of swarm networks, 4096 upward as Docker's overlay driver (ingress takes the first). */
export const FIRST_VNI = 4096;
export const LAST_VNI = (1 << 24) - 1;

/**
 * The next VXLAN ID after the highest in use or handed out (`last`: Docker
 * hands them out serially, so a removed network's ID is not reused at once,
 * while hosts may still carry it), else the lowest free one.
 */
export function nextVni(used: Iterable<number>, last = FIRST_VNI - 1): number {
  const set = new Set(used);
  let max = Math.min(Math.max(FIRST_VNI - 1, last), LAST_VNI);
  for (const v of set) if (v > max) max = v;
  if (max < LAST_VNI) return max + 1;
  for (let v = FIRST_VNI; v <= LAST_VNI; v++) if (!set.has(v)) return v;
  throw new Error('no VXLAN ID left');
}

/**
 * A subnet of `bits` from the default address pools that overlaps no subnet
 * in use: after the highest one the pools handed out (`allocated`: serial,
 * as libnetwork; subnets users named do not move it), else the first free
 * one. Undefined when the pools are full.
 */
export function pickSubnet(pools: string[], bits: number, used: Prefix[], allocated: Prefix[] = used): Prefix | undefined {
  for (const poolText of pools) {
    const pool = parseCIDR(poolText);
    if (!pool || bits < pool.bits) continue;
    const step = size({ base: 0, bits });
    const count = size(pool) / step;
    const free = (i: number) => {
      const p = { base: (pool.base + i * step) >>> 0, bits };
      return used.some((u) => overlaps(u, p)) ? undefined : p;
    };
    let highest = -1;
    for (const u of allocated) if (u.bits === bits && contains(pool, u.base)) highest = Math.max(highest, (u.base - pool.base) / step);
    for (let i = highest + 1; i < count; i++) { const p = free(i); if (p) return p; }
    for (let i = 0; i <= highest && i < count; i++) { const p = free(i); if (p) return p; }
  }
  return undefined;
}

/**
 * The addresses of one network's subnet: the network address, the gateway
 * and the broadcast address are never handed out; the rest go serially (the
 * next after the last one given, as swarmkit asks of libnetwork's IPAM), so a
 * released address is not reused at once.
 */
export class AddressPool {
  readonly prefix: Prefix;
  private used = new Set<number>();
  private last: number;
  private readonly first: number;
  private readonly end: number;

  /** `range`: `--ip-range`, the part of the subnet addresses are handed out from. */
  constructor(subnet: string, readonly gateway: string, range?: string) {
    const p = parseCIDR(subnet);
    if (!p) throw new Error(`invalid subnet ${subnet}`);
    this.prefix = p;
    const r = (range && parseCIDR(range)) || p;
    const n = size(r);
    // A /31 or /32 has no network or broadcast address to keep out.
    this.first = Math.max(n > 2 ? r.base + 1 : r.base, p.base + 1);
    this.end = Math.min(n > 2 ? r.base + n - 2 : r.base + n - 1, p.base + size(p) - 2);
    this.last = this.first - 1;
    const gw = parseCIDR(`${gateway}/32`);
    if (gw) this.used.add(gw.base);
  }

  get cidrBits(): number { return this.prefix.bits; }

  /** The next free address in CIDR form (10.0.9.3/24), or undefined when the subnet is full. */
  allocate(): string | undefined {
    const span = this.end - this.first + 1;
    for (let i = 1; i <= span; i++) {
      const a = this.first + ((this.last - this.first + i) % span + span) % span;
      if (!this.used.has(a)) {
        this.used.add(a);
        this.last = a;
        return `${formatIPv4(a)}/${this.prefix.bits}`;
      }
    }
    return undefined;
  }

  /** Marks an address (CIDR or bare) as in use; false when it is outside the subnet or taken. */
  reserve(addr: string): boolean {
    const a = parseCIDR(addr.includes('/') ? addr.replace(/\/\d+$/, '/32') : `${addr}/32`);
    if (!a || !contains(this.prefix, a.base) || this.used.has(a.base)) return false;
    this.used.add(a.base);
    if (a.base > this.last) this.last = a.base;
    return true;
  }

  release(addr: string): void {
    const a = parseCIDR(addr.replace(/\/\d+$/, '/32'));
    if (a && formatIPv4(a.base) !== this.gateway) this.used.delete(a.base);
  }

  inUse(): number { return this.used.size; }
}

/** The gateway Docker gives a subnet: its first address. */
export function defaultGateway(p: Prefix): string {
  return formatIPv4(size(p) > 2 ? p.base + 1 : p.base);
}

export { formatPrefix, mask };
