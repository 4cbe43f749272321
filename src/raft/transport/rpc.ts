import * as grpc from '@grpc/grpc-js';
import { boundTarget, clusterSourceAddress } from './source-address.js';

/**
 * gRPC plumbing shared by everything on the cluster port: methods carry JSON
 * (the object model is JSON end to end), so no protobuf compiler is needed.
 */
export const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v ?? null)),
  deserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as unknown,
};

export function unary(path: string): grpc.MethodDefinition<unknown, unknown> {
  return {
    path, requestStream: false, responseStream: false,
    requestSerialize: json.serialize, requestDeserialize: json.deserialize,
    responseSerialize: json.serialize, responseDeserialize: json.deserialize,
  };
}

export function clientStream(path: string): grpc.MethodDefinition<unknown, unknown> {
  return { ...unary(path), requestStream: true };
}

export function serverStream(path: string): grpc.MethodDefinition<unknown, unknown> {
  return { ...unary(path), responseStream: true };
}

/** The largest message any cluster RPC carries: a Raft snapshot travels as one message. */
export const MAX_RAFT_MESSAGE_BYTES = 512 * 1024 * 1024;
/**
 * What a server reads of one message unless the method's own limit says
 * otherwise (see limitRequestBytes): anything a caller sends is buffered
 * whole before it is decoded, so the default stays small.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Clients talk to verified managers only: they accept (and send) snapshot-sized messages. */
export const channelOptions: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_RAFT_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_RAFT_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // Managers are dialled by IP; their certificates carry this name (the credentials check the role, not the host name).
  'grpc.ssl_target_name_override': 'swarm-manager',
};

/** A server's options: it sends what clients accept, and reads little unless a method allows more. */
export const serverOptions: grpc.ServerOptions = {
  ...channelOptions,
  'grpc.max_receive_message_length': DEFAULT_MAX_REQUEST_BYTES,
};

/**
 * Bounds what one server call reads, per message, before anything is read.
 * grpc-js has only a server-wide limit, fixed in each call's decoder; the
 * first interceptor of a server holds the call that owns that decoder and
 * lowers (or, for Raft, raises) it here. Throws when grpc-js no longer has
 * these fields, so a changed grpc-js fails loudly instead of reading
 * unbounded messages.
 */
export function limitRequestBytes(call: grpc.ServerInterceptingCallInterface, maxBytes: number): void {
  const base = call as unknown as { decoder?: { maxReadMessageLength?: unknown }; maxReceiveMessageSize?: unknown };
  if (typeof base.decoder?.maxReadMessageLength !== 'number' || typeof base.maxReceiveMessageSize !== 'number') {
    throw new Error('cannot bound this call\'s message size: grpc-js internals changed (see limitRequestBytes)');
  }
  base.decoder.maxReadMessageLength = maxBytes;
  // Also the bound on a compressed message once inflated.
  base.maxReceiveMessageSize = maxBytes;
}


/**
 * A client to another node's cluster port: every channel a node opens to
 * another is made here, so its connections leave from the node's own
 * address (source-address.ts).
 */
export function clusterClient(addr: string, creds: grpc.ChannelCredentials, from = clusterSourceAddress()): grpc.Client {
  const { target, options } = boundTarget(addr, from, channelOptions);
  return new grpc.Client(target, creds, options);
}

/** Where TLS plugs in: the daemon passes the node's mutual-TLS pair (built outside raft). */
export interface ClusterCredentials {
  server(): grpc.ServerCredentials;
  client(): grpc.ChannelCredentials;
}

/** Plain gRPC, for bench/raft's in-process cluster only. */
export const insecureCredentials: ClusterCredentials = {
  server: () => grpc.ServerCredentials.createInsecure(),
  client: () => grpc.credentials.createInsecure(),
};

/** HTTP-style statuses that errors carry (ApiError's), as gRPC codes. */
const CODE_OF_STATUS: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT, 403: grpc.status.PERMISSION_DENIED, 404: grpc.status.NOT_FOUND,
};

/** The gRPC status an error is answered with: its own status's code, else `fallback`. */
export function grpcStatus(err: unknown, fallback = grpc.status.UNKNOWN, metadata?: grpc.Metadata): Partial<grpc.StatusObject> {
  const e = err as { status?: number; message?: string };
  return { code: CODE_OF_STATUS[e.status ?? 0] ?? fallback, details: e.message ?? String(err), ...(metadata ? { metadata } : {}) };
}

/** A unary handler from an async function; a rejection is answered with `toStatus(err)`. */
export function unaryHandler<Req, Res>(
  fn: (req: Req, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<Res>,
  toStatus: (err: unknown) => Partial<grpc.StatusObject> = (err) => grpcStatus(err),
): grpc.handleUnaryCall<unknown, unknown> {
  return (call, cb) => {
    Promise.resolve().then(() => fn(call.request as Req, call)).then((res) => cb(null, res), (err) => cb(toStatus(err)));
  };
}

/** Calls a unary method on addr, with a deadline. */
export function call<Req, Res>(client: grpc.Client, path: string, req: Req, timeoutMs: number): Promise<Res> {
  const def = unary(path);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, def.requestSerialize, def.responseDeserialize, req,
      new grpc.Metadata(), { deadline: Date.now() + timeoutMs },
      (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}
