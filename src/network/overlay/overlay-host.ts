import { readdir } from 'node:fs/promises';
import { logger } from '../../log.js';
import type { Task } from '../../types/objects.js';
import type { NetworkView } from '../../types/network-view.js';
import { overlayAttachments } from './attachments.js';
import { IpRunner } from './ip-runner.js';
import { sandboxPath, taskLinkName, vxlanPortOf } from './names.js';
import { overlayMtu } from './mtu.js';
import { NetworkSandbox } from './sandbox.js';
import { dirname, join } from 'node:path';
import type { EncryptionKey } from '../../types/network-keys.js';
import { OverlayEncryption } from '../encryption/overlay-encryption.js';
import { createNetworkSandbox, type VniNeighbours } from './vni-conflicts.js';
import { applyNotrack, notrackTable, type VxlanFlow } from './vxlan-notrack.js';

const log = logger('overlay');
/** How long a task's attach waits for its network's view to arrive with the assignments. */
const VIEW_WAIT_MS = 10_000;

export interface OverlayHostOptions {
  /** Directory of the networks' namespace files (under the agent's state dir). */
  root: string;
  /** This node's underlay address: the VXLAN source. */
  localAddr: string;
  /** This node's ID (its own peer entry is skipped); known once registered. */
  nodeId: () => string | undefined;
  runner?: IpRunner;
  viewWaitMs?: number;
  /** Docker's layout (a bridge and a veth per task) instead of macvlans: bench/overlay's comparison. */
  bridged?: boolean;
}

/** One network a task joined: which, its interface in the task's namespace, its address. */
export interface JoinedNetwork {
  networkId: string;
  ifname?: string;
  address: string;
}

/**
 * The overlay data plane of one host, driven by the NetworkViews the
 * dispatcher sends: a network's namespace (VXLAN + static FDB and
 * neighbour entries from its peers) exists while a local task is attached to
 * it and goes when the last one leaves. What exists is read back from the
 * kernel and the disk (namespace files, the tasks' link records and their
 * links: sandbox.ts), not kept only in memory, so a
 * daemon killed at any point and restarted reconciles what it had made.
 */
export class OverlayHost {
  private views = new Map<string, NetworkView>();
  private waiters = new Map<string, (() => void)[]>();
  /** One operation at a time per network (creation, peers, attach, teardown). */
  private locks = new Map<string, Promise<unknown>>();
  readonly runner: IpRunner;
  /** Encrypted networks: keys, rules and the ESP endpoint (network/encryption). */
  readonly encryption: OverlayEncryption;
  /** The VNIs whose VXLAN the host's conntrack skips (vxlan-notrack.ts), as last installed (undefined: not known, as after a restart); one change at a time. */
  private notracked: string | undefined;
  private notrackChain: Promise<void> = Promise.resolve();

  constructor(private opts: OverlayHostOptions) {
    this.runner = opts.runner ?? new IpRunner();
    this.encryption = new OverlayEncryption({ localAddr: opts.localAddr, runner: this.runner, stateFile: join(dirname(opts.root), 'esp-states.json') });
  }

  /** The keys of encrypted networks, from the dispatcher (none: this node needs no encrypted network). */
  setKeys(keys: EncryptionKey[]): Promise<void> { return this.encryption.setKeys(keys); }

  private sandbox(networkId: string) {
    return new NetworkSandbox(this.runner, networkId, sandboxPath(this.opts.root, networkId), { bridged: this.opts.bridged });
  }

  private locked<T>(networkId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(networkId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.locks.set(networkId, tail);
    tail.then(() => { if (this.locks.get(networkId) === tail) this.locks.delete(networkId); }, () => undefined);
    return next;
  }

  /** This host's other networks, for a VXLAN ID one of them may still hold (vni-conflicts.ts). */
  private neighbours: VniNeighbours = {
    ids: () => this.sandboxIds(), sandbox: (id) => this.sandbox(id), isCurrent: (id) => this.views.has(id),
  };

  view(networkId: string): NetworkView | undefined { return this.views.get(networkId); }
  viewIds(): string[] { return [...this.views.keys()]; }

  /** A new or changed view: its peers are programmed where the network exists here. */
  setView(view: NetworkView): Promise<void> {
    this.views.set(view.NetworkID, view);
    const notrack = this.syncNotrack();
    for (const w of this.waiters.get(view.NetworkID) ?? []) w();
    this.waiters.delete(view.NetworkID);
    // At once (not behind the lock): the hosts of an encrypted network's frames must be known before they flow.
    const enc = view.Encrypted ? this.encryption.setNetwork(view, this.remotePeers(view)) : undefined;
    return this.locked(view.NetworkID, async () => {
      await enc;
      await notrack;
      const sb = this.sandbox(view.NetworkID);
      if (await sb.exists()) await sb.setPeers(this.remotePeers(view));
    });
  }

  /** The node no longer needs the network: it goes once no task of ours is on it. */
  removeView(networkId: string): Promise<void> {
    this.views.delete(networkId);
    const notrack = this.syncNotrack();
    return this.locked(networkId, async () => {
      await notrack;
      await this.destroyIfUnused(networkId);
      // An encrypted network's rules stay while its VXLAN device does (its frames never leave in clear).
      if (!(await this.sandbox(networkId).exists())) await this.encryption.forget(networkId);
    });
  }

  /** The host's conntrack skips the VXLAN of the networks this node has views of, but the encrypted ones. */
  private syncNotrack(flows: VxlanFlow[] = [...this.views.values()].filter((v) => !v.Encrypted).map((v) => ({ port: vxlanPortOf(v), vni: v.VNI }))): Promise<void> {
    const key = JSON.stringify(flows.map((f) => `${f.port}/${f.vni}`).sort());
    if (key === this.notracked) return this.notrackChain;
    this.notracked = key;
    this.notrackChain = this.notrackChain.then(() => applyNotrack(this.runner, notrackTable(this.opts.root), flows)).catch((err) => {
      this.notracked = undefined; // the next change tries again
      log.warn({ err: String(err) }, 'the VXLAN notrack rules failed (overlay traffic stays tracked by the host)');
    });
    return this.notrackChain;
  }

  /** Task address → underlay address of the host carrying it, for every other host. */
  private remotePeers(view: NetworkView): Map<string, string> {
    const self = this.opts.nodeId();
    const out = new Map<string, string>();
    for (const p of view.Peers) {
      if (p.NodeID === self || p.Addr === this.opts.localAddr) continue;
      for (const a of p.Addresses) out.set(a, p.Addr);
    }
    return out;
  }

  private waitView(networkId: string): Promise<NetworkView> {
    const v = this.views.get(networkId);
    if (v) return Promise.resolve(v);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const ws = this.waiters.get(networkId) ?? [];
        this.waiters.set(networkId, ws.filter((w) => w !== done));
        reject(new Error(`network ${networkId} not found on this node: no network view from the managers`));
      }, this.opts.viewWaitMs ?? VIEW_WAIT_MS);
      const done = () => { clearTimeout(timer); resolve(this.views.get(networkId)!); };
      this.waiters.set(networkId, [...(this.waiters.get(networkId) ?? []), done]);
    });
  }

  /**
   * Throws what Docker's driver refuses a task's networks with on this node
   * before anything is made (a bad MTU option), for the networks whose view
   * is here: the task is rejected before it starts, as Docker's.
   */
  check(task: Task): void {
    for (const att of overlayAttachments(task)) {
      const v = this.views.get(att.Network.ID);
      if (v) overlayMtu(v);
    }
  }

  /**
   * Joins the task's namespace (a path) to each of its overlay networks,
   * creating a network's namespace here when it is the first local task.
   */
  async attach(task: Task, taskNs: string): Promise<JoinedNetwork[]> {
    const joined: JoinedNetwork[] = [];
    for (const att of overlayAttachments(task)) {
      const id = att.Network.ID;
      const view = await this.waitView(id);
      const ifname = await this.locked(id, async () => {
        const sb = this.sandbox(id);
        const now = this.views.get(id) ?? view;
        // A bad MTU option rejects the task before anything is made (Docker's driver refuses it there).
        const mtu = overlayMtu(now);
        // An encrypted network's rules are in before its VXLAN device exists.
        if (now.Encrypted) await this.encryption.setNetwork(now, this.remotePeers(now));
        await createNetworkSandbox(sb, view.VNI, this.opts.localAddr, this.neighbours, this.runner, mtu, vxlanPortOf(now));
        await sb.setPeers(this.remotePeers(now));
        return sb.attach(task.ID, taskNs, att.Addresses[0], mtu);
      });
      joined.push({ networkId: id, ifname, address: att.Addresses[0].split('/')[0] });
      log.debug({ task: task.ID, network: id, ifname }, 'task attached');
    }
    return joined;
  }

  /** The task left this host (or its namespace is gone): its links go, and networks left without tasks. */
  async detach(taskId: string): Promise<void> {
    for (const id of await this.sandboxIds()) {
      await this.locked(id, async () => {
        await this.sandbox(id).detach(taskId);
        await this.destroyIfUnused(id);
      });
    }
  }

  private async destroyIfUnused(networkId: string) {
    const sb = this.sandbox(networkId);
    if (!(await sb.exists())) { await sb.destroy(); return; }
    if ((await sb.taskLinks()).length > 0) return;
    await sb.destroy();
    if (!this.views.has(networkId)) await this.encryption.forget(networkId);
    log.info({ network: networkId }, 'network removed from this host (no task left on it)');
  }

  /** The networks with a namespace file here (made by this daemon, now or before a restart). */
  async sandboxIds(): Promise<string[]> {
    return readdir(this.opts.root).catch(() => [] as string[]);
  }

  /**
   * After a restart: links of tasks this node no longer runs are removed,
   * namespaces left without tasks (or half made) go, the rest is reused.
   */
  async reconcile(tasks: Iterable<string>): Promise<void> {
    const keep = new Set([...tasks].map(taskLinkName));
    for (const id of await this.sandboxIds()) {
      await this.locked(id, async () => {
        const sb = this.sandbox(id);
        if (await sb.exists()) {
          for (const l of await sb.taskLinks()) {
            if (!keep.has(l)) await sb.removeTaskLink(l).catch(() => undefined);
          }
        }
        await this.destroyIfUnused(id);
      });
    }
  }

  /** Removes every network namespace this host has (leaving the swarm, tests). */
  async removeAll(): Promise<void> {
    for (const id of await this.sandboxIds()) await this.locked(id, () => this.sandbox(id).destroy());
    this.notracked = undefined;
    await this.syncNotrack([]);
    // A host that leaves keeps no keys, SAs or rules.
    await this.encryption.close();
  }
}

