import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certIdentity, splitPemChain, type CertIdentity } from '../pki/certificates.js';
import { TlsMaterialProvider, clusterCredentials, type TlsMaterial } from '../pki/tls.js';
import type { KeyStore } from '../manager/keys/key-store.js';
import { writeFileAtomic } from '../manager/keys/atomic-file.js';
import type { ClusterCredentials } from '../raft/transport/rpc.js';

const CERT_DIR = 'certificates';
const NODE_CERT = 'swarm-node.crt';
const ROOT_CERT = 'swarm-root-ca.crt';

/**
 * This node's TLS identity: its certificate chain and the roots it trusts
 * in <swarm dir>/certificates (Docker's file names), its private key in the
 * key store (sealed with the rest under autolock). Replacing the material
 * (renewal, role change, CA rotation) reaches the running server and every
 * new connection through one provider.
 */
export class NodeSecurity {
  readonly provider: TlsMaterialProvider;
  readonly credentials: ClusterCredentials;

  private constructor(private dir: string, private keys: KeyStore, material: TlsMaterial) {
    this.provider = new TlsMaterialProvider(material);
    this.credentials = clusterCredentials(this.provider);
  }

  static async load(swarmDir: string, keys: KeyStore): Promise<NodeSecurity | undefined> {
    const dir = join(swarmDir, CERT_DIR);
    const keyPem = keys.tlsKeyPem;
    if (!keyPem) return undefined;
    try {
      const certChainPem = await readFile(join(dir, NODE_CERT), 'utf8');
      const rootsPem = splitPemChain(await readFile(join(dir, ROOT_CERT), 'utf8'));
      return new NodeSecurity(dir, keys, { keyPem, certChainPem, rootsPem });
    } catch {
      return undefined;
    }
  }

  static async create(swarmDir: string, keys: KeyStore, m: TlsMaterial): Promise<NodeSecurity> {
    const s = new NodeSecurity(join(swarmDir, CERT_DIR), keys, m);
    await s.save(m);
    return s;
  }

  get material(): TlsMaterial { return this.provider.current()!; }

  identity(): CertIdentity { return certIdentity(this.material.certChainPem); }

  /** A new certificate (and maybe key and roots): on disk first, then in use. */
  async update(m: TlsMaterial): Promise<void> {
    await this.save(m);
    this.provider.update(m);
  }

  private async save(m: TlsMaterial) {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (this.keys.tlsKeyPem !== m.keyPem) await this.keys.setTlsKey(m.keyPem);
    await writeFileAtomic(join(this.dir, ROOT_CERT), m.rootsPem.join(''), 0o644);
    await writeFileAtomic(join(this.dir, NODE_CERT), m.certChainPem, 0o644);
  }
}
