import type { ReadTx } from '../../store/store.js';
import type { Network } from '../../types/network.js';
import { holdsAddresses } from '../controlapi/networks.js';
import { AddressPool } from './ipam.js';
import { subnetOf } from './network-state.js';

interface Held { networkId: string; addr: string }

/**
 * The leader's free lists of every network's addresses, rebuilt from the
 * store (services' VIPs, live tasks' attachments, containers' attachments)
 * whenever a leader starts or a write may not have committed: the store is
 * the truth, so a new leader never hands out an address twice. Allocation is
 * by owner (a service's VIPs, a task's or a container's addresses) and
 * idempotent: asking again for the same owner and network gives the same
 * address, so a transaction re-run from the start allocates nothing twice.
 */
export class NetworkPools {
  private pools = new Map<string, AddressPool>();
  private held = new Map<string, Held[]>();

  rebuild(tx: ReadTx): void {
    this.pools.clear();
    this.held.clear();
    for (const n of tx.table('networks').all()) this.addNetwork(n);
    for (const s of tx.services.all()) for (const v of s.Endpoint?.VirtualIPs ?? []) if (v.Addr) this.reserve(s.ID, v.NetworkID, v.Addr);
    for (const t of tx.tasks.all()) {
      if (!t.NetworksAttachments?.length || !holdsAddresses(t)) continue;
      for (const a of t.NetworksAttachments as { Network?: { ID?: string }; Addresses?: string[] }[]) {
        for (const addr of a.Addresses ?? []) if (a.Network?.ID) this.reserve(t.ID, a.Network.ID, addr);
      }
    }
    for (const a of tx.table('netattachments').all()) for (const addr of a.Addresses) this.reserve(a.ID, a.NetworkID, addr);
  }

  addNetwork(n: Network): void {
    const s = subnetOf(n);
    if (!s || this.pools.has(n.ID)) return;
    const range = n.IPAMOptions?.Configs?.[0]?.Range;
    this.pools.set(n.ID, new AddressPool(s.subnet, s.gateway, range));
  }

  removeNetwork(id: string): void { this.pools.delete(id); }

  has(networkId: string): boolean { return this.pools.has(networkId); }

  /** The owner's address on the network: the one it holds, else a new one; undefined when the network is unknown or full. */
  allocate(owner: string, networkId: string): string | undefined {
    const mine = this.held.get(owner)?.find((h) => h.networkId === networkId);
    if (mine) return mine.addr;
    const addr = this.pools.get(networkId)?.allocate();
    if (addr) this.hold(owner, networkId, addr);
    return addr;
  }

  /** Gives back what the owner holds on the networks `keep` does not list (all when absent). */
  release(owner: string, keep?: Set<string>): boolean {
    const held = this.held.get(owner);
    if (!held) return false;
    const kept = held.filter((h) => keep?.has(h.networkId));
    for (const h of held) if (!keep?.has(h.networkId)) this.pools.get(h.networkId)?.release(h.addr);
    if (kept.length) this.held.set(owner, kept); else this.held.delete(owner);
    return kept.length < held.length;
  }

  holds(owner: string): boolean { return this.held.has(owner); }

  private reserve(owner: string, networkId: string, addr: string) {
    if (this.pools.get(networkId)?.reserve(addr)) this.hold(owner, networkId, addr);
  }

  private hold(owner: string, networkId: string, addr: string) {
    const h = this.held.get(owner);
    if (h) h.push({ networkId, addr }); else this.held.set(owner, [{ networkId, addr }]);
  }
}
