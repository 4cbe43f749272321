import * as grpc from '@grpc/grpc-js';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';
import { logger } from '../log.js';
import type { NodeIdentity } from '../pki/identity.js';
import type { IssueRequest, IssueResponse } from '../pki/issue-messages.js';
import { RAFT_STREAM } from '../raft/transport/peer-transport.js';
import { MAX_RAFT_MESSAGE_BYTES, call, channelOptions, clientStream, clusterClient, grpcStatus, serverOptions, unary, unaryHandler } from '../raft/transport/rpc.js';
import type { Message } from '../raft/types.js';
import {
  authorizeCalls, checkRaftPeer, checkRaftSender, optionalNode, requireCurrentManager, requireRaftPeer,
  type AuthCall, type ClusterAuthState, type MethodRules,
} from '../manager/ca/cluster-auth.js';

const log = logger('cluster');
export const JOIN = '/tswarm.Cluster/Join';
/** A follower hands one cluster write (a route of the API's table, nothing else) to the leader. */
export const FORWARD_WRITE = '/tswarm.Cluster/ForwardWrite';
export const ROOT_CA = '/tswarm.CA/GetRootCACertificate';
export const ISSUE_CERT = '/tswarm.NodeCA/IssueNodeCertificate';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A manager (already holding a manager certificate) asks to become a Raft member. */
export interface JoinRequest {
  /** The joiner's cluster address ("ip:port"). */
  addr: string;
  /** Set by a follower that hands a joiner's request to the leader: the joiner's node ID. */
  forwardedFor?: string;
}
export interface JoinResponse {
  raftId: string;
  members: [string, { addr: string; nodeId: string }][];
}

export interface IssueAnswer extends IssueResponse { managers: string[] }

/** What the cluster port serves; each handler gets the call to authorize its caller with (cluster-auth.ts). */
export interface ClusterHandlers {
  raftMessage(m: Message): void;
  join(req: JoinRequest, call: AuthCall): Promise<JoinResponse>;
  forwardWrite(req: ForwardedWrite, caller: NodeIdentity): Promise<ForwardedReply>;
  rootCA(): Promise<{ certPem: string }>;
  issueCertificate(req: IssueRequest, call: AuthCall): Promise<IssueAnswer>;
}

/** Another service on the cluster port (the dispatcher's), with the rule of each of its methods. */
export interface ExtraService { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation; rules: MethodRules }

/**
 * Who may call each method, and how large a request it reads. Only the root
 * CA and issuance (against a token) serve callers without a certificate,
 * and read little; only Raft reads snapshot-sized messages.
 */
export const CLUSTER_RULES: MethodRules = {
  [RAFT_STREAM]: { authorize: requireRaftPeer, maxRequestBytes: MAX_RAFT_MESSAGE_BYTES },
  [JOIN]: { authorize: requireCurrentManager, maxRequestBytes: 4 * KiB },
  [FORWARD_WRITE]: { authorize: requireCurrentManager, maxRequestBytes: 16 * MiB },
  [ROOT_CA]: { authorize: optionalNode, maxRequestBytes: 4 * KiB },
  [ISSUE_CERT]: { authorize: optionalNode, maxRequestBytes: 256 * KiB },
};

/**
 * The cluster port, mutual TLS: Raft streams, Raft joins and writes
 * forwarded from followers (current managers only; typed, see api/forwarded.ts), the root CA and first
 * certificates (anyone; a token decides), and the dispatcher (nodes).
 */
export async function startClusterServer(addr: string, creds: grpc.ServerCredentials, auth: ClusterAuthState, h: ClusterHandlers, extra: ExtraService[] = []): Promise<grpc.Server> {
  const rules: MethodRules = { ...CLUSTER_RULES };
  for (const e of extra) Object.assign(rules, e.rules);
  const server = new grpc.Server({ ...serverOptions, interceptors: [authorizeCalls(auth, rules)] });
  server.addService({
    Stream: clientStream(RAFT_STREAM),
    Join: unary(JOIN),
    ForwardWrite: unary(FORWARD_WRITE),
  } as grpc.ServiceDefinition, {
    Stream: raftStream(auth, h),
    Join: unaryHandler((r: JoinRequest, c) => h.join(r, c)),
    // Who may forward a cluster write: a current manager of this swarm.
    ForwardWrite: unaryHandler((r: ForwardedWrite, c) => h.forwardWrite(r, requireCurrentManager(auth, c))),
  });
  server.addService({ Get: unary(ROOT_CA) } as grpc.ServiceDefinition, {
    Get: unaryHandler((_r, c) => { optionalNode(auth, c); return h.rootCA(); }),
  });
  server.addService({ Issue: unary(ISSUE_CERT) } as grpc.ServiceDefinition, {
    Issue: unaryHandler((r: IssueRequest, c) => h.issueCertificate(r, c)),
  });
  for (const e of extra) server.addService(e.definition, e.implementation);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(addr, creds, (err) => (err ? reject(listenError(addr, err)) : resolve()));
  });
  log.info({ addr }, 'cluster port listening');
  return server;
}

/** Go's words for the errors binding a port can meet (syscall.Errno's strings). */
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use', EADDRNOTAVAIL: 'cannot assign requested address', EACCES: 'permission denied',
};

/**
 * The cluster port could not be bound: Docker's words ("manager stopped: failed to listen on remote API
 * address: listen tcp 0.0.0.0:2377: bind: address already in use") for grpc-js's ("No address added out of
 * total 1 resolved errors: [listen EADDRINUSE: …]").
 */
function listenError(addr: string, err: Error): Error {
  const code = /\b(E[A-Z]+)\b/.exec(err.message)?.[1];
  const reason = code ? BIND_ERRORS[code] ?? err.message : err.message;
  return new Error(`manager stopped: failed to listen on remote API address: listen tcp ${addr}: bind: ${reason}`);
}

/**
 * A peer's Raft stream: its caller is checked when it opens, and each
 * message again (the caller may have been removed meanwhile; a message must
 * come from the caller's own member). The first refusal ends the stream.
 */
function raftStream(auth: ClusterAuthState, h: ClusterHandlers): grpc.handleClientStreamingCall<unknown, unknown> {
  return (c, cb) => {
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      cb(err === undefined ? null : grpcStatus(err), err === undefined ? {} : undefined);
    };
    let caller: NodeIdentity;
    try { caller = requireRaftPeer(auth, c); } catch (err) { finish(err); return; }
    c.on('data', (m: Message) => {
      if (done) return;
      try {
        checkRaftPeer(auth, caller);
        checkRaftSender(auth, caller, m.from);
      } catch (err) { finish(err); return; }
      h.raftMessage(m);
    });
    c.on('end', () => finish());
    c.on('error', () => undefined);
  };
}

/** One call on a fresh channel to addr. */
export function clusterCall<Req, Res>(addr: string, creds: grpc.ChannelCredentials, path: string, req: Req, timeoutMs = 20_000): Promise<Res> {
  const client = clusterClient(addr, creds);
  return call<Req, Res>(client, path, req, timeoutMs).finally(() => client.close());
}

/** The same call to each manager in turn until one answers (the first is usually the leader). */
export async function callAnyManager<Req, Res>(addrs: string[], creds: grpc.ChannelCredentials, path: string, req: Req, timeoutMs?: number): Promise<Res> {
  let lastErr: unknown = new Error('no manager to call');
  for (const addr of addrs) {
    try { return await clusterCall<Req, Res>(addr, creds, path, req, timeoutMs); } catch (err) { lastErr = err; }
  }
  throw lastErr;
}

/** A gRPC error's own text, without grpc-js's "2 UNKNOWN: " prefix. */
export function grpcMessage(err: unknown): string {
  const e = err as { details?: string; message?: string };
  return e.details || e.message || String(err);
}
