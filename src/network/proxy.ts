import { createServer, connect, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { logger } from '../log.js';

const log = logger('proxy');
/** UDP client flows idle this long are forgotten. */
const UDP_IDLE_MS = 30_000;

export type Protocol = 'tcp' | 'udp' | 'sctp';

interface Listener {
  backends: string[];
  next: number;
  close(): Promise<void>;
}

/**
 * A userspace TCP/UDP load balancer: one listener per published port, each
 * connection (or UDP flow) sent to the next backend in turn, skipping
 * backends that refuse. Serves the ingress routing mesh where nftables can't.
 */
export class PortProxy {
  private listeners = new Map<string, Listener>();

  constructor(private bindAddr = '0.0.0.0') {}

  /** Sets the backends ("host:port") of a published port, opening or closing its listener. */
  async set(port: number, protocol: Protocol, backends: string[]): Promise<void> {
    const key = `${port}/${protocol}`;
    const cur = this.listeners.get(key);
    if (cur) { cur.backends = backends; return; }
    if (protocol === 'sctp') return; // node has no userspace SCTP
    const l = protocol === 'tcp' ? await this.listenTcp(port) : await this.listenUdp(port);
    l.backends = backends;
    this.listeners.set(key, l);
  }

  async remove(port: number, protocol: Protocol): Promise<void> {
    const key = `${port}/${protocol}`;
    const l = this.listeners.get(key);
    if (!l) return;
    this.listeners.delete(key);
    await l.close();
  }

  ports(): string[] { return [...this.listeners.keys()]; }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    this.listeners.clear();
  }

  private pick(l: Listener): string | undefined {
    if (l.backends.length === 0) return undefined;
    const b = l.backends[l.next % l.backends.length];
    l.next = (l.next + 1) % l.backends.length;
    return b;
  }

  private listenTcp(port: number): Promise<Listener> {
    const sockets = new Set<Socket>();
    const l: Listener = { backends: [], next: 0, close: () => closeServer(server, sockets) };
    const server: Server = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      this.forwardTcp(l, client, l.backends.length, sockets);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.bindAddr, () => { server.off('error', reject); resolve(l); });
    });
  }

  private forwardTcp(l: Listener, client: Socket, triesLeft: number, sockets: Set<Socket>) {
    const target = this.pick(l);
    if (!target || triesLeft <= 0) { client.destroy(); return; }
    const [host, p] = splitHostPort(target);
    const upstream = connect({ host, port: p });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pause();
    upstream.once('connect', () => {
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', (err) => {
      if (upstream.connecting || !upstream.remoteAddress) {
        log.debug({ target, err: err.message }, 'backend refused; trying the next');
        this.forwardTcp(l, client, triesLeft - 1, sockets);
      }
    });
  }

  private listenUdp(port: number): Promise<Listener> {
    const server = createSocket('udp4');
    const flows = new Map<string, { sock: UdpSocket; timer: NodeJS.Timeout; ready: Promise<void> }>();
    const l: Listener = {
      backends: [], next: 0,
      close: async () => {
        for (const f of flows.values()) { clearTimeout(f.timer); f.sock.close(); }
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
    server.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let f = flows.get(key);
      if (!f) {
        const target = this.pick(l);
        if (!target) return;
        const [host, p] = splitHostPort(target);
        const sock = createSocket('udp4');
        const ready = new Promise<void>((r) => sock.connect(p, host, () => r()));
        sock.on('message', (reply) => server.send(reply, rinfo.port, rinfo.address));
        sock.on('error', () => undefined);
        f = { sock, timer: setTimeout(() => undefined, 0), ready };
        flows.set(key, f);
      }
      clearTimeout(f.timer);
      const flow = f;
      flow.timer = setTimeout(() => { flows.delete(key); flow.sock.close(); }, UDP_IDLE_MS);
      flow.timer.unref();
      // A datagram for a flow closed meanwhile (idle, listener closed) is dropped, as UDP may.
      flow.ready.then(() => flow.sock.send(msg)).catch((err) => log.debug({ err: String(err), port }, 'udp datagram dropped'));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.bind(port, this.bindAddr, () => { server.off('error', reject); resolve(l); });
    });
  }
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i).replace(/^\[|\]$/g, ''), Number(addr.slice(i + 1))];
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}
