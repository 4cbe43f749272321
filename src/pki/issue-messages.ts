import type { NodeDescription } from '../types/objects.js';
import type { NodeRole } from './identity.js';
import type { RenewalProof } from './renewal-proof.js';

/** The CA's issue call as it travels: a joining or renewing node asks, a manager's NodeCA answers. */
export interface IssueRequest {
  /** A join token, for a node without a certificate. */
  token?: string;
  csrPem: string;
  /** The node's cluster address ("ip:port"). */
  addr: string;
  description?: NodeDescription;
  /** A renewal: the node's proof that it holds its current certificate's key (needed when a follower forwards it). */
  renewal?: RenewalProof;
}

export interface IssueResponse {
  nodeId: string;
  role: NodeRole;
  certChainPem: string;
  rootsPem: string[];
}
