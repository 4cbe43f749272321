import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ISSUE_CERT, type IssueAnswer } from '../../../src/daemon/cluster-server.js';
import { createKeyAndCSR } from '../../../src/pki/certificates.js';
import { TlsMaterialProvider, anonymousClientCredentials, clientCredentials, type TlsMaterial } from '../../../src/pki/tls.js';
import { RAFT_STREAM } from '../../../src/raft/transport/peer-transport.js';
import { call, channelOptions, clientStream, serverStream } from '../../../src/raft/transport/rpc.js';
import { DISPATCHER_RPC } from '../../../src/types/dispatcher.js';
import type { Daemon } from '../../helpers/cluster.js';

/** What a call came to: a gRPC status code, its message, and the answer when there was one. */
export interface Outcome { code: grpc.status; details: string; res?: unknown }

const certDir = (d: Daemon) => join(d.dataRoot, 'swarm', 'certificates');
export const rootOf = (d: Daemon) => readFile(join(certDir(d), 'swarm-root-ca.crt'), 'utf8');

/** A node's own TLS material, as it keeps it (key store unsealed: autolock is off). */
export async function materialOf(d: Daemon): Promise<TlsMaterial> {
  const keys = JSON.parse(await readFile(join(d.dataRoot, 'swarm', 'keys.json'), 'utf8'));
  return { keyPem: keys.keys.tlsKeyPem as string, certChainPem: await readFile(join(certDir(d), 'swarm-node.crt'), 'utf8'), rootsPem: [await rootOf(d)] };
}

/** The node's swarm state: its node ID and, on a manager, its Raft member ID. */
export async function stateOf(d: Daemon): Promise<{ nodeId: string; raftId?: string }> {
  return JSON.parse(await readFile(join(d.dataRoot, 'swarm', 'state.json'), 'utf8'));
}

export const credsOf = (m: TlsMaterial) => clientCredentials(new TlsMaterialProvider(m));

/** Mutual TLS that checks the server's chain only (not its swarm): to see what a server itself lets in. */
export function chainOnlyCreds(m: TlsMaterial): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(m.rootsPem.join('\n')), Buffer.from(m.keyPem), Buffer.from(m.certChainPem), { checkServerIdentity: () => undefined });
}

const failed = (err: unknown): Outcome => {
  const e = err as grpc.ServiceError;
  return { code: e.code, details: e.details ?? e.message };
};

export async function unaryCall(addr: string, creds: grpc.ChannelCredentials, path: string, req: unknown): Promise<Outcome> {
  const c = new grpc.Client(addr, creds, channelOptions);
  try {
    return { code: grpc.status.OK, details: '', res: await call(c, path, req, 8000) };
  } catch (err) {
    return failed(err);
  } finally { c.close(); }
}

/** Opens a Raft stream, sends `msgs`, ends it; the stream's status. */
export function raftStream(addr: string, creds: grpc.ChannelCredentials, msgs: unknown[]): Promise<Outcome> {
  const c = new grpc.Client(addr, creds, channelOptions);
  const def = clientStream(RAFT_STREAM);
  return new Promise<Outcome>((resolve) => {
    const s = c.makeClientStreamRequest(RAFT_STREAM, def.requestSerialize, def.responseDeserialize, new grpc.Metadata(), { deadline: Date.now() + 8000 },
      (err, res) => resolve(err ? failed(err) : { code: grpc.status.OK, details: '', res }));
    s.on('error', () => undefined);
    // Slowly, so a refusal of the stream or of a message is seen before the end.
    let i = 0;
    const next = () => {
      if (i < msgs.length) { s.write(msgs[i++]); setTimeout(next, 100); } else setTimeout(() => s.end(), 300);
    };
    next();
  }).finally(() => c.close());
}

/** Opens an assignments stream: OK once the first message arrives, else its error. */
export function assignments(addr: string, creds: grpc.ChannelCredentials, sessionId: string): Promise<Outcome> {
  const c = new grpc.Client(addr, creds, channelOptions);
  const def = serverStream(DISPATCHER_RPC.assignments);
  return new Promise<Outcome>((resolve) => {
    const s = c.makeServerStreamRequest(DISPATCHER_RPC.assignments, def.requestSerialize, def.responseDeserialize, { sessionId }, new grpc.Metadata(), { deadline: Date.now() + 8000 });
    s.on('data', (res) => { resolve({ code: grpc.status.OK, details: '', res }); s.cancel(); });
    s.on('error', (err) => resolve(failed(err)));
    s.on('end', () => resolve({ code: grpc.status.OK, details: 'ended' }));
  }).finally(() => c.close());
}

/** A node made straight from a join token, with no daemon behind it: its material and node ID. */
export async function tokenNode(addr: string, rootPem: string, token: string, name: string): Promise<TlsMaterial & { nodeId: string; role: string }> {
  const { keyPem, csrPem } = createKeyAndCSR();
  const r = await unaryCall(addr, anonymousClientCredentials([rootPem]), ISSUE_CERT, { token, csrPem, addr: '127.0.0.250:1', description: { Hostname: name } });
  if (r.code !== grpc.status.OK) throw new Error(`no certificate for ${name}: ${r.details}`);
  const a = r.res as IssueAnswer;
  return { keyPem, certChainPem: a.certChainPem, rootsPem: a.rootsPem, nodeId: a.nodeId, role: a.role };
}
