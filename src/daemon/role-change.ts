import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../log.js';
import { JOIN, callAnyManager, type JoinRequest, type JoinResponse } from './cluster-server.js';
import type { NodeSecurity } from './node-security.js';
import type { SwarmState } from './swarm-state.js';

const log = logger('daemon');

export interface RoleChangeDeps {
  swarmDir: string;
  state(): SwarmState | undefined;
  /** Records the node's new membership, in memory and on disk. */
  setState(next: SwarmState): Promise<void>;
  security(): NodeSecurity | undefined;
  /** A certificate for the role the managers' store gives this node, in use once this resolves. */
  renewCertificate(): Promise<void>;
  hasManager(): boolean;
  startManager(state: SwarmState, members: JoinResponse['members']): Promise<void>;
  stopManager(): Promise<void>;
  managerAddrs(): string[];
  /** Runs a role change in line with the node's other lifecycle steps. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The heartbeat tells the role the managers want: a promoted worker joins
 * Raft; a demoted manager, out of Raft, stops its manager. One change at a
 * time; a failed one is tried again at a later heartbeat.
 */
export class RoleChanger {
  private changing?: Promise<unknown>;

  constructor(private d: RoleChangeDeps) {}

  onRole(role: 'manager' | 'worker'): void {
    const st = this.d.state();
    if (!st || st.role === role || this.changing) return;
    this.changing = this.d.serial(() => (role === 'manager' ? this.promote() : this.demote()))
      .catch((err) => log.warn({ err: String(err), role }, 'role change failed; will retry'))
      .finally(() => { this.changing = undefined; });
  }

  private async promote() {
    const st = this.d.state();
    if (!st || st.role !== 'worker') return;
    // A manager certificate first: Raft and the manager calls accept only that.
    await this.d.renewCertificate();
    const sec = this.d.security()!;
    if (sec.identity().role !== 'manager') throw new Error('the managers have not issued a manager certificate yet');
    const res = await callAnyManager<JoinRequest, JoinResponse>(st.managers ?? [], sec.credentials.client(), JOIN, { addr: st.advertiseAddr });
    const next: SwarmState = { ...st, role: 'manager', raftId: res.raftId };
    await this.d.startManager(next, res.members);
    await this.d.setState(next);
    log.info({ raftId: res.raftId }, 'promoted: this node is now a manager');
  }

  private async demote() {
    const st = this.d.state();
    if (!st || st.role !== 'manager' || !this.d.hasManager()) return;
    const managers = this.d.managerAddrs().filter((a) => a !== st.advertiseAddr);
    await this.d.stopManager();
    // A later promotion joins Raft afresh, under a new member ID.
    await rm(join(this.d.swarmDir, 'raft'), { recursive: true, force: true });
    await this.d.setState({ ...st, role: 'worker', raftId: undefined, managers });
    await this.d.renewCertificate().catch((err) => log.warn({ err: String(err) }, 'worker certificate not renewed yet'));
    log.info('demoted: this node is now a worker');
  }
}
