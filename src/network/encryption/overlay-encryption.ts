import { existsSync } from 'node:fs';
import { rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { logger } from '../../log.js';
import type { EncryptionKey } from '../../types/network-keys.js';
import { primaryKey } from '../../types/network-keys.js';
import type { NetworkView } from '../../types/network-view.js';
import type { IpRunner } from '../overlay/ip-runner.js';
import { VXLAN_PORT, macFor, vxlanPortOf } from '../overlay/names.js';
import { applyRules, removeRules } from './esp-rules.js';
import { EspTunnel } from './esp-tunnel.js';

const log = logger('encryption');

/**
 * 1500 minus what an encrypted network's frame carries around it: outer IP
 * (20), UDP to the ESP port (8), ESP header and IV (16), the protected UDP and
 * VXLAN headers and the inner Ethernet header (30), ESP trailer (2, padded to
 * 4) and ICV (16). Docker's encrypted overlays take 26 bytes off 1450 (1424);
 * ESP in UDP and a 16-byte ICV take 42.
 */
export const ENCRYPTED_MTU = 1408;

export interface OverlayEncryptionOptions {
  localAddr: string;
  runner: IpRunner;
  /** Where the SAs are listed for operators and tests (no key material). */
  stateFile: string;
}

/**
 * The encrypted overlays of one host: which networks are encrypted and
 * which hosts carry their tasks (from the views), the keys (from the
 * dispatcher), the host's nftables rules and the ESP endpoint. The rules of
 * a network are in place before its VXLAN device exists and stay until the
 * device is gone, so its frames never leave in clear; without keys they are
 * dropped, not sent.
 */
export class OverlayEncryption {
  private tunnel: EspTunnel;
  /** Encrypted networks known here: VNI and the remote hosts' task addresses. */
  private nets = new Map<string, { vni: number; port: number; remote: Map<string, string> }>();
  private keys: EncryptionKey[] = [];
  private pending?: Promise<void>;
  private appliedVnis = '';
  private appliedPort = 0;
  /** The first pass also removes rules a previous daemon left for networks this one no longer has. */
  private first = true;

  constructor(private opts: OverlayEncryptionOptions) {
    this.tunnel = new EspTunnel(opts.localAddr);
  }

  /** An encrypted network's view (or its peers changed): `remote` is task address → host address, other hosts only. */
  setNetwork(view: NetworkView, remote: Map<string, string>): Promise<void> {
    this.nets.set(view.NetworkID, { vni: view.VNI, port: vxlanPortOf(view), remote });
    return this.sync();
  }

  /** The network's VXLAN device is gone from this host. */
  forget(networkId: string): Promise<void> {
    if (!this.nets.delete(networkId)) return this.pending ?? Promise.resolve();
    return this.sync();
  }

  has(networkId: string): boolean { return this.nets.has(networkId); }

  setKeys(keys: EncryptionKey[]): Promise<void> {
    this.keys = keys;
    return this.sync();
  }

  /** Resolves once what was asked so far is in the kernel and the endpoint. */
  ready(): Promise<void> { return this.pending ?? Promise.resolve(); }

  /** Leaving the swarm: keys, SAs, endpoint and rules all go. */
  async close(): Promise<void> {
    this.nets.clear();
    this.keys = [];
    await this.ready().catch(() => undefined);
    this.tunnel.close();
    await removeRules(this.opts.runner, this.opts.localAddr).catch((err) => log.warn({ err: String(err) }, 'removing the ESP rules failed'));
    await rm(this.opts.stateFile, { force: true });
    this.appliedVnis = '';
  }

  /** The SAs and counters (tests, metrics). */
  states() { return this.tunnel.states(); }
  counters() { return this.tunnel.counters; }

  /** Changes are applied one at a time, each from the latest state (a burst of views costs one pass). */
  private sync(): Promise<void> {
    const run = (this.pending ?? Promise.resolve()).catch(() => undefined).then(() => this.apply());
    this.pending = run;
    void run.finally(() => { if (this.pending === run) this.pending = undefined; }).catch(() => undefined);
    return run;
  }

  private async apply() {
    const vnis = [...new Set([...this.nets.values()].map((n) => n.vni))].sort((a, b) => a - b);
    if (vnis.length === 0 && this.keys.length === 0) {
      const wasOn = this.tunnel.running() || this.appliedVnis !== '';
      // A previous daemon that had encrypted networks left its state file (and maybe its rules).
      const leftover = this.first && existsSync(this.opts.stateFile);
      this.first = false;
      if (wasOn || leftover) {
        this.tunnel.close();
        await removeRules(this.opts.runner, this.opts.localAddr);
        this.appliedVnis = '';
        if (wasOn) log.info('no encrypted network on this host: ESP endpoint closed, keys dropped');
      }
      await rm(this.opts.stateFile, { force: true });
      return;
    }
    this.first = false;
    const port = await this.tunnel.start();
    const primary = primaryKey(this.keys);
    this.tunnel.setKeys(this.keys.map((k) => ({ tag: k.LamportTime, key: Buffer.from(k.Key, 'base64') })), primary?.LamportTime);
    const routes = new Map<number, Map<string, string>>();
    for (const n of this.nets.values()) {
      let r = routes.get(n.vni);
      if (!r) routes.set(n.vni, (r = new Map()));
      for (const [addr, host] of n.remote) r.set(macFor(addr).replace(/:/g, ''), host);
    }
    this.tunnel.setRoutes(routes);
    // The swarm's data path port: one for all its networks.
    const vxlanPort = [...this.nets.values()][0]?.port ?? VXLAN_PORT;
    this.tunnel.setVxlanPort(vxlanPort);
    const key = `${vnis.join(',')}@${vxlanPort}`;
    if (key !== this.appliedVnis || port !== this.appliedPort) {
      await applyRules(this.opts.runner, this.opts.localAddr, port, vnis, vxlanPort);
      this.appliedVnis = key;
      this.appliedPort = port;
      if (vnis.length) log.info({ vnis, port }, 'encrypted networks: VXLAN of these VNIs goes between hosts in ESP');
    }
    await mkdir(dirname(this.opts.stateFile), { recursive: true });
    await writeFile(this.opts.stateFile, JSON.stringify({ keys: this.keys.map((k) => k.LamportTime), primary: primary?.LamportTime, vnis, states: this.tunnel.states() }, null, 1));
  }
}
