import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IpRunner } from './ip-runner.js';
import { isMissing } from './ip-runner.js';
import { OVERLAY_MTU, TASK_LINK_PREFIX, VXLAN_PORT, bridgeName, macFor, taskLinkName, vxlanName } from './names.js';

/**
 * br_netfilter's switches, on in every new namespace while the module is
 * loaded (Docker loads it): every frame bridged between the VXLAN device and
 * the tasks would pass the namespace's netfilter hooks, empty here (nothing
 * in a network's namespace filters or NATs; the VIP rules are in the tasks'
 * namespaces). Off, as in the ingress namespaces (network/mesh).
 */
export const BRNF_KEYS = ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables', 'net.bridge.bridge-nf-call-arptables'];

/** Is `path` a mount point (a namespace bound to a file)? */
export async function isMounted(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point; spaces in it are escaped as \040.
  return info.split('\n').some((l) => l.split(' ')[4]?.replace(/\\040/g, ' ') === path);
}

/**
 * One overlay network's namespace on this host, as Docker's `1-<id>`
 * sandbox: a bridge, the VXLAN device (created from the host's namespace, so
 * its UDP socket and underlay routing stay the host's, then living in here)
 * and one veth end per local task. Kept in its own namespace so the host
 * shows none of it, the engine's iptables (FORWARD DROP, br_netfilter) never
 * see bridged overlay frames, and overlapping subnets of different networks
 * cannot meet. The namespace is bound to a file named after the network, so a
 * restarted daemon finds it; removing the file's mount removes everything.
 */
export class NetworkSandbox {
  readonly vx: string;
  readonly br: string;

  constructor(private ip: IpRunner, readonly networkId: string, readonly path: string) {
    this.vx = vxlanName(networkId);
    this.br = bridgeName(networkId);
  }

  /**
   * Creates namespace, bridge and VXLAN device (VNI, UDP 4789, local = the underlay address); idempotent.
   * isolated: the device is made inside the namespace (its VNI private to it, no way to other hosts), see vni-conflicts.ts.
   */
  async create(vni: number, localAddr: string, mtu = OVERLAY_MTU, opts: { isolated?: boolean } = {}): Promise<void> {
    if (!(await isMounted(this.path))) {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(this.path, '');
      await this.ip.run('unshare', [`--net=${this.path}`, 'true']);
    }
    const links = await this.links();
    if (!links.has(this.br)) {
      await this.ip.ipBatch([
        'link set lo up',
        `link add ${this.br} mtu ${mtu} type bridge`,
        `link set ${this.br} up`,
      ], this.path);
      // Absent where br_netfilter is not loaded: nothing to turn off.
      await this.ip.run('sysctl', ['-q', '-w', ...BRNF_KEYS.map((k) => `${k}=0`)], this.path).catch(() => undefined);
    }
    if (!links.has(this.vx) && opts.isolated) {
      await this.ip.ip(['link', 'add', this.vx, 'mtu', String(mtu), 'type', 'vxlan', 'id', String(vni),
        'dstport', String(VXLAN_PORT), 'nolearning', 'proxy', 'noudpcsum'], this.path);
      await this.ip.ip(['link', 'set', this.vx, 'master', this.br, 'up'], this.path);
    } else if (!links.has(this.vx)) {
      // Created from the host's namespace straight into this one: no name left on the host if we die here.
      await this.ip.ip(['link', 'add', this.vx, 'netns', this.path, 'mtu', String(mtu), 'type', 'vxlan', 'id', String(vni),
        'dstport', String(VXLAN_PORT), 'local', localAddr, 'nolearning', 'proxy', 'noudpcsum']);
      await this.ip.ip(['link', 'set', this.vx, 'master', this.br, 'up'], this.path);
    }
  }

  async exists(): Promise<boolean> { return isMounted(this.path); }

  /** Deletes the VXLAN device first (frees its VNI at once), then the namespace and its file. */
  async destroy(): Promise<void> {
    if (await isMounted(this.path)) {
      await this.ip.ip(['link', 'del', this.vx], this.path).catch((err) => { if (!isMissing(err)) throw err; });
      await this.ip.run('umount', [this.path]);
    }
    await rm(this.path, { force: true });
  }

  /** The names of the links in the namespace. */
  async links(): Promise<Set<string>> {
    const ls = await this.ip.ipJson<{ ifname: string }>(['link', 'show'], this.path);
    return new Set(ls.map((l) => l.ifname));
  }

  /** The task-link names (`ve-…`) present: the tasks attached here. */
  async taskLinks(): Promise<string[]> {
    return [...(await this.links())].filter((n) => n.startsWith(TASK_LINK_PREFIX));
  }

  /**
   * Joins a task's namespace: a veth pair, one end on the bridge here, the
   * other (`ethN` in the task's namespace) with the task's address and the
   * MAC derived from it. The connected route of the address is the route to
   * the overlay subnet. Idempotent: an existing link means already attached.
   */
  async attach(taskId: string, taskNs: string, cidr: string, mtu = OVERLAY_MTU): Promise<string | undefined> {
    const host = taskLinkName(taskId);
    if ((await this.links()).has(host)) return undefined;
    const taken = new Set((await this.ip.ipJson<{ ifname: string }>(['link', 'show'], taskNs)).map((l) => l.ifname));
    let n = 0;
    while (taken.has(`eth${n}`)) n++;
    const inner = `eth${n}`;
    const addr = cidr.split('/')[0];
    await this.ip.ip(['link', 'add', host, 'netns', this.path, 'mtu', String(mtu), 'type', 'veth',
      'peer', 'name', inner, 'address', macFor(addr), 'mtu', String(mtu), 'netns', taskNs]);
    await this.ip.ip(['link', 'set', host, 'master', this.br, 'up'], this.path);
    await this.ip.ipBatch([`addr add ${cidr} dev ${inner}`, `link set ${inner} up`, 'link set lo up'], taskNs);
    return inner;
  }

  /** Removes a task's veth (both ends go); missing is fine. */
  async detach(taskId: string): Promise<void> {
    await this.ip.ip(['link', 'del', taskLinkName(taskId)], this.path).catch((err) => { if (!isMissing(err)) throw err; });
  }

  /**
   * Makes the static forwarding state match `remote` (task address → the
   * underlay address of the host carrying it): a permanent neighbour entry
   * (answered by the VXLAN device's ARP proxy) and an FDB entry sending the
   * task's MAC to that host. Entries of addresses no longer there go.
   */
  async setPeers(remote: Map<string, string>): Promise<void> {
    const neigh = await this.ip.ipJson<{ dst: string; lladdr?: string }>(['neigh', 'show', 'dev', this.vx], this.path);
    const fdbOut = await this.ip.bridge(['-j', 'fdb', 'show', 'dev', this.vx], this.path);
    const fdb = (fdbOut.trim() ? JSON.parse(fdbOut) : []) as { mac: string; dst?: string }[];
    const haveNeigh = new Map(neigh.map((n) => [n.dst, n.lladdr]));
    const haveFdb = new Map(fdb.filter((f) => f.dst).map((f) => [f.mac, f.dst]));
    const ipLines: string[] = [];
    const brLines: string[] = [];
    for (const [addr, peer] of remote) {
      const mac = macFor(addr);
      if (haveNeigh.get(addr) !== mac) ipLines.push(`neigh replace ${addr} lladdr ${mac} dev ${this.vx} nud permanent`);
      if (haveFdb.get(mac) !== peer) brLines.push(`fdb replace ${mac} dev ${this.vx} dst ${peer} self permanent`);
    }
    for (const addr of haveNeigh.keys()) if (!remote.has(addr)) ipLines.push(`neigh del ${addr} dev ${this.vx}`);
    const wantMacs = new Set([...remote.keys()].map(macFor));
    for (const [mac, dst] of haveFdb) if (!wantMacs.has(mac)) brLines.push(`fdb del ${mac} dev ${this.vx} dst ${dst} self`);
    await this.ip.ipBatch(ipLines, this.path);
    await this.ip.bridgeBatch(brLines, this.path);
  }
}
