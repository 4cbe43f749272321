import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IpRunner } from '../overlay/ip-runner.js';
import { isMissing } from '../overlay/ip-runner.js';
import { OVERLAY_MTU, macFor } from '../overlay/names.js';
import { NetworkSandbox, isMounted } from '../overlay/sandbox.js';
import type { VxlanFlow } from '../overlay/vxlan-notrack.js';
import { MESH_ROUTE_MASK, NS_LINK, type MeshRoute } from './names.js';

/** What makes a host's ingress namespace its own: its address on ingress, the host link's names and /30. */
export interface IngressIdentity {
  /** This node's address on the ingress network, CIDR (10.0.0.3/24). */
  cidr: string;
  hostLink: string;
  link: { host: string; ns: string };
  route: MeshRoute;
}

/** The host link's ends get MACs made from their addresses: the namespace's rules name them (l2Script). */
export const linkMacs = (link: { host: string; ns: string }) => ({ host: macFor(link.host), ns: macFor(link.ns) });

/**
 * The ingress network's namespace on one host (Docker's ingress-sbox and
 * the ingress overlay's namespace in one): the overlay's bridge carrying the
 * node's own ingress address (with the MAC derived from it, which the other
 * hosts' static FDB entries point at), the VXLAN device once another host
 * carries ingress (a one-host swarm makes none: two daemons of one machine
 * never meet on VXLAN ID 4096), the local tasks' veths, and a veth pair to
 * the host through which published ports come in.
 */
export class IngressSandbox {
  readonly overlay: NetworkSandbox;

  constructor(private ip: IpRunner, readonly networkId: string, readonly path: string) {
    this.overlay = new NetworkSandbox(ip, networkId, path, { bridged: true });
  }

  exists(): Promise<boolean> { return isMounted(this.path); }

  /** Makes (idempotently) the namespace, its bridge with the node's address, the host link, and the VXLAN when wanted. */
  async ensure(id: IngressIdentity, vxlan: VxlanFlow, localAddr: string, withVxlan: boolean): Promise<void> {
    const br = this.overlay.br;
    if (withVxlan) {
      await this.overlay.create(vxlan.vni, localAddr, undefined, { port: vxlan.port });
    } else {
      if (!(await isMounted(this.path))) {
        await mkdir(dirname(this.path), { recursive: true });
        await writeFile(this.path, '');
        await this.ip.run('unshare', [`--net=${this.path}`, 'true']);
      }
      if (!(await this.overlay.links()).has(br)) {
        await this.ip.ipBatch(['link set lo up', `link add ${br} mtu ${OVERLAY_MTU} type bridge`, `link set ${br} up`], this.path);
      }
    }
    const addr = id.cidr.split('/')[0];
    const links = await this.ip.ipJson<{ ifname: string; address?: string }>(['link', 'show'], this.path);
    if (links.find((l) => l.ifname === br)?.address !== macFor(addr)) await this.ip.ip(['link', 'set', br, 'address', macFor(addr)], this.path);
    const addrs = await this.ip.ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }>(['addr', 'show'], this.path);
    const has = (dev: string, a: string) => addrs.some((l) => l.ifname === dev && l.addr_info.some((x) => `${x.local}/${x.prefixlen}` === a));
    if (!has(br, id.cidr)) {
      // Another address of ours from before (the ingress network made anew) goes.
      await this.ip.ip(['addr', 'flush', 'dev', br], this.path);
      await this.ip.ip(['addr', 'add', id.cidr, 'dev', br], this.path);
    }
    if (!links.some((l) => l.ifname === NS_LINK)) {
      // Made from the host's namespace with the inner end straight in here.
      await this.ip.ip(['link', 'del', id.hostLink]).catch((err) => { if (!isMissing(err)) throw err; });
      await this.ip.ip(['link', 'add', id.hostLink, 'type', 'veth', 'peer', 'name', NS_LINK, 'netns', this.path]);
    }
    // The overlay's MTU: the host's forwarding (not the namespace's, which has none) answers a packet too big for VXLAN.
    const macs = linkMacs(id.link);
    await this.ip.ipBatch([`addr replace ${id.link.host}/30 dev ${id.hostLink}`, `link set ${id.hostLink} mtu ${OVERLAY_MTU} address ${macs.host} up`,
      `route replace default via ${id.link.ns} dev ${id.hostLink} table ${id.route.table}`]);
    await this.ip.ipBatch([`addr replace ${id.link.ns}/30 dev ${NS_LINK}`, `link set ${NS_LINK} mtu ${OVERLAY_MTU} address ${macs.ns} up`, `route replace default via ${id.link.host} dev ${NS_LINK}`], this.path);
    await ensureRouteRule(this.ip, id.route);
    await this.sysctl(['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0'], this.path);
    // Frames bridged between the VXLAN and local tasks need no netfilter (nothing here NATs them): br_netfilter's
    // per-frame pass (conntrack included) is off in this namespace. Absent where br_netfilter is not loaded.
    await this.sysctl(['net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0', 'net.bridge.bridge-nf-call-arptables=0'], this.path).catch(() => undefined);
    // From the host: forwarded into the namespace; 127.0.0.1:<port> too (masqueraded, as Docker's docker_gwbridge).
    await this.sysctl(['net.ipv4.ip_forward=1', `net.ipv4.conf.${id.hostLink}.route_localnet=1`, `net.ipv4.conf.${id.hostLink}.rp_filter=0`]);
    await allowForward(this.ip, id.hostLink);
  }

  /** The VXLAN device exists (peers can be programmed). */
  async hasVxlan(): Promise<boolean> { return (await this.overlay.links()).has(this.overlay.vx); }

  private async sysctl(settings: string[], netns?: string) {
    await this.ip.run('sysctl', ['-q', '-w', ...settings], netns);
  }

  /** Removes the namespace (its VXLAN, bridge, task veths and the host link go with it), the host's FORWARD and routing rules. */
  async destroy(hostLink: string, route: MeshRoute): Promise<void> {
    await this.overlay.destroy();
    await this.ip.ip(['link', 'del', hostLink]).catch(() => undefined);
    await dropForward(this.ip, hostLink);
    await dropRouteRule(this.ip, route.table);
  }
}

/**
 * A FORWARD policy of DROP (dockerd sets it) must let the mesh's traffic in
 * and out of the ingress namespace: iptables rules, as Docker's own
 * DOCKER-INGRESS (a drop in any nftables base chain would win over an accept
 * in ours). No iptables: nothing drops there.
 */
async function allowForward(ip: IpRunner, link: string): Promise<void> {
  for (const dir of ['-i', '-o']) {
    const rule = ['FORWARD', dir, link, '-j', 'ACCEPT'];
    const present = await ip.run('iptables', ['-w', '-C', ...rule]).then(() => true, () => false);
    if (!present) await ip.run('iptables', ['-w', '-I', ...rule]).catch(() => undefined);
  }
}

/** The host's rule sending marked mesh connections by the mesh's table (its route goes with the host link). */
async function ensureRouteRule(ip: IpRunner, route: MeshRoute): Promise<void> {
  const rules = await ip.ipJson<{ table?: string | number; fwmark?: string }>(['rule', 'show']);
  if (rules.some((r) => Number(r.table) === route.table && r.fwmark !== undefined && Number(r.fwmark) === route.snat)) return;
  await ip.ip(['rule', 'add', 'fwmark', `${route.snat}/${MESH_ROUTE_MASK}`, 'lookup', String(route.table), 'pref', String(MESH_RULE_PREF)]);
}
const MESH_RULE_PREF = 1000;

/** Removes the host's rules looking up this mesh table. */
export async function dropRouteRule(ip: IpRunner, table: number): Promise<void> {
  for (let i = 0; i < 4; i++) {
    try { await ip.ip(['rule', 'del', 'lookup', String(table)]); } catch { break; }
  }
}

export async function dropForward(ip: IpRunner, link: string): Promise<void> {
  for (const dir of ['-i', '-o']) {
    for (let i = 0; i < 4; i++) {
      try { await ip.run('iptables', ['-w', '-D', 'FORWARD', dir, link, '-j', 'ACCEPT']); } catch { break; }
    }
  }
}
