import type { RemoteInfo } from 'node:dgram';
import type { Socket } from 'node:net';
import * as packet from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { logger } from '../../log.js';
import { answerQuery, encodeWithin, MAX_TCP_SIZE, RCODE_SERVFAIL, reply, udpLimit } from './answer.js';
import { forwardQuery, type Upstream } from './forward.js';
import type { NamespaceSockets } from './ns-sockets.js';
import type { NetworkRecords } from './records.js';

const log = logger('dns');

/** libnetwork maxConcurrent: forwarded queries in flight per resolver; more are answered SERVFAIL. */
export const MAX_CONCURRENT_FORWARDS = 1024;
/** An idle TCP client is closed after this long. */
const TCP_IDLE_MS = 10_000;

/** What a task's resolver answers from, read at each query (so updates cost nothing here). */
export interface ResolverSource {
  /** The records of the networks the task is attached to, in the task's order. */
  networks(): readonly NetworkRecords[];
  /** Where names that are not ours go. */
  upstreams(): readonly Upstream[];
}

/**
 * The embedded resolver of one task: serves the UDP socket and TCP listener
 * bound at 127.0.0.11:53 in the task's namespace, answers names of the
 * task's networks and forwards the rest.
 */
export class TaskResolver {
  private inFlight = 0;
  private clients = new Set<Socket>();

  constructor(private sockets: NamespaceSockets, private source: ResolverSource) {
    sockets.udp.on('message', (msg, rinfo) => { this.onUdp(msg, rinfo).catch((err) => log.debug({ err: String(err) }, 'udp query failed')); });
    sockets.udp.on('error', (err) => log.warn({ err: String(err) }, 'resolver udp socket error'));
    sockets.tcp.on('connection', (c) => this.onTcp(c));
    sockets.tcp.on('error', (err) => log.warn({ err: String(err) }, 'resolver tcp listener error'));
  }

  close(): void {
    try { this.sockets.udp.close(); } catch { /* already closed */ }
    this.sockets.tcp.close();
    for (const c of this.clients) c.destroy();
  }

  /** The reply to one query message: a local answer, the upstream's, or SERVFAIL. undefined: drop it (malformed). */
  private async respond(msg: Buffer, tcp: boolean): Promise<Buffer | undefined> {
    let query: DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return undefined;
    }
    if (query.type !== 'query' || !query.questions?.length) return undefined;
    const limit = tcp ? MAX_TCP_SIZE : udpLimit(query);
    const local = answerQuery(query, this.source.networks());
    if (local) return encodeWithin(local, limit, !tcp);
    const servfail = () => packet.encode(reply(query, [], RCODE_SERVFAIL));
    if (this.inFlight >= MAX_CONCURRENT_FORWARDS) return servfail();
    this.inFlight++;
    try {
      return (await forwardQuery(msg, tcp, this.source.upstreams())) ?? servfail();
    } finally {
      this.inFlight--;
    }
  }

  private async onUdp(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    const out = await this.respond(msg, false);
    if (out) this.sockets.udp.send(out, rinfo.port, rinfo.address);
  }

  private onTcp(c: Socket): void {
    this.clients.add(c);
    c.setTimeout(TCP_IDLE_MS, () => c.destroy());
    c.on('close', () => this.clients.delete(c));
    c.on('error', () => c.destroy());
    let buf: Buffer = Buffer.alloc(0);
    let chain = Promise.resolve();
    c.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        // Answers go back in the order the queries came.
        chain = chain.then(async () => {
          const out = await this.respond(Buffer.from(msg), true);
          if (!out) { c.destroy(); return; }
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          if (!c.destroyed) c.write(Buffer.concat([len, out]));
        }).catch(() => { c.destroy(); });
      }
    });
  }
}
