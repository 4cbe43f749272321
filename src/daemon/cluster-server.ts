import * as grpc from '@grpc/grpc-js';
import { request } from 'node:http';
import { logger } from '../log.js';
import { RAFT_STREAM, raftStreamHandler } from '../raft/transport/peer-transport.js';
import { call, channelOptions, clientStream, insecureCredentials, unary } from '../raft/transport/rpc.js';
import type { Message } from '../raft/types.js';

const log = logger('cluster');
export const JOIN = '/tswarm.Cluster/Join';
export const HTTP = '/tswarm.Cluster/Http';

export interface JoinRequest {
  token: string;
  /** Set by a node that already has an identity (a promoted worker). */
  nodeId?: string;
  /** The joiner's cluster address ("ip:port"). */
  addr: string;
  description?: unknown;
}
export interface JoinResponse {
  nodeId: string;
  role: 'manager' | 'worker';
  /** Managers only: this member's Raft ID and the members so far. */
  raftId?: string;
  members?: [string, { addr: string; nodeId: string }][];
  /** Cluster addresses of the managers. */
  managers: string[];
}

/** An Engine API request a follower hands to the leader. */
export interface HttpRequest { method: string; url: string; headers: Record<string, string>; body: string }
export interface HttpResponse { status: number; headers: Record<string, string>; body: string }

export interface ClusterHandlers {
  raftMessage(m: Message): void;
  join(req: JoinRequest): Promise<JoinResponse>;
  http(req: HttpRequest): Promise<HttpResponse>;
}

/** Another service on the cluster port (the dispatcher's). */
export interface ExtraService { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }

/** The cluster port: Raft streams, joins, writes forwarded from followers, and the dispatcher. */
export async function startClusterServer(addr: string, h: ClusterHandlers, extra: ExtraService[] = []): Promise<grpc.Server> {
  const server = new grpc.Server(channelOptions);
  const wrap = <Req, Res>(fn: (r: Req) => Promise<Res>): grpc.handleUnaryCall<unknown, unknown> => (c, cb) => {
    fn(c.request as Req).then((res) => cb(null, res), (err: Error) => cb({ code: grpc.status.UNKNOWN, details: err.message }));
  };
  server.addService({
    Stream: clientStream(RAFT_STREAM),
    Join: unary(JOIN),
    Http: unary(HTTP),
  } as grpc.ServiceDefinition, {
    Stream: raftStreamHandler((m) => h.raftMessage(m)),
    Join: wrap(h.join),
    Http: wrap(h.http),
  });
  for (const e of extra) server.addService(e.definition, e.implementation);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(addr, insecureCredentials.server(), (err) => (err ? reject(err) : resolve()));
  });
  log.info({ addr }, 'cluster port listening');
  return server;
}

export function clusterCall<Req, Res>(addr: string, path: string, req: Req, timeoutMs = 20_000): Promise<Res> {
  const client = new grpc.Client(addr, insecureCredentials.client(), channelOptions);
  return call<Req, Res>(client, path, req, timeoutMs).finally(() => client.close());
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
