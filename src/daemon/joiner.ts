import { createKeyAndCSR, parseJoinToken, proveRenewal, rootDigest, tokenMatchesRoot } from '../pki/certificates.js';
import type { IssueRequest } from '../pki/issue-messages.js';
import { anonymousClientCredentials, clientCredentials, insecureTlsClientCredentials, type TlsMaterialProvider, type TlsMaterial } from '../pki/tls.js';
import { ApiError } from '../types/errors.js';
import type { NodeDescription } from '../types/objects.js';
import { ISSUE_CERT, ROOT_CA, callAnyManager, clusterCall, grpcMessage, type IssueAnswer } from './cluster-server.js';

export const INVALID_TOKEN_FORMAT = 'invalid join token';

/**
 * The joiner's side of `swarm join`: download the root CA without trusting
 * it, accept it only if its digest is the one in the token, then ask for a
 * certificate over TLS that trusts that root. The token decides the role.
 */
export async function obtainCertificate(remote: string, token: string, addr: string, description: NodeDescription): Promise<{ answer: IssueAnswer; material: TlsMaterial }> {
  if (!parseJoinToken(token)) throw new ApiError(400, INVALID_TOKEN_FORMAT);
  let root: string;
  try {
    root = (await clusterCall<object, { certPem: string }>(remote, insecureTlsClientCredentials(), ROOT_CA, {}, 10_000)).certPem;
  } catch (err) {
    throw new ApiError(500, `could not download the root CA from ${remote}: ${grpcMessage(err)}`);
  }
  if (!tokenMatchesRoot(token, root)) {
    throw new ApiError(400, `remote CA does not match fingerprint. Expected: ${parseJoinToken(token)!.digest}, got root ${rootDigest(root)}`);
  }
  const { keyPem, csrPem } = createKeyAndCSR();
  let answer: IssueAnswer;
  try {
    answer = await clusterCall<IssueRequest, IssueAnswer>(remote, anonymousClientCredentials([root]), ISSUE_CERT, { token, csrPem, addr, description });
  } catch (err) {
    throw new ApiError(400, grpcMessage(err));
  }
  return { answer, material: { keyPem, certChainPem: answer.certChainPem, rootsPem: answer.rootsPem } };
}

/** A node with a certificate renews it (same key is fine; a new one each time limits exposure). */
export async function renewCertificate(managers: string[], provider: TlsMaterialProvider, addr: string): Promise<{ answer: IssueAnswer; material: TlsMaterial }> {
  const { keyPem, csrPem } = createKeyAndCSR();
  const current = provider.current();
  // The proof lets a follower hand the request to the leader (manager-rpc.ts).
  const renewal = current && proveRenewal(current, csrPem);
  const answer = await callAnyManager<IssueRequest, IssueAnswer>(managers, clientCredentials(provider), ISSUE_CERT, { csrPem, addr, renewal }, 10_000);
  return { answer, material: { keyPem, certChainPem: answer.certChainPem, rootsPem: answer.rootsPem } };
}
