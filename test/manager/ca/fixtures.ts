import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyAndCSR, type NodeRole } from '../../../src/pki/certificates.js';
import type { TlsMaterial } from '../../../src/pki/tls.js';
import { signCSR } from '../../../src/manager/ca/issue.js';
import type { CAKeyPair } from '../../../src/manager/ca/root-ca.js';

export const DAY = 86_400_000;

/** A node's key and leaf from `ca`, trusting `roots` (the issuing root by default). */
export function nodeMaterial(ca: CAKeyPair, nodeId: string, role: NodeRole, opts: { roots?: string[]; chainTail?: string; now?: Date; clusterId?: string } = {}): TlsMaterial {
  const { keyPem, csrPem } = createKeyAndCSR();
  const leaf = signCSR(ca, csrPem, { nodeId, role, clusterId: opts.clusterId ?? 'cluster1', now: opts.now ?? new Date(), expiryMs: 90 * DAY });
  return { keyPem, certChainPem: leaf + (opts.chainTail ?? ''), rootsPem: opts.roots ?? [ca.certPem] };
}

/** Runs openssl with named PEM files written to a scratch directory; returns stdout (throws on failure). */
export function openssl(args: (dir: string) => string[], files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tswarm-ca-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return execFileSync('openssl', args(dir), { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
