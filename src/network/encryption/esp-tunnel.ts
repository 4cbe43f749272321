import dgram from 'node:dgram';
import { logger } from '../../log.js';
import { VXLAN_PORT } from '../overlay/names.js';
import { ESP_UDP_PORT, NEXT_HEADER_UDP, open, outbound, saFor, seal, spiOf, type OutboundSA, type SecurityAssociation } from './esp.js';

const log = logger('esp');
const UDP_HEADER = 8;
/**
 * Where the rules turn encrypted VXLAN datagrams (on this host's address): a
 * fixed port, so the kernel's NAT bindings of flows that outlive a daemon
 * restart still lead here (below the ephemeral range; 4790 is VXLAN-GPE's).
 */
export const INNER_PORT = 4799;
const VXLAN_HEADER = 8;

/** A key of the ring as the data path uses it. */
export interface TunnelKey { tag: number; key: Buffer }

/** One security association as shown to operators (no key material), as `ip xfrm state` lists them. */
export interface SAInfo { src: string; dst: string; proto: 'esp'; spi: string; mode: 'transport'; aead: 'rfc4106(gcm(aes))'; icvBits: number; encap: string; tag: number; dir: 'in' | 'out' }

export interface TunnelCounters { sealed: number; opened: number; dropped: number }

/**
 * The ESP endpoint of one host (userspace; this kernel has no ESP): VXLAN
 * datagrams of encrypted networks reach `inner` (the host's nftables rules
 * turn them here), are sealed with the primary key's SA for the host that
 * carries the frame's destination and sent to that host's ESP port (ESP in
 * UDP, RFC 3948); ESP arriving there is opened with whichever key of the
 * ring its SPI names and handed to the host's VXLAN socket from this host's
 * own address. Keys are per host pair and direction (the SPI), as libnetwork.
 */
export class EspTunnel {
  private outer?: dgram.Socket;
  private inner?: dgram.Socket;
  private innerPort = 0;
  /** Per encrypted VNI: frame destination MAC (lowercase, no separators) → the host carrying it. */
  private routes = new Map<number, Map<string, string>>();
  private peers = new Set<string>();
  private keys: TunnelKey[] = [];
  private primaryTag?: number;
  private out = new Map<string, OutboundSA>();
  private in = new Map<number, SecurityAssociation & { peer: string }>();
  readonly counters: TunnelCounters = { sealed: 0, opened: 0, dropped: 0 };

  /** Ports are the standard ones unless a test asks otherwise (several endpoints on one loopback). */
  constructor(readonly localAddr: string, private ports = { esp: ESP_UDP_PORT, vxlan: VXLAN_PORT, inner: INNER_PORT }) {}

  /** The swarm's data path port: where the VXLAN datagrams it carries are addressed. */
  setVxlanPort(port: number): void { this.ports.vxlan = port; }

  /** Binds the ESP port and the inner endpoint; resolves with the inner endpoint's port. */
  async start(): Promise<number> {
    if (this.inner) return this.innerPort;
    const outer = this.socket((m, r) => this.fromPeer(m, r.address));
    await bind(outer, this.ports.esp, this.localAddr).catch((err) => { outer.close(); throw err; });
    let inner = this.socket((m, r) => this.fromVxlan(m, r.port));
    try {
      await bind(inner, this.ports.inner, this.localAddr).catch(async (err: NodeJS.ErrnoException) => {
        inner.close();
        if (err.code !== 'EADDRINUSE' || this.ports.inner === 0) throw err;
        log.warn({ port: this.ports.inner }, 'the ESP endpoint\'s port is taken: using another one (flows that outlive a restart of this daemon may stall)');
        inner = this.socket((m, r) => this.fromVxlan(m, r.port));
        await bind(inner, 0, this.localAddr);
      });
    } catch (err) {
      outer.close();
      throw err;
    }
    this.outer = outer;
    this.inner = inner;
    this.innerPort = inner.address().port;
    return this.innerPort;
  }

  private socket(onMessage: (m: Buffer, r: dgram.RemoteInfo) => void): dgram.Socket {
    const s = dgram.createSocket({ type: 'udp4' });
    s.on('message', onMessage);
    s.on('error', (err) => log.warn({ err: String(err) }, 'ESP socket error'));
    return s;
  }

  close(): void {
    this.outer?.close();
    this.inner?.close();
    this.outer = this.inner = undefined;
    this.innerPort = 0;
    this.keys = [];
    this.out.clear();
    this.in.clear();
  }

  running(): boolean { return !!this.inner; }

  /** The ring (any order) and which key sends; SAs are made again for every peer. */
  setKeys(keys: TunnelKey[], primaryTag: number | undefined): void {
    const oldOut = this.out;
    this.keys = keys;
    this.primaryTag = primaryTag;
    this.rebuild(oldOut);
  }

  /** The hosts behind each encrypted VNI (frame MAC → host address); peers are every such host. */
  setRoutes(routes: Map<number, Map<string, string>>): void {
    this.routes = routes;
    this.peers = new Set([...routes.values()].flatMap((m) => [...m.values()]));
    this.rebuild(this.out);
  }

  /** Inbound SAs for every peer and key (so a sender on any key of the ring is understood), outbound on the primary key. */
  private rebuild(oldOut: Map<string, OutboundSA>) {
    this.in.clear();
    const out = new Map<string, OutboundSA>();
    const primary = this.keys.find((k) => k.tag === this.primaryTag);
    for (const peer of this.peers) {
      for (const k of this.keys) this.in.set(saFor(peer, this.localAddr, k.tag, k.key).spi, { ...saFor(peer, this.localAddr, k.tag, k.key), peer });
      if (!primary) continue;
      const sa = saFor(this.localAddr, peer, primary.tag, primary.key);
      const had = oldOut.get(peer);
      // The same SA keeps its sequence and IV counter; a new key starts a new SA.
      out.set(peer, had && had.spi === sa.spi && had.key.equals(sa.key) ? had : outbound(sa));
    }
    this.out = out;
  }

  /** The SAs, as an operator would list them (`ip xfrm state`). */
  states(): SAInfo[] {
    const common = { proto: 'esp', mode: 'transport', aead: 'rfc4106(gcm(aes))', icvBits: 128, encap: `espinudp ${ESP_UDP_PORT} ${ESP_UDP_PORT}` } as const;
    const hex = (spi: number) => `0x${spi.toString(16).padStart(8, '0')}`;
    const list: SAInfo[] = [];
    const tagOf = (spi: number, src: string, dst: string) => this.keys.find((k) => saFor(src, dst, k.tag, k.key).spi === spi)?.tag ?? 0;
    for (const [peer, sa] of this.out) list.push({ src: this.localAddr, dst: peer, spi: hex(sa.spi), tag: tagOf(sa.spi, this.localAddr, peer), dir: 'out', ...common });
    for (const [spi, sa] of this.in) list.push({ src: sa.peer, dst: this.localAddr, spi: hex(spi), tag: tagOf(spi, sa.peer, this.localAddr), dir: 'in', ...common });
    return list;
  }

  /** A VXLAN datagram of an encrypted network, turned here on its way out: sealed and sent to its host. */
  private fromVxlan(m: Buffer, srcPort: number) {
    if (m.length < VXLAN_HEADER + 14) { this.counters.dropped++; return; }
    const vni = m.readUIntBE(4, 3);
    const mac = m.subarray(VXLAN_HEADER, VXLAN_HEADER + 6).toString('hex');
    const peer = this.routes.get(vni)?.get(mac);
    const sa = peer ? this.out.get(peer) : undefined;
    if (!peer || !sa || !this.outer) { this.counters.dropped++; return; }
    // Transport mode protects the datagram with its UDP header (the checksum stays 0, as the VXLAN device sends it).
    const udp = Buffer.alloc(UDP_HEADER);
    udp.writeUInt16BE(srcPort, 0);
    udp.writeUInt16BE(this.ports.vxlan, 2);
    udp.writeUInt16BE(UDP_HEADER + m.length, 4);
    this.outer.send(seal(sa, Buffer.concat([udp, m])), this.ports.esp, peer);
    this.counters.sealed++;
  }

  /** ESP from a peer: opened with the SA its SPI names (and only from that SA's host), handed to the local VXLAN socket. */
  private fromPeer(m: Buffer, from: string) {
    const sa = this.in.get(spiOf(m));
    const plain = sa && sa.peer === from ? open(sa, m) : undefined;
    if (!plain || plain.nextHeader !== NEXT_HEADER_UDP || plain.payload.length < UDP_HEADER + VXLAN_HEADER || !this.inner) { this.counters.dropped++; return; }
    const p = plain.payload;
    if (p.readUInt16BE(2) !== this.ports.vxlan || !this.routes.has(p.readUIntBE(UDP_HEADER + 4, 3))) { this.counters.dropped++; return; }
    this.inner.send(p.subarray(UDP_HEADER), this.ports.vxlan, this.localAddr);
    this.counters.opened++;
  }
}

function bind(s: dgram.Socket, port: number, addr: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, addr, () => { s.off('error', reject); resolve(); });
  });
}
