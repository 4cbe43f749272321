import { Raft, type RaftConfig } from '../../../src/raft/core/raft.js';
import type { Entry, Message, RaftId, ReadState } from '../../../src/raft/types.js';

/**
 * A hand-driven cluster for scripted scenarios: persistence is instant, and
 * the test says which messages get through.
 */
export class ManualCluster {
  readonly nodes = new Map<RaftId, Raft>();
  readonly applied = new Map<RaftId, Entry[]>();
  readonly reads = new Map<RaftId, ReadState[]>();
  readonly down = new Set<RaftId>();
  /** Decides each message's fate: deliver, drop, or deliver a changed copy. */
  filter: (m: Message) => boolean | Message = () => true;

  constructor(ids: RaftId[], private cfg: Partial<RaftConfig> = {}) {
    for (const id of ids) {
      const r = this.make(id);
      r.bootstrap(ids);
      this.nodes.set(id, r);
      this.applied.set(id, []);
    }
    this.pump();
  }

  private make(id: RaftId, restore?: RaftConfig['restore']): Raft {
    return new Raft({ id, electionTick: 10, heartbeatTick: 1, random: (n) => (id.charCodeAt(id.length - 1) * 7) % n, ...this.cfg, restore });
  }

  crash(id: RaftId) { this.down.add(id); }

  /** Starts `id` again from what it had persisted (everything, here: persistence is instant). */
  restart(id: RaftId) {
    const old = this.get(id);
    const after = old.log.snapshot?.meta.index ?? 0;
    this.nodes.set(id, this.make(id, { hardState: old.hardState(), snapshot: old.log.snapshot, entries: old.log.entries.filter((e) => e.index > after) }));
    this.down.delete(id);
    this.pump();
  }

  get(id: RaftId): Raft { return this.nodes.get(id)!; }

  tick(ids: RaftId[], n = 1) {
    for (let i = 0; i < n; i++) {
      for (const id of ids) if (!this.down.has(id)) this.get(id).tick();
      this.pump();
    }
  }

  /** Processes readies and delivers messages until nothing moves. */
  pump(maxRounds = 1000) {
    for (let round = 0; round < maxRounds; round++) {
      const msgs: Message[] = [];
      for (const [id, r] of this.nodes) {
        if (this.down.has(id) || !r.hasReady()) continue;
        const rd = r.ready();
        msgs.push(...rd.messages);
        this.applied.get(id)!.push(...rd.committed);
        if (!this.reads.has(id)) this.reads.set(id, []);
        this.reads.get(id)!.push(...rd.readStates);
        r.advance(rd);
      }
      if (!msgs.length) return;
      for (const m of msgs) {
        if (this.down.has(m.to) || this.down.has(m.from)) continue;
        const fate = this.filter(m);
        if (fate === false) continue;
        this.nodes.get(m.to)?.step(fate === true ? m : fate);
      }
    }
  }

  leader(): Raft | undefined {
    let best: Raft | undefined;
    for (const [id, r] of this.nodes) if (!this.down.has(id) && r.role === 'leader' && (!best || r.term > best.term)) best = r;
    return best;
  }

  /**
   * Makes `id` campaign now (as a leadership transfer would), as often as it
   * takes to win with the votes the filter lets through.
   */
  elect(id: RaftId) {
    for (let i = 0; i < 100 && this.get(id).role !== 'leader'; i++) {
      const n = this.get(id);
      if (n.role === 'follower') n.step({ type: 'timeoutNow', from: id, to: id, term: n.term });
      else n.tick(); // a stalled candidate times out and tries again
      this.pump();
    }
    if (this.get(id).role !== 'leader') throw new Error(`${id} did not become leader`);
  }

  /** The (index, term) pairs of a node's log, from index `from`. */
  terms(id: RaftId, from = 1): string {
    const r = this.get(id);
    const out: string[] = [];
    for (let i = from; i <= r.log.lastIndex; i++) out.push(`${i}/${r.log.term(i)}`);
    return out.join(' ');
  }
}
