import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { spliceUpgrade } from '../api/forward.js';
import { logger } from '../log.js';
import type { LeaderElection } from './discovery/discovery.js';
import type { Forwarding } from './api/server.js';

const log = logger('classic-replication');

/** Client TLS towards the primary: the manager's own certificate, as classic's replica used its tlsConfig. */
export interface PeerTls { ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean }

/**
 * `manage --replication`: campaigns for the discovery store's lock; the
 * primary serves, replicas forward every request but their own info and
 * ping to the primary, whose address they follow in the store.
 */
export class Replication implements Forwarding {
  role: 'primary' | 'replica' = 'replica';
  leaderAddr = '';
  private campaign?: { stop(): Promise<void> };
  private follow?: NodeJS.Timeout;

  constructor(private readonly election: LeaderElection, readonly advertise: string, private readonly tls: PeerTls | undefined,
    private readonly onRole: (role: 'primary' | 'replica') => void) {}

  start(): void {
    this.campaign = this.election.campaign(this.advertise, {
      elected: () => { log.info('leader election: cluster leadership acquired'); this.role = 'primary'; this.leaderAddr = this.advertise; this.onRole('primary'); },
      lost: () => { log.info('leader election: cluster leadership lost'); this.role = 'replica'; this.onRole('replica'); this.refreshLeader().catch(() => undefined); },
    });
    const tick = () => { this.refreshLeader().finally(() => { this.follow = setTimeout(tick, 1000); }).catch(() => undefined); };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.follow);
    await this.campaign?.stop();
  }

  private async refreshLeader(): Promise<void> {
    try {
      const l = await this.election.leader();
      if (this.role === 'replica') this.leaderAddr = l ?? '';
    } catch (e) {
      log.debug({ err: String((e as Error).message) }, 'cannot read the primary from the store');
    }
  }

  status(): [string, string][] {
    return this.role === 'primary' ? [['Role', 'primary']] : [['Role', 'replica'], ['Primary', this.leaderAddr]];
  }

  primary(): { addr: string } | { error: string } | undefined {
    if (this.role === 'primary') return undefined;
    if (!this.leaderAddr) return { error: 'No elected primary cluster manager' };
    if (this.leaderAddr === this.advertise) return undefined;
    return { addr: this.leaderAddr };
  }

  forward(req: IncomingMessage, res: ServerResponse, addr: string): void {
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    const up = (this.tls ? httpsRequest : httpRequest)({
      host, port, method: req.method, path: req.url, headers: req.headers,
      ...(this.tls ? { ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, rejectUnauthorized: this.tls.verify } : {}),
    }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      res.flushHeaders();
      r.pipe(res);
      res.on('close', () => r.destroy());
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: `Unable to reach primary cluster manager (${e.message}): ${addr}` }));
    });
    req.pipe(up);
  }

  forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, addr: string): void {
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    const peer = this.tls
      ? tlsConnect({ host, port, ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, rejectUnauthorized: this.tls.verify })
      : netConnect({ host, port });
    spliceUpgrade(peer, this.tls ? 'secureConnect' : 'connect', req, req.url ?? '/', socket, head);
  }
}
