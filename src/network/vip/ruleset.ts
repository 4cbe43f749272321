/**
 * nftables scripts for the virtual IPs of one task's network namespace
 * (Docker uses IPVS, which this kernel lacks). One table, `ip tswarm_vip`,
 * found by its name after a daemon restart:
 *
 *   map vips          VIP → jump vip_<a>_<b>_<c>_<d>   (one chain per VIP)
 *   chain nat_output  nat hook output: `ip daddr vmap @vips`
 *   chain vip_…       `dnat to numgen inc mod N map { 0 : b0, 1 : b1, … }` —
 *                     round robin per connection, as IPVS's rr scheduler in
 *                     Docker; empty when the VIP has no backend
 *   set empty_vips    the VIPs without a backend, which
 *   chain filter_output (filter hook output, after the DNAT) refuses at once:
 *                     TCP reset, ICMP port unreachable for the rest (a reject
 *                     in the nat chain itself is not reliable: it does nothing
 *                     while the table has no dnat rule)
 *
 * DNAT is decided on a connection's first packet only; conntrack keeps the
 * rest of it on its backend, so replacing a VIP's rule (flush + add in one
 * transaction) sends only new connections to the new backend set. Every
 * protocol to a VIP is balanced, on every port.
 */

export const VIP_TABLE = 'tswarm_vip';

/** VIP → its backends (task addresses), as wanted in one namespace. */
export type VipState = ReadonlyMap<string, readonly string[]>;

export function vipChain(vip: string): string {
  return `vip_${vip.replace(/\./g, '_')}`;
}

/** The rules of a VIP's chain: none without backends (empty_vips refuses those). */
function chainRules(vip: string, backends: readonly string[]): string[] {
  const t = `ip ${VIP_TABLE} ${vipChain(vip)}`;
  if (backends.length === 0) return [];
  if (backends.length === 1) return [`add rule ${t} dnat to ${backends[0]}`];
  const map = backends.map((b, i) => `${i} : ${b}`).join(', ');
  return [`add rule ${t} dnat to numgen inc mod ${backends.length} map { ${map} }`];
}

const emptyVip = (op: 'add' | 'delete', vip: string) => `${op} element ip ${VIP_TABLE} empty_vips { ${vip} }`;

function addVip(vip: string, backends: readonly string[]): string[] {
  return [
    `add chain ip ${VIP_TABLE} ${vipChain(vip)}`,
    ...chainRules(vip, backends),
    `add element ip ${VIP_TABLE} vips { ${vip} : jump ${vipChain(vip)} }`,
    ...(backends.length === 0 ? [emptyVip('add', vip)] : []),
  ];
}

/** A script that replaces whatever table was there (a previous daemon's included) by state, in one transaction. */
export function fullScript(state: VipState): string {
  const lines = [
    `add table ip ${VIP_TABLE}`,
    `delete table ip ${VIP_TABLE}`,
    `add table ip ${VIP_TABLE}`,
    `add map ip ${VIP_TABLE} vips { type ipv4_addr : verdict; }`,
    `add set ip ${VIP_TABLE} empty_vips { type ipv4_addr; }`,
    `add chain ip ${VIP_TABLE} nat_output { type nat hook output priority -100; policy accept; }`,
    `add rule ip ${VIP_TABLE} nat_output ip daddr vmap @vips`,
    `add chain ip ${VIP_TABLE} filter_output { type filter hook output priority 0; policy accept; }`,
    `add rule ip ${VIP_TABLE} filter_output ip daddr @empty_vips meta l4proto tcp reject with tcp reset`,
    `add rule ip ${VIP_TABLE} filter_output ip daddr @empty_vips reject`,
  ];
  for (const [vip, backends] of state) lines.push(...addVip(vip, backends));
  return lines.join('\n') + '\n';
}

/** A script that moves the table from state `from` to `to`, touching only the VIPs that changed; undefined when none did. */
export function diffScript(from: VipState, to: VipState): string | undefined {
  const lines: string[] = [];
  for (const [vip, had] of from) {
    if (to.has(vip)) continue;
    lines.push(
      `delete element ip ${VIP_TABLE} vips { ${vip} }`,
      ...(had.length === 0 ? [emptyVip('delete', vip)] : []),
      `flush chain ip ${VIP_TABLE} ${vipChain(vip)}`,
      `delete chain ip ${VIP_TABLE} ${vipChain(vip)}`,
    );
  }
  for (const [vip, backends] of to) {
    const had = from.get(vip);
    if (!had) {
      lines.push(...addVip(vip, backends));
    } else if (!sameList(had, backends)) {
      lines.push(`flush chain ip ${VIP_TABLE} ${vipChain(vip)}`, ...chainRules(vip, backends));
      if (had.length === 0) lines.push(emptyVip('delete', vip));
      if (backends.length === 0) lines.push(emptyVip('add', vip));
    }
  }
  return lines.length ? lines.join('\n') + '\n' : undefined;
}

/** The script that removes the table (a task leaving its networks). */
export function removeScript(): string {
  return `add table ip ${VIP_TABLE}\ndelete table ip ${VIP_TABLE}\n`;
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
