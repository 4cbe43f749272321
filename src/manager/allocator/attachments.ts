import { newId } from '../../ids.js';
import type { MemoryStore } from '../../store/store.js';
import { ApiError, notFound } from '../../types/errors.js';
import type { AttachNetworkRequest, AttachNetworkResponse } from '../../types/dispatcher.js';
import { lookup } from '../controlapi/lookup.js';
import { rpcError } from '../controlapi/rpc-errors.js';
import type { Allocator } from './allocator.js';

/**
 * The managers' side of `docker run --network <attachable overlay>` on a
 * swarm node (swarmkit's AttachNetwork/DetachNetwork): an address for a
 * plain container, from the leader's allocator (so no task ever gets the
 * same one), kept as a record of the netattachments table; the node then
 * needs the network, and its view comes in the node's assignments.
 */
export class NetworkAttacher {
  constructor(private store: MemoryStore, private allocator: Allocator) {}

  async attach(nodeId: string, req: AttachNetworkRequest): Promise<AttachNetworkResponse> {
    if (typeof req.network !== 'string' || typeof req.containerId !== 'string' || req.containerId === '') {
      throw new ApiError(400, 'network and containerId: strings are required');
    }
    const aliases = Array.isArray(req.aliases) ? req.aliases.filter((a): a is string => typeof a === 'string') : [];
    const n = this.store.view((tx) => lookup(tx.table('networks').all(), req.network, 'network', (x) => x.Spec.Name));
    if (!n.Spec.Attachable) throw rpcError('PermissionDenied', `network ${req.network} not manually attachable`);
    const known = this.store.view((tx) => tx.table('netattachments').by('node', nodeId))
      .find((a) => a.ContainerID === req.containerId && a.NetworkID === n.ID);
    if (known) return { attachmentId: known.ID, networkId: n.ID, address: known.Addresses[0] };
    return this.allocator.exclusive(async () => {
      const id = newId();
      const address = this.allocator.pools.allocate(id, n.ID);
      if (!address) throw rpcError('ResourceExhausted', `no address left on network ${n.Spec.Name}`);
      try {
        await this.store.update((tx) => {
          if (!tx.table('networks').get(n.ID)) throw notFound(`network ${req.network} not found`);
          tx.create('netattachments', {
            ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', NodeID: nodeId, ContainerID: req.containerId, NetworkID: n.ID,
            ...(aliases.length ? { Aliases: aliases } : {}), Addresses: [address],
            ...(typeof req.name === 'string' && req.name ? { ContainerName: req.name } : {}),
          });
        });
      } catch (err) {
        this.allocator.pools.release(id);
        throw err;
      }
      return { attachmentId: id, networkId: n.ID, address };
    });
  }

  /** Only the node's own attachments; the address goes back once the removal is applied. */
  async detach(nodeId: string, attachmentId: string): Promise<void> {
    await this.store.update((tx) => {
      const a = tx.table('netattachments').get(attachmentId);
      if (a && a.NodeID === nodeId) tx.remove('netattachments', a.ID);
    });
  }
}
