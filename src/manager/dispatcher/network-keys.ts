import type { ReadTx } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import type { AssignmentChange } from '../../types/dispatcher.js';
import type { EncryptionKey } from '../../types/network-keys.js';
import type { Cluster } from '../../types/objects.js';

/** Which nodes need the keys (network-views.ts knows which nodes carry which networks). */
export interface KeyNeeds {
  needsKeys(nodeId: string): boolean;
  nodesNeedingKeys(): Iterable<string>;
}

/** What a node is sent about keys around its other changes: the keys before its views, their removal after. */
export interface KeyChanges { before: AssignmentChange[]; after: AssignmentChange[] }

/**
 * Which connected nodes hold the encrypted overlays' keys: those that need
 * at least one encrypted network (they carry a task or container on it).
 * A node gets the ring before the view that needs it, again on each
 * rotation, and loses it once it needs no encrypted network any more
 * (swarmkit sends the keys to every node; tswarm only where they are used).
 */
export class NodeNetworkKeys {
  private keys: EncryptionKey[] = [];
  private holders = new Set<string>();

  load(tx: ReadTx) { this.keys = tx.cluster()?.NetworkBootstrapKeys ?? []; }

  /** The keys of a node's full assignment set (its holding starts again from it). */
  complete(nodeId: string, needs: boolean): AssignmentChange[] {
    this.holders.delete(nodeId);
    if (!needs || this.keys.length === 0) return [];
    this.holders.add(nodeId);
    return [{ action: 'update', networkKeys: this.keys }];
  }

  forget(nodeId: string) { this.holders.delete(nodeId); }

  /**
   * After a batch of events: a rotation reaches every node that needs the
   * keys; a node whose networks changed (`touched`) gains or loses them.
   */
  onEvents(events: StoreEvent[], touched: Iterable<string>, views: KeyNeeds, connected: (nodeId: string) => boolean): Map<string, KeyChanges> {
    const out = new Map<string, KeyChanges>();
    const of = (n: string) => { let c = out.get(n); if (!c) out.set(n, (c = { before: [], after: [] })); return c; };
    let rotated = false;
    for (const e of events) {
      if (e.table !== 'cluster' || e.action === 'remove') continue;
      const keys = (e.object as Cluster).NetworkBootstrapKeys ?? [];
      if (sameRing(keys, this.keys)) continue;
      this.keys = keys;
      rotated = true;
    }
    const check = (nodeId: string) => {
      if (!connected(nodeId)) { this.holders.delete(nodeId); return; }
      const want = views.needsKeys(nodeId) && this.keys.length > 0;
      if (want && (rotated || !this.holders.has(nodeId))) { this.holders.add(nodeId); of(nodeId).before.push({ action: 'update', networkKeys: this.keys }); }
      if (!want && this.holders.has(nodeId)) { this.holders.delete(nodeId); of(nodeId).after.push({ action: 'remove', networkKeys: null }); }
    };
    for (const nodeId of touched) check(nodeId);
    // A new ring reaches every node that needs it, those that waited for the first one included.
    if (rotated) for (const nodeId of new Set([...this.holders, ...views.nodesNeedingKeys()])) if (!out.has(nodeId)) check(nodeId);
    return out;
  }
}

function sameRing(a: EncryptionKey[], b: EncryptionKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k.LamportTime === b[i].LamportTime && k.Key === b[i].Key);
}
