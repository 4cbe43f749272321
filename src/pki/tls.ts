import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { ChannelOptions } from '@grpc/grpc-js';
import type { ClusterCredentials } from '../raft/transport/rpc.js';
import { ROLE_OU, certIdentity } from './identity.js';
import { checkManagerIdentity } from './manager-identity.js';
import { TlsMaterialProvider } from './tls-provider.js';

export { TlsMaterialProvider, presentedChain, type TlsMaterial } from './tls-provider.js';

/**
 * Channel options for every TLS channel to a manager: managers are dialled
 * by IP, and Node warns (DEP0123) when an IP is sent as TLS server name; the
 * managers' certificates all carry this name instead.
 */
export const tlsChannelOptions: ChannelOptions = { 'grpc.ssl_target_name_override': ROLE_OU.manager };

/**
 * Server credentials for the cluster port: present the provider's chain,
 * request (never require) a client certificate, so a node without one can
 * still fetch the root CA and ask for its first certificate. Handlers learn
 * who called with peerIdentity(call) (peer-identity.ts). Updating the
 * provider swaps the TLS context of the running server.
 */
export function serverCredentials(provider: TlsMaterialProvider): grpc.ServerCredentials {
  // One provider in both places: grpc-js 1.14's createCertificateProviderServerCredentials
  // passes its (ca, identity) arguments to the constructor as (identity, ca).
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

/**
 * One identity check per provider, so that equal credentials compare equal
 * and channels share subchannels; the swarm is read from the provider's
 * own certificate at each handshake.
 */
const managerChecks = new WeakMap<TlsMaterialProvider, (host: string, cert: PeerCertificate) => Error | undefined>();
function managerCheckOf(provider: TlsMaterialProvider) {
  let check = managerChecks.get(provider);
  if (!check) {
    check = (host, cert) => {
      const own = provider.current();
      if (!own) return new Error('this node has no certificate');
      return checkManagerIdentity(host, cert, certIdentity(own.certChainPem).clusterId);
    };
    managerChecks.set(provider, check);
  }
  return check;
}

/**
 * Mutual-TLS channel credentials: the node's chain as client certificate,
 * the provider's roots to verify a manager server of the node's own swarm.
 * Each new connection reads the provider's latest material, so renewal
 * needs no new credentials.
 */
export function clientCredentials(provider: TlsMaterialProvider): grpc.ChannelCredentials {
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, provider, { checkServerIdentity: managerCheckOf(provider) });
}

/** Trusts `rootsPem`, sends no client certificate: a joiner asking for its first certificate. */
export function anonymousClientCredentials(rootsPem: string[]): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(rootsPem.join('\n')), null, null, { checkServerIdentity: checkManagerIdentity });
}

/**
 * TLS that verifies nothing: only to download the root CA, whose digest the
 * caller must then check against the join token (tokenMatchesRoot).
 */
export function insecureTlsClientCredentials(): grpc.ChannelCredentials {
  // Made once: without a CA, each TLS context loads Node's whole public root store.
  insecure ??= grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
  return insecure;
}
let insecure: grpc.ChannelCredentials | undefined;

/** rpc.ts's plug for mutual TLS, for the Raft transport and the cluster server. */
export function clusterCredentials(provider: TlsMaterialProvider): ClusterCredentials {
  return { server: () => serverCredentials(provider), client: () => clientCredentials(provider) };
}
