import * as grpc from '@grpc/grpc-js';
import { logger } from '../../log.js';
import type { Message, RaftId } from '../types.js';
import { clientStream, clusterClient, type ClusterCredentials } from './rpc.js';
import { FrameAssembler, toFrames, type Frame } from './frames.js';

const log = logger('raft-transport');
export const RAFT_STREAM = '/tswarm.Raft/Stream';
/** Messages queued for one peer before we drop and tell Raft it is unreachable. */
const MAX_QUEUED = 4096;

interface Peer {
  addr: string;
  client: grpc.Client;
  stream?: grpc.ClientWritableStream<unknown>;
  blocked: boolean;
}

/**
 * One gRPC client stream per peer, carrying Raft messages in order. A peer
 * that cannot keep up or is down loses messages (Raft retries) and is
 * reported unreachable so the leader stops streaming to it.
 */
export class PeerTransport {
  private peers = new Map<RaftId, Peer>();

  constructor(private creds: ClusterCredentials, private onUnreachable: (id: RaftId) => void) {}

  setPeer(id: RaftId, addr: string): void {
    const cur = this.peers.get(id);
    if (cur?.addr === addr) return;
    if (cur) this.removePeer(id);
    this.peers.set(id, { addr, client: clusterClient(addr, this.creds.client()), blocked: false });
  }

  removePeer(id: RaftId): void {
    const p = this.peers.get(id);
    if (!p) return;
    p.stream?.end();
    p.client.close();
    this.peers.delete(id);
  }

  peerIds(): RaftId[] { return [...this.peers.keys()]; }

  send(msgs: Message[]): void {
    for (const m of msgs) {
      const p = this.peers.get(m.to);
      if (!p) continue;
      if (p.blocked) { this.onUnreachable(m.to); continue; }
      const s = this.stream(m.to, p);
      let room = true;
      for (const f of toFrames(m)) room = s.write(f) && room;
      if (!room) {
        // Back-pressure: stop writing until the stream drains.
        p.blocked = true;
        s.once('drain', () => { p.blocked = false; });
      }
      // The stream is in object mode: writableLength counts messages.
      if (s.writableLength > MAX_QUEUED) this.onUnreachable(m.to);
    }
  }

  private stream(id: RaftId, p: Peer): grpc.ClientWritableStream<unknown> {
    if (p.stream && !p.stream.destroyed && p.stream.writable) return p.stream;
    const def = clientStream(RAFT_STREAM);
    const s = p.client.makeClientStreamRequest(RAFT_STREAM, def.requestSerialize, def.responseDeserialize, () => {
      if (p.stream === s) p.stream = undefined;
      p.blocked = false;
      this.onUnreachable(id);
    });
    s.on('error', (err: Error) => log.debug({ peer: id, err: err.message }, 'raft stream ended'));
    p.stream = s;
    return s;
  }

  close(): void {
    for (const id of [...this.peers.keys()]) this.removePeer(id);
  }
}

/** The receiving side: every message from a peer's stream goes to Raft. */
export function raftStreamHandler(onMessage: (m: Message) => void): grpc.handleClientStreamingCall<unknown, unknown> {
  return (call, callback) => {
    const frames = new FrameAssembler();
    call.on('data', (f: Frame) => { const m = frames.push(f); if (m) onMessage(m); });
    call.on('end', () => callback(null, {}));
    call.on('error', () => undefined);
  };
}
