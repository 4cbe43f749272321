import { newId } from '../../ids.js';
import type { ReadTx, WriteTx } from '../../store/store.js';
import { INGRESS_SBOX, isIngressSbox, type NetworkAttachmentRecord } from '../../types/network.js';
import type { Node } from '../../types/objects.js';
import { PROCESS_ENGINE } from '../../types/executors.js';
import type { NetworkPools } from './network-pools.js';
import { ingressNetwork } from './service-networks.js';


/** Hosts whose tasks are containers get one; process and simulated hosts serve published ports in user space. */
function wantsSbox(n: Node): boolean {
  const engine = n.Description?.Engine?.EngineVersion ?? '';
  return engine !== PROCESS_ENGINE && engine !== 'tswarm-sim' && engine !== '';
}

/** The records to add and remove so that every host that wants one has exactly one address on the current ingress network. */
export function sboxChanges(tx: ReadTx): { add: Node[]; remove: NetworkAttachmentRecord[]; networkId?: string } {
  const ing = ingressNetwork(tx);
  const records = tx.table('netattachments').all().filter(isIngressSbox);
  if (!ing) return { add: [], remove: records };
  const nodes = new Map(tx.nodes.all().filter(wantsSbox).map((n) => [n.ID, n]));
  const remove: NetworkAttachmentRecord[] = [];
  const have = new Set<string>();
  for (const r of records) {
    if (r.NetworkID !== ing.ID || !nodes.has(r.NodeID) || have.has(r.NodeID)) remove.push(r);
    else have.add(r.NodeID);
  }
  return { add: [...nodes.values()].filter((n) => !have.has(n.ID)), remove, networkId: ing.ID };
}

/** Applies sboxChanges in one transaction; a host left without an address (the subnet full) gets one on a later pass. */
export function applySboxChanges(tx: WriteTx, pools: NetworkPools, ch: ReturnType<typeof sboxChanges>): void {
  for (const r of ch.remove) tx.remove('netattachments', r.ID);
  if (!ch.networkId) return;
  for (const n of ch.add) {
    const id = newId();
    const addr = pools.allocate(id, ch.networkId);
    if (!addr) return;
    tx.create('netattachments', {
      ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', NodeID: n.ID, ContainerID: INGRESS_SBOX, NetworkID: ch.networkId, Addresses: [addr],
    });
  }
}
