import { createSocket } from 'node:dgram';
import { readFileSync, statSync } from 'node:fs';
import { connect, isIP } from 'node:net';
import * as packet from 'dns-packet';

/** A resolver queries are forwarded to. */
export interface Upstream { host: string; port: number }

/** libnetwork: at most 3 external servers are tried, each with a 4 s deadline. */
export const MAX_UPSTREAMS = 3;
export const UPSTREAM_TIMEOUT_MS = 4000;

/** The nameserver lines of a resolv.conf (IPv4 and IPv6), at most three, port 53. */
export function parseNameservers(resolvConf: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const host = m?.[1].replace(/%.*$/, '');
    if (host && isIP(host)) out.push({ host, port: 53 });
  }
  return out.slice(0, MAX_UPSTREAMS);
}

/**
 * The host's resolvers, from the root namespace's resolv.conf (the daemon's
 * own namespace, so a loopback resolver such as 127.0.0.53 works too), read
 * again when the file changes.
 */
export class HostResolvers {
  private mtime = -1;
  private cached: Upstream[] = [];
  constructor(private path = '/etc/resolv.conf') {}

  get(): Upstream[] {
    try {
      const m = statSync(this.path).mtimeMs;
      if (m !== this.mtime) {
        this.cached = parseNameservers(readFileSync(this.path, 'utf8'));
        this.mtime = m;
      }
    } catch {
      this.cached = [];
      this.mtime = -1;
    }
    return this.cached;
  }
}

/**
 * Sends query (a whole DNS message) to the upstreams in turn, over the
 * protocol the client used, as libnetwork: a server that fails, times out,
 * answers SERVFAIL or REFUSED, or a non-authoritative NXDOMAIN, gives way to
 * the next; the last answer received is returned when none is better;
 * undefined when no server answered.
 */
export async function forwardQuery(query: Buffer, tcp: boolean, upstreams: readonly Upstream[], timeoutMs = UPSTREAM_TIMEOUT_MS): Promise<Buffer | undefined> {
  let last: Buffer | undefined;
  for (const up of upstreams.slice(0, MAX_UPSTREAMS)) {
    let resp: Buffer;
    try {
      resp = await (tcp ? askTcp : askUdp)(query, up, timeoutMs);
    } catch {
      continue;
    }
    last = resp;
    let flags: number;
    try {
      flags = packet.decode(resp).flags ?? 0;
    } catch {
      continue;
    }
    const rcode = flags & 0xf;
    const authoritative = (flags & packet.AUTHORITATIVE_ANSWER) !== 0;
    if (rcode === 2 /* SERVFAIL */ || rcode === 5 /* REFUSED */) continue;
    if (rcode === 3 /* NXDOMAIN */ && !authoritative) continue;
    if (rcode !== 0 && rcode !== 3) continue;
    return resp;
  }
  return last;
}

function askUdp(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  const id = query.readUInt16BE(0);
  return new Promise((resolve, reject) => {
    const s = createSocket(isIP(up.host) === 6 ? 'udp6' : 'udp4');
    const done = (err?: Error, msg?: Buffer) => {
      clearTimeout(timer);
      s.close();
      if (err) reject(err); else resolve(msg!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${up.host}:${up.port}`)), timeoutMs);
    s.on('error', (err) => done(err));
    s.on('message', (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) done(undefined, msg);
    });
    s.connect(up.port, up.host, () => s.send(query));
  });
}

function askTcp(query: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    const done = (err?: Error, msg?: Buffer) => {
      clearTimeout(timer);
      c.destroy();
      if (err) reject(err); else resolve(msg!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${up.host}:${up.port}`)), timeoutMs);
    c.on('error', (err) => done(err));
    c.on('connect', () => c.write(packet.streamEncode(packet.decode(query))));
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    c.on('end', () => done(new Error(`${up.host}:${up.port} closed the connection`)));
  });
}
