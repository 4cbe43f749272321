// `swarm ca` as the docker CLI has it (cli/command/swarm/ca.go and
// progress/root_rotation.go, 28.2): print the root CA; --rotate updates the
// spec's CA config and then waits for every node to move to the new root,
// printing what docker's progress stream shows when stdout is not a terminal
// (the lines that carry a bar print nothing; the desired root's digest, which
// carries none, is printed on every poll).
import { createHash } from 'node:crypto';
import type { Cluster, Node } from '../../types/objects.js';
import type { Client } from '../client.js';
import { goSpec, type ExternalCA, type GoSpec } from './swarm-opts.js';

export interface CAOptions {
  rotate: boolean;
  detach: boolean;
  quiet: boolean;
  /** set flags among ca-cert, ca-key, cert-expiry, external-ca, in docker's order of checking */
  changed: Set<string>;
  caCert: string;
  caKey: string;
  certExpiry?: number;
  externalCAs: ExternalCA[];
}

/** The POST /swarm/update query the docker client sends (url.Values sorts its keys). */
export function updateQuery(version: number, f: { worker?: boolean; manager?: boolean; unlockKey?: boolean } = {}): string {
  return `/swarm/update?rotateManagerToken=${!!f.manager}&rotateManagerUnlockKey=${!!f.unlockKey}&rotateWorkerToken=${!!f.worker}&version=${version}`;
}

function displayTrustRoot(sw: Cluster, out: (s: string) => void): void {
  const root = sw.TLSInfo?.TrustRoot ?? '';
  if (root === '') throw new Error('No CA information available');
  out(`${root.trim()}\n`);
}

/** docker's mergeSwarmSpecCAFlags: --cert-expiry, and --external-ca with a CA certificate for those without one. */
export function mergeCAFlags(spec: GoSpec, o: { changed: Set<string>; certExpiry?: number; externalCAs: ExternalCA[] }, caCert: string | undefined): void {
  if (o.changed.has('cert-expiry')) spec.CAConfig.NodeCertExpiry = o.certExpiry;
  if (o.changed.has('external-ca')) {
    spec.CAConfig.ExternalCAs = o.externalCAs.map((c) => ({ ...c, CACert: c.CACert === '' && caCert !== undefined ? caCert : c.CACert }));
  }
}

export async function caCommand(c: Client, o: CAOptions, out: (s: string) => void): Promise<number> {
  const sw = await c.get<Cluster>('/swarm');
  if (!o.rotate) {
    for (const f of ['ca-cert', 'ca-key', 'cert-expiry', 'external-ca']) {
      if (o.changed.has(f)) throw new Error(`\`--${f}\` flag requires the \`--rotate\` flag to update the CA`);
    }
    displayTrustRoot(sw, out);
    return 0;
  }
  if (o.changed.has('external-ca') && o.externalCAs.length > 0 && !o.changed.has('ca-cert')) {
    throw new Error('rotating to an external CA requires the `--ca-cert` flag to specify the external CA\'s cert - '
      + 'to add an external CA with the current root CA certificate, use the `update` command instead');
  }
  if (o.changed.has('ca-cert') && o.externalCAs.length === 0 && !o.changed.has('ca-key')) {
    throw new Error('the --ca-cert flag requires that a --ca-key flag and/or --external-ca flag be provided as well');
  }
  const spec = goSpec(sw.Spec);
  mergeCAFlags(spec, o, o.caCert);
  spec.CAConfig.SigningCACert = o.caCert || undefined;
  spec.CAConfig.SigningCAKey = o.caKey || undefined;
  if (o.caKey === '' && o.caCert === '') spec.CAConfig.ForceRotate = (spec.CAConfig.ForceRotate ?? 0) + 1;
  await c.post(updateQuery(sw.Version.Index), goSpec(spec as never));
  if (o.detach) return 0;
  const write = o.quiet ? () => {} : out;
  await rootRotationProgress(c, write);
  if (o.quiet) return 0;
  displayTrustRoot(await c.get<Cluster>('/swarm'), out);
  return 0;
}

/** progress.RootRotationProgress: poll every 200 ms until every node has the new certificate and trust root. */
async function rootRotationProgress(c: Client, out: (s: string) => void): Promise<void> {
  const certs = '  rotated TLS certificates';
  const roots = '  rotated CA certificates';
  out('desired root digest: \n');
  out(`${certs}: \n`);
  out(`${roots}:  \n`);
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onInt = () => { interrupted = true; wake?.(); };
  process.once('SIGINT', onInt);
  try {
    let done = false;
    for (;;) {
      const sw = await c.get<Cluster>('/swarm');
      if (done) return;
      const nodes = await c.get<Node[]>('/nodes');
      const want = sw.TLSInfo ?? {};
      const root = want.TrustRoot ?? '';
      out(`desired root digest: sha256:${createHash('sha256').update(root).digest('hex')}\n`);
      let certsRight = 0;
      let rootsRight = 0;
      for (const n of nodes) {
        const t = n.Description?.TLSInfo ?? {};
        if ((t.CertIssuerPublicKey ?? '') === (want.CertIssuerPublicKey ?? '') && (t.CertIssuerSubject ?? '') === (want.CertIssuerSubject ?? '')) certsRight++;
        if ((t.TrustRoot ?? '') === root) rootsRight++;
      }
      // the two bars (nodes with the new certificate, with the new root) print nothing without a terminal
      done = certsRight === nodes.length && !sw.RootRotationInProgress && rootsRight === nodes.length;
      await new Promise<void>((r) => { wake = r; setTimeout(r, 200); });
      if (interrupted) {
        if (!done) out('Operation continuing in background.\nUse `swarmctl cluster inspect default` to check progress.\n');
        return;
      }
    }
  } finally {
    process.removeListener('SIGINT', onInt);
  }
}
