import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { IpRunner } from './ip-runner.js';
import { IpError, isMissing } from './ip-runner.js';
import { OVERLAY_MTU, TASK_LINK_PREFIX, VXLAN_PORT, bridgeName, macFor, taskLinkName, vxlanName } from './names.js';

/**
 * br_netfilter's switches, on in every new namespace while the module is
 * loaded (Docker loads it): every frame a bridged sandbox's bridge passes
 * between the VXLAN device and the tasks would pass the namespace's
 * netfilter hooks, empty there (nothing in a network's namespace filters or
 * NATs; the VIP rules are in the tasks' namespaces). Off.
 */
export const BRNF_KEYS = ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables', 'net.bridge.bridge-nf-call-arptables'];

/** Is `path` a mount point (a namespace bound to a file)? */
export async function isMounted(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point; spaces in it are escaped as \040.
  return info.split('\n').some((l) => l.split(' ')[4]?.replace(/\\040/g, ' ') === path);
}

/**
 * Sets a task's link up. A macvlan with the same MAC (the same address,
 * handed out again at once) may still be up in the namespace of a task
 * that just ended, which the kernel tears down in the background: the
 * kernel refuses a second one up on the device until then (EADDRINUSE).
 */
async function upWhenFree(ip: IpRunner, dev: string, netns: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await ip.ip(['link', 'set', dev, 'up'], netns);
      return;
    } catch (err) {
      if (!(err instanceof IpError && /Address already in use/i.test(err.stderr)) || i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** How a task's link is found again: the namespace it went into and its MAC (macvlan links live in the task's namespace). */
interface TaskLinkRecord { netns: string; mac: string }

/**
 * One overlay network's namespace on this host, as Docker's `1-<id>`
 * sandbox: the VXLAN device (created from the host's namespace, so its UDP
 * socket and underlay routing stay the host's, then living in here) and
 * the tasks' links to it. Kept in its own namespace so the host shows none
 * of it and overlapping subnets of different networks cannot meet. The
 * namespace is bound to a file named after the network, so a restarted
 * daemon finds it; removing the file's mount removes everything.
 *
 * A task's link is a macvlan of the VXLAN device (bridge mode), made
 * straight into the task's namespace: a frame leaves the task into the
 * VXLAN device and arrives from it in the same softirq, where a veth pair
 * and a bridge cost a queueing (veth) and a forwarding (bridge) each way.
 * Local tasks reach each other through the macvlans' own bridge mode. As
 * those links live in the tasks' namespaces, each has a record here
 * (`<root>-links/<network>/ve-<task>`: its namespace and MAC) to find it.
 * `bridged` (the ingress network, whose namespace also routes from the host
 * through its bridge: network/mesh) makes Docker's layout instead: a bridge
 * with the VXLAN device and one veth per task (`ve-<task>` here).
 */
export class NetworkSandbox {
  readonly vx: string;
  readonly br: string;
  /** Macvlan mode: the directory of the tasks' link records. */
  private readonly records: string;

  constructor(private ip: IpRunner, readonly networkId: string, readonly path: string, private opts: { bridged?: boolean } = {}) {
    this.vx = vxlanName(networkId);
    this.br = bridgeName(networkId);
    this.records = join(`${dirname(path)}-links`, basename(path));
  }

  /**
   * Creates namespace, VXLAN device (VNI, UDP port: the data path port, local = the underlay address) and, bridged, the bridge; idempotent.
   * isolated: the device is made inside the namespace (its VNI private to it, no way to other hosts), see vni-conflicts.ts.
   */
  async create(vni: number, localAddr: string, mtu = OVERLAY_MTU, opts: { isolated?: boolean; port?: number } = {}): Promise<void> {
    if (!(await isMounted(this.path))) {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(this.path, '');
      await this.ip.run('unshare', [`--net=${this.path}`, 'true']);
    }
    const links = await this.links();
    if (this.opts.bridged && !links.has(this.br)) {
      await this.ip.ipBatch([
        'link set lo up',
        `link add ${this.br} mtu ${mtu} type bridge`,
        `link set ${this.br} up`,
      ], this.path);
      // Absent where br_netfilter is not loaded: nothing to turn off.
      await this.ip.run('sysctl', ['-q', '-w', ...BRNF_KEYS.map((k) => `${k}=0`)], this.path).catch(() => undefined);
    }
    if (links.has(this.vx)) return;
    const vxlan = ['mtu', String(mtu), 'type', 'vxlan', 'id', String(vni), 'dstport', String(opts.port ?? VXLAN_PORT)];
    if (opts.isolated) {
      await this.ip.ip(['link', 'add', this.vx, ...vxlan, 'nolearning', 'proxy', 'noudpcsum'], this.path);
    } else {
      // Created from the host's namespace straight into this one: no name left on the host if we die here.
      await this.ip.ip(['link', 'add', this.vx, 'netns', this.path, ...vxlan, 'local', localAddr, 'nolearning', 'proxy', 'noudpcsum']);
    }
    await this.ip.ip(['link', 'set', this.vx, ...(this.opts.bridged ? ['master', this.br] : []), 'up'], this.path);
  }

  async exists(): Promise<boolean> { return isMounted(this.path); }

  /** Deletes the VXLAN device first (frees its VNI at once, and takes the tasks' macvlans with it), then the namespace and its file. */
  async destroy(): Promise<void> {
    if (await isMounted(this.path)) {
      await this.ip.ip(['link', 'del', this.vx], this.path).catch((err) => { if (!isMissing(err)) throw err; });
      await this.ip.run('umount', [this.path]);
    }
    await rm(this.path, { force: true });
    await rm(this.records, { recursive: true, force: true });
  }

  /** The names of the links in the namespace. */
  async links(): Promise<Set<string>> {
    const ls = await this.ip.ipJson<{ ifname: string }>(['link', 'show'], this.path);
    return new Set(ls.map((l) => l.ifname));
  }

  /**
   * The task-link names (`ve-…`) present: the tasks attached here. A
   * macvlan whose task namespace is gone went with it: its record goes too.
   */
  async taskLinks(): Promise<string[]> {
    if (this.opts.bridged) return [...(await this.links())].filter((n) => n.startsWith(TASK_LINK_PREFIX));
    const names = await readdir(this.records).catch(() => [] as string[]);
    const live: string[] = [];
    for (const name of names) {
      const rec = await this.record(name);
      // A link that cannot be looked at now counts as there.
      if (rec && (await this.macvlanIn(rec).catch(() => 'unknown'))) live.push(name);
      else await rm(join(this.records, name), { force: true });
    }
    return live;
  }

  private async record(name: string): Promise<TaskLinkRecord | undefined> {
    return readFile(join(this.records, name), 'utf8').then((t) => JSON.parse(t) as TaskLinkRecord, () => undefined);
  }

  private async writeRecord(name: string, rec: TaskLinkRecord): Promise<void> {
    await mkdir(this.records, { recursive: true });
    await writeFile(join(this.records, name), JSON.stringify(rec));
  }

  /** The task's macvlan (its name in the task's namespace), if that namespace still holds it. */
  private async macvlanIn(rec: TaskLinkRecord): Promise<string | undefined> {
    // Only a namespace that is gone (its path, or its mount on the path) means no link: another
    // failure (a busy machine) must not pass a task's link for gone.
    const gone = (err: unknown) => !existsSync(rec.netns) || (err instanceof IpError && /No such file|Invalid argument/i.test(err.stderr));
    const ls = await this.ip.ipJson<{ ifname: string; address?: string; linkinfo?: { info_kind?: string } }>(['-d', 'link', 'show'], rec.netns)
      .catch((err: unknown) => { if (gone(err)) return []; throw err; });
    return ls.find((l) => l.address === rec.mac && l.linkinfo?.info_kind === 'macvlan')?.ifname;
  }

  /**
   * Joins a task's namespace: a link (`ethN` there) with the task's address
   * and the MAC derived from it. The connected route of the address is the
   * route to the overlay subnet. Idempotent: an existing link means already
   * attached (undefined).
   */
  async attach(taskId: string, taskNs: string, cidr: string, mtu = OVERLAY_MTU): Promise<string | undefined> {
    const name = taskLinkName(taskId);
    const addr = cidr.split('/')[0];
    const mac = macFor(addr);
    if (this.opts.bridged && (await this.links()).has(name)) return undefined;
    if (!this.opts.bridged && (await this.macvlanIn({ netns: taskNs, mac }))) { await this.writeRecord(name, { netns: taskNs, mac }); return undefined; }
    const taken = new Set((await this.ip.ipJson<{ ifname: string }>(['link', 'show'], taskNs)).map((l) => l.ifname));
    let n = 0;
    while (taken.has(`eth${n}`)) n++;
    const inner = `eth${n}`;
    if (this.opts.bridged) {
      await this.ip.ip(['link', 'add', name, 'netns', this.path, 'mtu', String(mtu), 'type', 'veth',
        'peer', 'name', inner, 'address', mac, 'mtu', String(mtu), 'netns', taskNs]);
      await this.ip.ip(['link', 'set', name, 'master', this.br, 'up'], this.path);
    } else {
      // The record first: a crash after it leaves a record without a link, which taskLinks drops.
      await this.writeRecord(name, { netns: taskNs, mac });
      await this.ip.ip(['link', 'add', 'link', this.vx, 'name', inner, 'netns', taskNs, 'address', mac, 'mtu', String(mtu),
        'type', 'macvlan', 'mode', 'bridge'], this.path);
    }
    await this.ip.ipBatch([`addr add ${cidr} dev ${inner}`, 'link set lo up'], taskNs);
    await upWhenFree(this.ip, inner, taskNs);
    return inner;
  }

  /** Removes a task's link; missing is fine. */
  detach(taskId: string): Promise<void> { return this.removeTaskLink(taskLinkName(taskId)); }

  /**
   * Removes a task link by its name here (`ve-<task>`): bridged, the veth
   * (both ends go); else the macvlan in the task's namespace, if that still
   * exists (a task that left with its namespace alive must not keep its
   * address on the network), and its record.
   */
  async removeTaskLink(name: string): Promise<void> {
    if (this.opts.bridged) {
      await this.ip.ip(['link', 'del', name], this.path).catch((err) => { if (!isMissing(err)) throw err; });
      return;
    }
    const rec = await this.record(name);
    const ifname = rec && (await this.macvlanIn(rec));
    if (ifname) await this.ip.ip(['link', 'del', ifname], rec.netns).catch((err) => { if (!isMissing(err)) throw err; });
    await rm(join(this.records, name), { force: true });
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
