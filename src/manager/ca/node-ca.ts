import { timingSafeEqual, X509Certificate } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { MemoryStore } from '../../store/store.js';
import { ApiError } from '../../types/errors.js';
import type { Cluster, ClusterRootCA, Node } from '../../types/objects.js';
import { newManagerNode, newWorkerNode, withoutManagerStatus } from '../nodes.js';
import { withSpecDefaults } from '../cluster.js';
import type { NodeIdentity, NodeRole } from '../../pki/identity.js';
import type { IssueRequest, IssueResponse } from '../../pki/issue-messages.js';
import { signCSR } from './issue.js';
import { checkKeyPair, createRootCA, crossSign, type CAKeyPair } from './root-ca.js';
import { nodeTlsInfo, tlsInfo } from './tls-info.js';

export const INVALID_JOIN_TOKEN = 'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster';
export const NODE_REMOVED = 'rpc error: code = PermissionDenied desc = node was removed from the swarm';

/**
 * Whether a node should renew now: its certificate is not from the issuing
 * root (a rotation runs), or, once no rotation runs, it trusts other roots
 * than the swarm's.
 */
export function needsRenewal(cluster: Cluster, n: Node): boolean {
  const ca = cluster.RootCA;
  const have = n.Description?.TLSInfo;
  if (!ca || !have) return false;
  const issuer = tlsInfo(ca.RootRotation?.CACert ?? ca.CACert);
  if (have.CertIssuerPublicKey !== issuer.CertIssuerPublicKey) return true;
  return !ca.RootRotation && have.TrustRoot !== ca.CACert;
}

/** The role a node's certificate carries: manager while its spec says so or it is still in Raft. */
export function certRole(n: Node): NodeRole {
  return n.Spec.Role === 'manager' || n.ManagerStatus ? 'manager' : 'worker';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Leader-side certificate issuance. A node without a certificate presents a
 * join token: the token decides its role and a node object is recorded. A
 * node with a valid certificate renews it; its role then comes from the
 * store, so promotion and demotion re-issue with the new role. Certificates
 * come from the rotation's new root while a rotation runs.
 */
export class NodeCA {
  constructor(private store: MemoryStore, private clock: Clock) {}

  async issue(req: IssueRequest, caller: NodeIdentity | undefined): Promise<IssueResponse> {
    const cluster = this.store.view((tx) => tx.cluster());
    const ca = cluster?.RootCA;
    if (!cluster || !ca) throw new ApiError(503, 'This node is not a swarm manager.');
    const known = caller && this.store.view((tx) => tx.nodes.get(caller.nodeId));
    if (caller && !known) throw new ApiError(403, NODE_REMOVED);
    const token = req.token ?? '';
    const role: NodeRole | undefined = known ? certRole(known)
      : sameSecret(token, cluster.JoinTokens.Manager) ? 'manager' : sameSecret(token, cluster.JoinTokens.Worker) ? 'worker' : undefined;
    if (!role) throw new ApiError(400, INVALID_JOIN_TOKEN);
    const nodeId = known ? known.ID : newId();
    // Signed before anything is written: a bad CSR leaves no node behind.
    const signed = this.sign(cluster, ca, req.csrPem, nodeId, role);
    // What the node will hold from now on: `swarm ca --rotate` watches this per node.
    const TLSInfo = nodeTlsInfo(ca.RootRotation?.CACert ?? ca.CACert, signed.rootsPem);
    await this.store.update((tx) => {
      const n = tx.nodes.get(nodeId);
      if (n) { tx.update('nodes', { ...structuredClone(n), Description: { ...n.Description, TLSInfo } }); return; }
      if (known) return; // removed meanwhile
      // A manager's Raft membership comes when it joins Raft (ManagerStatus is set then).
      const fresh = role === 'worker' ? newWorkerNode(nodeId, req.addr, req.description) : withoutManagerStatus(newManagerNode(nodeId, req.addr, req.description));
      tx.create('nodes', { ...fresh, Description: { ...fresh.Description, TLSInfo } });
    });
    return { nodeId, role, ...signed };
  }

  private sign(cluster: Cluster, ca: ClusterRootCA, csrPem: string, nodeId: string, role: NodeRole) {
    const expiryMs = Math.round(withSpecDefaults(cluster.Spec).CAConfig!.NodeCertExpiry! / 1e6);
    const issuer: CAKeyPair = ca.RootRotation ? { certPem: ca.RootRotation.CACert, keyPem: ca.RootRotation.CAKey } : { certPem: ca.CACert, keyPem: ca.CAKey };
    let leaf: string;
    try {
      leaf = signCSR(issuer, csrPem, { nodeId, role, clusterId: cluster.ID, now: new Date(this.clock.now()), expiryMs });
    } catch (err) {
      throw new ApiError(400, `invalid certificate signing request: ${(err as Error).message}`);
    }
    if (!ca.RootRotation) return { certChainPem: leaf, rootsPem: [ca.CACert] };
    // Nodes that still trust only the old root accept the new leaf through the cross-signed root.
    return { certChainPem: leaf + ca.RootRotation.CrossSignedCACert, rootsPem: [ca.CACert, ca.RootRotation.CACert] };
  }
}

/**
 * `swarm ca --rotate`: a new root (made here, or the operator's
 * `--ca-cert/--ca-key`), cross-signed by the current one so nodes move over
 * without a gap.
 */
export function startRootRotation(ca: ClusterRootCA, now: Date, given?: CAKeyPair): ClusterRootCA {
  const next = given ?? createRootCA(now);
  const old: CAKeyPair = { certPem: ca.CACert, keyPem: ca.CAKey };
  return { ...ca, RootRotation: { CACert: next.certPem, CAKey: next.keyPem, CrossSignedCACert: crossSign(next, old) } };
}

/** Checks an operator's root: a CA certificate whose key is the ECDSA P-256 key given (what tswarm signs with). */
export function validateSigningCA(certPem: string, keyPem: string): CAKeyPair {
  let x: X509Certificate;
  try { x = new X509Certificate(certPem); } catch { throw new Error('could not parse the CA certificate'); }
  if (!x.ca) throw new Error('the certificate provided is not a CA certificate');
  const key = x.publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('the CA key must be ECDSA P-256');
  const ca = { certPem: certPem.trim() + '\n', keyPem };
  try { checkKeyPair(ca); } catch { throw new Error('the CA certificate and key do not match'); }
  return ca;
}
