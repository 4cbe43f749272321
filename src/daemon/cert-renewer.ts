import type { Clock } from '../clock.js';
import { logger } from '../log.js';
import { renewalDelayMs } from '../pki/certificates.js';
import type { IssueAnswer } from './cluster-server.js';
import { renewCertificate } from './joiner.js';
import type { NodeSecurity } from './node-security.js';

const log = logger('daemon');
const RENEW_RETRY_MS = 5000;

export interface CertRenewerDeps {
  clock: Clock;
  /** This node's TLS identity; undefined while the node is in no swarm. */
  security(): NodeSecurity | undefined;
  /** The address this node advertises; undefined while the node is in no swarm. */
  advertiseAddr(): string | undefined;
  /** Where to ask: the managers this node knows. */
  managerAddrs(): string[];
  /** Runs a renewal in line with the node's other lifecycle steps (a renewal never interleaves with a role change). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** The new certificate is in use; the answer also names the managers. */
  onRenewed(answer: IssueAnswer): Promise<void>;
}

/**
 * Keeps this node's certificate fresh: a timer at a random point of its
 * life, a renewal on the managers' request (CA rotation, role change), and
 * one at once for a promotion or demotion.
 */
export class CertRenewer {
  private timer?: { cancel(): void };
  private renewing?: Promise<unknown>;

  constructor(private d: CertRenewerDeps) {}

  /** Certificates renew at a random point between 50 % and 80 % of their life. */
  schedule(delayMs?: number): void {
    this.timer?.cancel();
    const sec = this.d.security();
    if (!sec || this.d.advertiseAddr() === undefined) return;
    const id = sec.identity();
    const wait = delayMs ?? renewalDelayMs(id.notBefore, id.notAfter, Math.random, new Date(this.d.clock.now()));
    this.timer = this.d.clock.setTimeout(() => {
      this.d.serial(() => this.now()).then(
        () => this.schedule(),
        (err) => { log.warn({ err: String(err) }, 'certificate renewal failed; retrying'); this.schedule(RENEW_RETRY_MS); },
      );
    }, wait);
  }

  /** The managers ask for a new certificate now (one renewal at a time). */
  soon(): void {
    if (this.renewing) return;
    this.renewing = this.d.serial(() => this.now())
      .then(() => this.schedule(), (err) => log.warn({ err: String(err) }, 'certificate renewal failed'))
      .finally(() => { this.renewing = undefined; });
  }

  /** Asks the managers for a new certificate (the role comes from their store) and starts using it. */
  async now(): Promise<void> {
    const addr = this.d.advertiseAddr();
    const sec = this.d.security();
    if (addr === undefined || !sec) return;
    const { answer, material } = await renewCertificate(this.d.managerAddrs(), sec.provider, addr);
    await sec.update(material);
    await this.d.onRenewed(answer);
    log.info({ role: answer.role }, 'node certificate renewed');
  }

  /** The node leaves its swarm or stops: no renewal is due any more. */
  stop(): void {
    this.timer?.cancel();
  }
}
