import type { WriteTx } from '../../store/store.js';
import type { Node } from '../../types/objects.js';
import type { RegisterRequest } from '../../types/dispatcher.js';

/** Registrations arriving within this window share transactions (a restarted leader meets every node at once). */
export const REGISTRATION_WINDOW_MS = 20;

export interface Registration { nodeId: string; req: RegisterRequest }

/** A registering node is created, or marked ready with its new description. */
export function writeRegistration(tx: WriteTx, { nodeId, req }: Registration) {
  const cur = tx.nodes.get(nodeId);
  const status = { State: 'ready' as const, Addr: req.addr ?? cur?.Status.Addr ?? '127.0.0.1' };
  if (cur) {
    // The CA records the node's TLS info when it issues; a registration keeps it.
    tx.update('nodes', { ...cur, Description: { ...req.description, TLSInfo: cur.Description?.TLSInfo ?? req.description?.TLSInfo }, Status: status });
  } else {
    tx.create('nodes', {
      ID: nodeId, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
      Spec: { Labels: {}, Role: 'worker', Availability: 'active' },
      Description: req.description,
      Status: status,
    } as Node);
  }
}
