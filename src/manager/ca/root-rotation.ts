import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import type { Cluster } from '../../types/objects.js';
import type { LeaderComponent } from '../component.js';
import { tlsInfo } from './node-ca.js';
import { rootDigest } from './root-ca.js';
import { newJoinToken } from './tokens.js';

const log = logger('root-rotation');

/**
 * Leader-only: finishes `swarm ca --rotate`. Once every node that is not
 * down holds a certificate from the new root, the new root becomes the
 * swarm's (its key signs from now on, join tokens carry its digest) and
 * the nodes, told by their heartbeats, drop the old root.
 */
export class RootRotationFinisher implements LeaderComponent {
  readonly name = 'root-rotation';
  private unwatch?: () => void;
  private busy = false;

  constructor(private store: MemoryStore) {}

  start(): void {
    this.unwatch = this.store.watch((events) => {
      if (events.some((e) => e.table === 'nodes' || e.table === 'cluster')) void this.check();
    });
    void this.check();
  }

  async stop(): Promise<void> {
    this.unwatch?.();
  }

  private async check() {
    if (this.busy) return;
    this.busy = true;
    try {
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
    } catch (err) {
      log.warn({ err: String(err) }, 'finishing the root rotation failed');
    } finally {
      this.busy = false;
    }
  }
}
