import { experimental } from '@grpc/grpc-js';
import { pemBlocks, toPem } from './pem.js';

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** What a node holds for mutual TLS. */
export interface TlsMaterial {
  /** PEM private key of the leaf. */
  keyPem: string;
  /** The leaf first, then any intermediate (a cross-signed root during rotation). */
  certChainPem: string;
  /** Roots to trust (both old and new during rotation). */
  rootsPem: string[];
}

/**
 * A grpc-js certificate provider whose certificates the node replaces at
 * will (renewal, CA rotation): servers swap their TLS context in place and
 * channels use the new one on their next connection.
 *
 * Listeners get the current value asynchronously: grpc-js registers the
 * provider's listeners before its own watcher, so a synchronous first call
 * would be lost and the server would drop every connection.
 */
export class TlsMaterialProvider implements experimental.CertificateProvider {
  private material: TlsMaterial | undefined;
  private caListeners = new Set<CaListener>();
  private identityListeners = new Set<IdentityListener>();

  constructor(material?: TlsMaterial) {
    this.material = material;
  }

  current(): TlsMaterial | undefined {
    return this.material;
  }

  /** Replaces the key, chain and roots; listeners see them at once (identity first, then roots). */
  update(material: TlsMaterial): void {
    this.material = material;
    for (const l of this.identityListeners) l(this.identityUpdate());
    for (const l of this.caListeners) l(this.caUpdate());
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => { if (this.material && this.caListeners.has(listener)) listener(this.caUpdate()); });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => { if (this.material && this.identityListeners.has(listener)) listener(this.identityUpdate()); });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: Buffer.from(this.material!.rootsPem.join('\n')) };
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate {
    const m = this.material!;
    return { certificate: Buffer.from(presentedChain(m)), privateKey: Buffer.from(m.keyPem) };
  }
}

/**
 * The chain a node presents: its own, then the trusted roots it lacks, so a
 * peer can read the root from the handshake. Peers pick issuers in the order
 * sent, so intermediates must stay ahead of the roots.
 */
export function presentedChain(m: TlsMaterial): string {
  const own = pemBlocks(m.certChainPem);
  const extra = m.rootsPem.flatMap((pem) => pemBlocks(pem)).filter((r) => !own.some((c) => c.equals(r)));
  return [...own, ...extra].map((der) => toPem('CERTIFICATE', der)).join('');
}
