import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import type { Cluster } from '../../types/objects.js';
import { Reconciler } from '../reconciler.js';
import { tlsInfo } from './tls-info.js';
import { rootDigest } from '../../pki/join-token.js';
import { newJoinToken } from './join-tokens.js';

const log = logger('root-rotation');

/**
 * Leader-only: finishes `swarm ca --rotate`. Once every node that is not
 * down holds a certificate from the new root, the new root becomes the
 * swarm's (its key signs from now on, join tokens carry its digest) and
 * the nodes, told by their heartbeats, drop the old root.
 */
export class RootRotationFinisher extends Reconciler {
  readonly name = 'root-rotation';

  constructor(store: MemoryStore) {
    super(store, ['nodes', 'cluster']);
  }

  protected async reconcile() {
    await this.store.update((tx) => {
      const c = tx.cluster();
      const next = c?.RootCA?.RootRotation;
      if (!c || !next) return;
      const want = tlsInfo(next.CACert).CertIssuerPublicKey;
      // Nodes without TLS info hold no certificate (simulated nodes).
      const pending = tx.nodes.all().filter((n) => n.Status.State !== 'down' && n.Description?.TLSInfo && n.Description.TLSInfo.CertIssuerPublicKey !== want);
      if (pending.length > 0) return;
      const digest = rootDigest(next.CACert);
      const done: Cluster = {
        ...structuredClone(c),
        RootCA: { CACert: next.CACert, CAKey: next.CAKey },
        RootRotationInProgress: false,
        TLSInfo: tlsInfo(next.CACert),
        RootDigest: digest,
        JoinTokens: { Worker: newJoinToken(digest), Manager: newJoinToken(digest) },
      };
      tx.update('cluster', done);
      log.info('root CA rotation complete');
    });
  }
}
