import { join } from 'node:path';
import { logger } from '../../log.js';
import type { NetworkAttachment, NetworkView } from '../../types/network-view.js';
import type { Task } from '../../types/objects.js';
import type { IpRunner } from '../overlay/ip-runner.js';
import { nftInNamespace } from '../vip/nft.js';
import { dropForward, dropRouteRule, IngressSandbox, linkMacs } from './ingress-sandbox.js';
import { macFor, vxlanPortOf } from '../overlay/names.js';
import { hostLinkName, hostTableName, isMeshRouteTable, isReplyTable, linkAddrs, meshRoute, replyTable, HOST_LINK_PREFIX, HOST_TABLE_PREFIX, NS_LINK, TASK_TABLE } from './names.js';
import { hostScript, keepSourceTaskScript, l2Script, removeTableScript, type MeshPort } from './ruleset.js';

const log = logger('mesh');
const RETRY_MS = 1000;

/** Runs an nft script in a namespace (a path), or in the host's when undefined. */
export type MeshNft = (netns: string | undefined, script: string) => Promise<void>;

export interface IngressMeshOptions {
  /** Directory of the ingress namespace file (under the agent's state dir). */
  root: string;
  /** This node's underlay address: the VXLAN source. */
  localAddr: string;
  nodeId: () => string | undefined;
  runner: IpRunner;
  nft?: MeshNft;
}

interface LocalTask { netns: string; cidr: string; serviceId: string; ifname?: string; keep?: string }

/** A task's attachment to the ingress network, if it has one. */
export function ingressAttachment(task: Task): NetworkAttachment | undefined {
  return ((task.NetworksAttachments ?? []) as NetworkAttachment[]).find((a) => (a.Network.Spec as { Ingress?: boolean }).Ingress && a.Addresses?.length);
}

/**
 * The routing mesh on one host, in the kernel: from the ingress network's
 * view (every host has it, with its own ingress address), the ingress
 * namespace (ingress-sandbox.ts), the nftables rules of the host and of that
 * namespace (ruleset.ts) for every ingress-published port of the swarm,
 * balanced over the running tasks on every host, and the local tasks of
 * those services joined to the ingress network. Work is serialized and
 * coalesced: a burst of views is one pass; what the kernel already has is
 * not written again; a failed pass is tried again.
 */
export class IngressMesh {
  private view?: NetworkView;
  private tasks = new Map<string, LocalTask>();
  private lastHost?: string;
  private lastNs?: string;
  /** What the last successful ensure() made (address, VXLAN ID, VXLAN or not, peers): the same again is not redone. */
  private ensured?: string;
  private chain: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private retry?: NodeJS.Timeout;
  private closed = false;
  private readonly nft: MeshNft;

  constructor(private opts: IngressMeshOptions) {
    const hostNs = opts.runner.hostNetns;
    this.nft = opts.nft ?? ((ns, script) => nftInNamespace(ns ?? hostNs ?? `/proc/${process.pid}/ns/net`, script));
  }

  private get nodeId() { return this.opts.nodeId() ?? ''; }
  private get route() { return meshRoute(hostLinkName(this.nodeId)); }
  private sandbox(id: string) { return new IngressSandbox(this.opts.runner, id, join(this.opts.root, id)); }

  /** One operation at a time (namespace creation, task links, rules). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  wants(task: Task): boolean { return ingressAttachment(task) !== undefined; }

  /** A local task publishing ingress ports: joined to the ingress network (its namespace gets a second interface). */
  async start(task: Task, netns: string): Promise<void> {
    const att = ingressAttachment(task);
    if (!att) return;
    await this.serial(async () => {
      const view = this.view && this.own(this.view) ? this.view : await this.waitView();
      await this.ensure(view);
      const sb = this.sandbox(view.NetworkID);
      const made = await sb.overlay.attach(task.ID, netns, att.Addresses[0]);
      const t: LocalTask = { netns, cidr: att.Addresses[0], serviceId: task.ServiceID, ifname: made ?? (await this.ifnameOf(netns, att.Addresses[0])) };
      this.tasks.set(task.ID, t);
      await this.keepSource(task.ID, t, view);
    });
  }

  async stop(taskId: string): Promise<void> {
    if (!this.tasks.delete(taskId) && !this.view) return;
    await this.serial(async () => {
      for (const id of await this.sandboxIds()) await this.sandbox(id).overlay.detach(taskId);
    });
  }

  /** Every view the node has: the ingress one drives the mesh. */
  async update(views: NetworkView[]): Promise<void> {
    const v = views.find((x) => x.Ingress);
    if (v === this.view) return;
    this.view = v;
    if (v && this.own(v)) for (const w of this.waiters.splice(0)) w(v);
    this.kick();
  }

  /** The daemon stops: the kernel keeps forwarding published ports until the next daemon takes over. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  /** Leaving the swarm: the namespace, the host's table and FORWARD rules go. */
  async removeAll(): Promise<void> {
    this.close();
    await this.serial(async () => {
      for (const id of await this.sandboxIds()) await this.sandbox(id).destroy(hostLinkName(this.nodeId), this.route);
      await this.nft(undefined, removeTableScript(hostTableName(this.nodeId))).catch(() => undefined);
      this.lastHost = this.lastNs = this.ensured = undefined;
    });
  }

  /** Waits until every pass asked for so far is done (tests). */
  async settled(): Promise<void> { await this.chain; }

  private waiters: ((v: NetworkView) => void)[] = [];
  private waitView(): Promise<NetworkView> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no address of this node on the ingress network from the managers')), 10_000);
      this.waiters.push((v) => { clearTimeout(timer); resolve(v); });
    });
  }

  private kick() {
    if (this.dirty || this.closed) return;
    this.dirty = true;
    this.serial(async () => {
      this.dirty = false;
      try {
        await this.sync();
      } catch (err) {
        log.warn({ err: String(err) }, 'programming the routing mesh failed; retrying');
        this.lastHost = this.lastNs = this.ensured = undefined;
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.kick(), RETRY_MS);
        this.retry.unref();
      }
    }).catch(() => undefined);
  }

  private own(view: NetworkView): string | undefined {
    const self = this.opts.nodeId();
    return view.Peers.find((p) => p.NodeID === self)?.IngressAddr;
  }

  private async sandboxIds(): Promise<string[]> {
    const { readdir } = await import('node:fs/promises');
    return readdir(this.opts.root).catch(() => [] as string[]);
  }

  /** The ingress namespace for this view: made, with the VXLAN once another host carries ingress, its peers programmed. */
  private async ensure(view: NetworkView): Promise<IngressSandbox | undefined> {
    const addr = this.own(view);
    if (!addr) return undefined;
    const bits = view.Subnet.split('/')[1] ?? '24';
    const self = this.opts.nodeId();
    const remote = new Map<string, string>();
    for (const p of view.Peers) {
      if (p.NodeID === self || p.Addr === this.opts.localAddr) continue;
      for (const a of p.Addresses) remote.set(a, p.Addr);
    }
    // An ingress network made anew (removed and created again) has another ID: the old namespace goes.
    for (const id of await this.sandboxIds()) if (id !== view.NetworkID) { await this.sandbox(id).destroy(hostLinkName(this.nodeId), this.route); this.ensured = undefined; }
    const sb = this.sandbox(view.NetworkID);
    const key = JSON.stringify([view.NetworkID, addr, bits, view.VNI, vxlanPortOf(view), [...remote]]);
    if (key === this.ensured && (await sb.exists())) return sb;
    const id = { cidr: `${addr}/${bits}`, hostLink: hostLinkName(this.nodeId), link: linkAddrs(this.nodeId), route: this.route };
    await sb.ensure(id, { vni: view.VNI, port: vxlanPortOf(view) }, this.opts.localAddr, remote.size > 0);
    if (await sb.hasVxlan()) await sb.overlay.setPeers(remote);
    this.ensured = key;
    return sb;
  }

  private async sync(): Promise<void> {
    const view = this.view;
    if (!view || !this.own(view)) {
      // Not (or no longer) a host of the mesh: what a previous view made goes.
      if (this.lastHost !== undefined || (await this.sandboxIds()).length) await this.teardown();
      return;
    }
    const sb = await this.ensure(view);
    if (!sb) return;
    const ports: MeshPort[] = [];
    const tasks: string[] = [];
    for (const s of view.Services) {
      for (const p of s.Ports ?? []) {
        ports.push({ ...p, backends: s.Tasks.map((t) => t.Addr).sort(), keepSource: !!s.KeepSourceIP });
      }
      if (s.Ports?.length) tasks.push(...s.Tasks.map((t) => t.Addr));
    }
    const addr = this.own(view)!;
    const link = linkAddrs(this.nodeId);
    const macs = linkMacs(link);
    const host = hostScript({ table: hostTableName(this.nodeId), hostLink: hostLinkName(this.nodeId), nsAddr: link.ns, ingressAddr: addr, route: this.route },
      ports, (await sb.hasVxlan()) ? { vni: view.VNI, port: vxlanPortOf(view) } : undefined);
    const ns = l2Script({ bridge: sb.overlay.br, bridgeMac: macFor(addr), nsLink: NS_LINK, nsLinkMac: macs.ns, hostLinkMac: macs.host }, tasks);
    // The namespace first: the host sends nothing there before it hands frames on.
    if (ns !== this.lastNs) { await this.nft(sb.path, ns); this.lastNs = ns; }
    if (host !== this.lastHost) { await this.nft(undefined, host); this.lastHost = host; }
    for (const [id, t] of this.tasks) await this.keepSource(id, t, view);
  }

  private async teardown() {
    for (const id of await this.sandboxIds()) await this.sandbox(id).destroy(hostLinkName(this.nodeId), this.route);
    await this.nft(undefined, removeTableScript(hostTableName(this.nodeId))).catch(() => undefined);
    this.lastHost = this.lastNs = this.ensured = undefined;
  }

  /** The name of the task's interface holding its ingress address (a link made before a restart). */
  private async ifnameOf(netns: string, cidr: string): Promise<string | undefined> {
    const addrs = await this.opts.runner.ipJson<{ ifname: string; addr_info: { local: string }[] }>(['addr', 'show'], netns).catch(() => []);
    const a = cidr.split('/')[0];
    return addrs.find((l) => l.addr_info.some((x) => x.local === a))?.ifname;
  }

  /**
   * A task of a service keeping the client's address answers each
   * connection through the host it came in by: a routing table per host
   * (default via that host's ingress address) chosen by the connection's
   * mark (keepSourceTaskScript). Programmed again when hosts come and go.
   */
  private async keepSource(taskId: string, t: LocalTask, view: NetworkView): Promise<void> {
    const svc = view.Services.find((s) => s.ServiceID === t.serviceId);
    if (!svc?.KeepSourceIP || !t.ifname) return;
    const entries = view.Peers.flatMap((p) => (p.IngressAddr ? [p.IngressAddr] : [])).sort();
    const key = `${t.ifname} ${entries.join(' ')}`;
    if (t.keep === key) return;
    await this.nft(t.netns, keepSourceTaskScript(t.ifname, entries.map((e) => ({ mac: macFor(e), mark: replyTable(e) }))));
    await this.opts.runner.run('sysctl', ['-q', '-w', 'net.ipv4.tcp_fwmark_accept=1'], t.netns);
    const have = await this.opts.runner.ipJson<{ fwmark?: string; table?: string | number }>(['rule', 'show'], t.netns);
    const want = new Set(entries.map((e) => replyTable(e)));
    const lines: string[] = [];
    // Rules of entry hosts gone (their tables are ours: the replyTable range) go.
    for (const r of have) {
      const table = Number(r.table);
      if (r.fwmark && isReplyTable(table) && !want.has(table)) lines.push(`rule del fwmark ${r.fwmark} lookup ${table}`);
    }
    for (const e of entries) {
      const table = replyTable(e);
      if (!have.some((r) => r.fwmark !== undefined && Number(r.fwmark) === table && Number(r.table) === table)) lines.push(`rule add fwmark ${table} lookup ${table}`);
      lines.push(`route replace default via ${e} dev ${t.ifname} table ${table}`);
    }
    await this.opts.runner.ipBatch(lines, t.netns);
    t.keep = key;
    log.debug({ task: taskId, entries }, 'task answers kept-source connections through their entry host');
  }
}

/**
 * Tables and FORWARD rules of a daemon that is gone (its host link no longer
 * exists: its namespace was unmounted), e.g. one killed in a test: a stale
 * DNAT of a published port would win over the live one.
 */
export async function removeStaleHostState(runner: IpRunner, nft: MeshNft, ownNodeId: string): Promise<void> {
  const out = await runner.run('nft', ['-j', 'list', 'tables']).catch(() => '');
  if (!out) return;
  const tables = ((JSON.parse(out) as { nftables: { table?: { family: string; name: string } }[] }).nftables ?? [])
    .flatMap((x) => (x.table && x.table.family === 'ip' && x.table.name.startsWith(HOST_TABLE_PREFIX) ? [x.table.name] : []));
  const links = new Set((await runner.ipJson<{ ifname: string }>(['link', 'show']).catch(() => [])).map((l) => l.ifname));
  for (const t of tables) {
    const suffix = t.slice(HOST_TABLE_PREFIX.length);
    if (suffix === hostTableName(ownNodeId).slice(HOST_TABLE_PREFIX.length) || links.has(`${HOST_LINK_PREFIX}${suffix}`)) continue;
    await nft(undefined, removeTableScript(t)).catch(() => undefined);
    log.info({ table: t }, 'removed the routing mesh table of a daemon gone');
  }
  // And its FORWARD rules.
  const rules = await runner.run('iptables', ['-w', '-S', 'FORWARD']).catch(() => '');
  const gone = new Set<string>();
  for (const m of rules.matchAll(new RegExp(`-[io] (${HOST_LINK_PREFIX}\\S+) -j ACCEPT`, 'g'))) if (!links.has(m[1]) && m[1] !== hostLinkName(ownNodeId)) gone.add(m[1]);
  for (const l of gone) await dropForward(runner, l);
  // And its routing rule (its table's route went with its link).
  const live = new Set([...links].filter((l) => l.startsWith(HOST_LINK_PREFIX)).map((l) => meshRoute(l).table));
  live.add(meshRoute(hostLinkName(ownNodeId)).table);
  const ruleTables = new Set((await runner.ipJson<{ table?: string | number }>(['rule', 'show']).catch(() => [])).map((r) => Number(r.table)));
  for (const t of ruleTables) if (isMeshRouteTable(t) && !live.has(t)) await dropRouteRule(runner, t);
}

export { TASK_TABLE };
