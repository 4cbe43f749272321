import { certIdentity, type NodeIdentity } from './identity.js';

type AuthCall = { getAuthContext(): { sslPeerCertificate?: { raw: Buffer } } | null };

/**
 * The verified caller of a server call, or undefined when it sent no
 * certificate or one not chaining to the trusted roots (grpc-js only exposes
 * the peer certificate when the TLS socket is `authorized`).
 */
export function peerIdentity(call: AuthCall): NodeIdentity | undefined {
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  if (!raw) return undefined;
  // Every heartbeat and status report asks: parse each certificate once.
  const key = raw.toString('base64');
  if (identities.has(key)) return identities.get(key);
  let id: NodeIdentity | undefined;
  try {
    const { nodeId, role, clusterId } = certIdentity(raw);
    id = { nodeId, role, clusterId };
  } catch {
    id = undefined;
  }
  if (identities.size >= 10_000) identities.clear();
  identities.set(key, id);
  return id;
}
const identities = new Map<string, NodeIdentity | undefined>();
