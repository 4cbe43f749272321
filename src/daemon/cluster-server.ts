import * as grpc from '@grpc/grpc-js';
import { request } from 'node:http';
import { logger } from '../log.js';
import type { NodeIdentity } from '../manager/ca/identity.js';
import type { IssueRequest, IssueResponse } from '../manager/ca/node-ca.js';
import { peerIdentity } from '../manager/ca/tls.js';
import { RAFT_STREAM, raftStreamHandler } from '../raft/transport/peer-transport.js';
import { call, channelOptions, clientStream, clusterClient, grpcStatus, unary, unaryHandler } from '../raft/transport/rpc.js';
import type { Message } from '../raft/types.js';
import { ApiError } from '../types/errors.js';

const log = logger('cluster');
export const JOIN = '/tswarm.Cluster/Join';
export const HTTP = '/tswarm.Cluster/Http';
export const ROOT_CA = '/tswarm.CA/GetRootCACertificate';
export const ISSUE_CERT = '/tswarm.NodeCA/IssueNodeCertificate';

/** A manager (already holding a manager certificate) asks to become a Raft member. */
export interface JoinRequest {
  /** The joiner's cluster address ("ip:port"). */
  addr: string;
}
export interface JoinResponse {
  raftId: string;
  members: [string, { addr: string; nodeId: string }][];
}

/** An Engine API request a follower hands to the leader. */
export interface HttpRequest { method: string; url: string; headers: Record<string, string>; body: string }
export interface HttpResponse { status: number; headers: Record<string, string>; body: string }

export interface IssueAnswer extends IssueResponse { managers: string[] }

/** What the cluster port serves; `caller` is the verified certificate's identity, if any. */
export interface ClusterHandlers {
  raftMessage(m: Message): void;
  join(req: JoinRequest, caller: NodeIdentity): Promise<JoinResponse>;
  http(req: HttpRequest, caller: NodeIdentity): Promise<HttpResponse>;
  rootCA(): Promise<{ certPem: string }>;
  issueCertificate(req: IssueRequest, caller: NodeIdentity | undefined): Promise<IssueAnswer>;
}

/** Another service on the cluster port (the dispatcher's). */
export interface ExtraService { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }

const PERMISSION_DENIED = 'permission denied: this call needs a manager certificate of this swarm';

/**
 * The cluster port, mutual TLS: Raft streams, Raft joins and writes
 * forwarded from followers (managers only), the root CA and first
 * certificates (anyone; a token decides), and the dispatcher.
 */
export async function startClusterServer(addr: string, creds: grpc.ServerCredentials, h: ClusterHandlers, extra: ExtraService[] = []): Promise<grpc.Server> {
  const server = new grpc.Server(channelOptions);
  type Call = grpc.ServerUnaryCall<unknown, unknown>;
  const manager = (c: Call | grpc.ServerReadableStream<unknown, unknown>): NodeIdentity => {
    const id = peerIdentity(c);
    if (id?.role !== 'manager') throw new ApiError(403, PERMISSION_DENIED);
    return id;
  };
  const raftStream = raftStreamHandler((m) => h.raftMessage(m));
  server.addService({
    Stream: clientStream(RAFT_STREAM),
    Join: unary(JOIN),
    Http: unary(HTTP),
  } as grpc.ServiceDefinition, {
    Stream: (c: grpc.ServerReadableStream<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      try { manager(c); } catch (err) { cb(grpcStatus(err)); return; }
      raftStream(c, cb);
    },
    Join: unaryHandler((r: JoinRequest, c) => h.join(r, manager(c))),
    Http: unaryHandler((r: HttpRequest, c) => h.http(r, manager(c))),
  });
  server.addService({ Get: unary(ROOT_CA) } as grpc.ServiceDefinition, { Get: unaryHandler(() => h.rootCA()) });
  server.addService({ Issue: unary(ISSUE_CERT) } as grpc.ServiceDefinition, {
    Issue: unaryHandler((r: IssueRequest, c) => h.issueCertificate(r, peerIdentity(c))),
  });
  for (const e of extra) server.addService(e.definition, e.implementation);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(addr, creds, (err) => (err ? reject(err) : resolve()));
  });
  log.info({ addr }, 'cluster port listening');
  return server;
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

/** Replays a forwarded request against this node's own API socket. */
export function replayHttp(socketPath: string, r: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: r.method, path: r.url, headers: r.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') }, body }));
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** A gRPC error's own text, without grpc-js's "2 UNKNOWN: " prefix. */
export function grpcMessage(err: unknown): string {
  const e = err as { details?: string; message?: string };
  return e.details || e.message || String(err);
}
