import {
  NONE, type ConfChange, type ConfState, type Entry, type HardState, type LoadedState, type Message,
  type RaftId, type ReadState, type Ready, type Role, type Snapshot, type SoftState,
} from '../types.js';
import { RaftLog } from './log.js';
import { Progress } from './progress.js';
import { ReadOnlyQueue } from './read-only.js';

export interface RaftConfig {
  id: RaftId;
  /** Ticks without a leader before an election; randomized in [e, 2e). */
  electionTick: number;
  heartbeatTick: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxEntriesPerMsg?: number;
  maxBytesPerMsg?: number;
  maxInflight?: number;
  /** Entries kept behind a snapshot for followers that are slightly behind. */
  keepEntries?: number;
  /** Uniform integer in [0, n): injected so simulations replay exactly. */
  random: (n: number) => number;
  /** State found on disk at start-up. */
  restore?: LoadedState;
}

/** What may change at run time, from the cluster spec. */
export type RaftTuning = Pick<RaftConfig, 'electionTick' | 'heartbeatTick'> & { keepEntries: number };

export class ProposalError extends Error {
  constructor(readonly reason: 'not-leader' | 'transferring' | 'conf-pending' | 'bad-conf', message: string) {
    super(message);
  }
}

/**
 * The Raft consensus state machine: pure and deterministic. Drive it with
 * tick(), step() and propose(); take ready(), do what it says (persist, send,
 * apply) and call advance().
 */
export class Raft {
  readonly id: RaftId;
  term = 0;
  vote: RaftId = NONE;
  leader: RaftId = NONE;
  role: Role = 'follower';
  readonly log = new RaftLog();
  voters = new Set<RaftId>();
  removed = new Set<RaftId>();
  prs = new Map<RaftId, Progress>();
  leadTransferee: RaftId = NONE;
  private votes = new Map<RaftId, boolean>();
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private readOnly = new ReadOnlyQueue();
  /** Reads asked before this leader committed an entry of its term. */
  private pendingReads: { context: string; from: RaftId }[] = [];
  private pendingConfIndex = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElection = 0;
  private readonly cfg: Required<Omit<RaftConfig, 'restore'>>;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyOut = false;
  /**
   * Entries storage returned that cannot follow the log before them (a gap,
   * or a term going back): stale entries a storage replay brought back.
   */
  readonly discardedOnRestore: number = 0;

  constructor(cfg: RaftConfig) {
    this.cfg = {
      preVote: true, checkQuorum: true, maxEntriesPerMsg: 256, maxBytesPerMsg: 1 << 20,
      maxInflight: 256, keepEntries: 500, ...cfg,
    };
    checkTuning(this.cfg);
    this.id = cfg.id;
    const st = cfg.restore;
    if (st) {
      if (st.snapshot) {
        this.log.offset = st.snapshot.meta.index;
        this.log.offsetTerm = st.snapshot.meta.term;
        this.log.snapshot = st.snapshot;
        this.log.applied = st.snapshot.meta.index;
        this.log.committed = st.snapshot.meta.index;
        this.setConf(st.snapshot.meta.conf);
      }
      const valid = validTail(st.entries, this.log.offset, this.log.offsetTerm);
      this.log.entries = st.entries.slice(0, valid);
      this.discardedOnRestore = st.entries.length - valid;
      this.log.stabled = this.log.lastIndex;
      this.term = st.hardState.term;
      this.vote = st.hardState.vote;
      this.log.commitTo(st.hardState.commit);
    }
    this.prevHard = this.hardState();
    this.prevSoft = this.softState();
    this.resetRandomizedElection();
  }

  /** A brand-new cluster: the founding members as committed conf entries, like etcd's StartNode. */
  bootstrap(members: (RaftId | { id: RaftId; context?: string })[]): void {
    if (this.log.lastIndex > 0) throw new Error('raft: bootstrap of a node that has a log');
    const ents = members.map((m, i): Entry => {
      const cc: ConfChange = typeof m === 'string' ? { type: 'add', id: m } : { type: 'add', id: m.id, ...(m.context ? { context: m.context } : {}) };
      return { term: 1, index: i + 1, type: 'conf', data: JSON.stringify(cc) };
    });
    this.log.append(ents);
    this.term = 1;
    this.log.committed = ents.length;
    // The conf takes effect when applied; until then this node could not campaign anyway.
  }

  // ---- state ----

  hardState(): HardState { return { term: this.term, vote: this.vote, commit: this.log.committed }; }
  softState(): SoftState { return { leader: this.leader, role: this.role }; }
  confState(): ConfState { return { voters: [...this.voters].sort(), removed: [...this.removed].sort() }; }
  private quorum(): number { return Math.floor(this.voters.size / 2) + 1; }
  private promotable(): boolean { return this.voters.has(this.id); }

  private setConf(c: ConfState) {
    this.voters = new Set(c.voters);
    this.removed = new Set(c.removed);
  }

  get tuning(): RaftTuning {
    return { electionTick: this.cfg.electionTick, heartbeatTick: this.cfg.heartbeatTick, keepEntries: this.cfg.keepEntries };
  }

  /**
   * Changes timing and retention while running. A new election timeout is
   * drawn at once; elapsed ticks are kept, so a follower already silent for
   * longer than the new timeout campaigns on its next tick.
   */
  retune(t: Partial<RaftTuning>): void {
    const next = { ...this.tuning, ...t };
    checkTuning(next);
    const electionChanged = next.electionTick !== this.cfg.electionTick;
    Object.assign(this.cfg, next);
    if (electionChanged) this.resetRandomizedElection();
  }

  private resetRandomizedElection() {
    this.randomizedElection = this.cfg.electionTick + this.cfg.random(this.cfg.electionTick);
  }

  private reset(term: number) {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.leader = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElection();
    this.leadTransferee = NONE;
    this.votes.clear();
    this.prs.clear();
    this.readOnly = new ReadOnlyQueue();
    this.pendingReads = [];
  }

  private becomeFollower(term: number, leader: RaftId) {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  private becomePreCandidate() {
    // Pre-vote changes neither term nor vote: a node that cannot win disturbs no one.
    this.votes.clear();
    this.prs.clear();
    this.leader = NONE;
    this.role = 'preCandidate';
  }

  private becomeCandidate() {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader() {
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    for (const v of this.voters) this.prs.set(v, new Progress(this.log.lastIndex + 1, this.cfg.maxInflight));
    this.prs.get(this.id)!.match = this.log.lastIndex;
    // No conf change until the entries of earlier terms (and any conf change among them) are committed.
    this.pendingConfIndex = this.log.lastIndex;
    this.appendEntries([{ term: this.term, index: 0, type: 'normal', data: '' }]);
    this.broadcastAppend();
  }

  // ---- inputs ----

  tick(): void {
    if (this.role === 'leader') return this.tickLeader();
    this.electionElapsed++;
    // A sole voter has no one to wait for (a single-manager swarm, also after a restart).
    const alone = this.voters.size === 1;
    if (this.promotable() && (alone || this.electionElapsed >= this.randomizedElection)) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? 'pre' : 'elect');
    }
  }

  private tickLeader() {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      this.leadTransferee = NONE; // a transfer that did not finish in an election timeout is abandoned
      this.retryStalledSnapshots();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /** A snapshot unanswered for a whole election timeout was lost: send it again. */
  private retryStalledSnapshots() {
    for (const [id, pr] of this.prs) {
      if (pr.state === 'snapshot' && pr.snapshotRounds++ >= 1) this.reportSnapshot(id, false);
    }
  }

  /** Counts followers heard from this round (and starts the next round). */
  private quorumActive(): boolean {
    let active = 0;
    for (const [id, pr] of this.prs) {
      if (id === this.id || pr.recentActive) active++;
      if (id !== this.id) pr.recentActive = false;
    }
    return active >= this.quorum();
  }

  /** Appends data as a new entry; returns its index (the caller waits for it to be applied). */
  propose(data: string): { index: number; term: number } {
    this.checkCanPropose();
    const e: Entry = { term: this.term, index: 0, type: 'normal', data };
    this.appendEntries([e]);
    this.broadcastAppend();
    return { index: e.index, term: e.term };
  }

  proposeConfChange(cc: ConfChange): { index: number; term: number } {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.applied) throw new ProposalError('conf-pending', 'raft: a membership change is already in progress');
    if (cc.type === 'add' && (this.voters.has(cc.id) || this.removed.has(cc.id))) {
      throw new ProposalError('bad-conf', `raft: member ${cc.id} ${this.removed.has(cc.id) ? 'was removed and cannot rejoin with the same ID' : 'is already a member'}`);
    }
    if (cc.type === 'remove' && !this.voters.has(cc.id)) throw new ProposalError('bad-conf', `raft: member ${cc.id} is not a member`);
    const e: Entry = { term: this.term, index: 0, type: 'conf', data: JSON.stringify(cc) };
    this.appendEntries([e]);
    this.pendingConfIndex = e.index;
    this.broadcastAppend();
    return { index: e.index, term: e.term };
  }

  private checkCanPropose() {
    if (this.role !== 'leader') throw new ProposalError('not-leader', 'raft: not the leader');
    if (this.leadTransferee !== NONE) throw new ProposalError('transferring', 'raft: leadership is being transferred');
  }

  /** Asks for leadership to move to `to`; it campaigns once its log is current. */
  transferLeader(to: RaftId): void {
    if (this.role !== 'leader' || to === this.id || !this.prs.has(to)) return;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.prs.get(to)!;
    if (pr.match === this.log.lastIndex) this.send({ type: 'timeoutNow', to, term: this.term });
    else this.sendAppend(to);
  }

  /** Starts a linearizable read; a ReadState with this context comes out of ready(). */
  readIndex(context: string): void {
    if (this.role === 'leader') return this.leaderRead(context, this.id);
    if (this.leader !== NONE) this.send({ type: 'readIndex', to: this.leader, term: this.term, context });
  }

  private leaderRead(context: string, from: RaftId) {
    if (this.log.term(this.log.committed) !== this.term) {
      this.pendingReads.push({ context, from });
      return;
    }
    if (this.voters.size === 1) return this.answerRead(context, from, this.log.committed);
    this.readOnly.add(context, from, this.log.committed, this.id);
    this.broadcastHeartbeat(context);
  }

  private answerRead(context: string, from: RaftId, index: number) {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send({ type: 'readIndexResp', to: from, term: this.term, index, context });
  }

  /** The transport could not reach a peer: stop streaming to it. */
  reportUnreachable(id: RaftId): void {
    const pr = this.prs.get(id);
    if (this.role === 'leader' && pr?.state === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: RaftId, ok: boolean): void {
    const pr = this.prs.get(id);
    if (this.role !== 'leader' || pr?.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.paused = true; // wait for the next heartbeat response before probing again
  }

  /** Keeps a snapshot of the applied state and compacts the log behind it. */
  compact(index: number, data: string): Snapshot {
    if (index !== this.log.applied) throw new Error(`raft: snapshot index ${index} is not the applied index ${this.log.applied}`);
    const snap: Snapshot = { meta: { index, term: this.log.term(index)!, conf: this.confState() }, data };
    this.log.snapshot = snap;
    this.log.compactTo(Math.max(this.log.offset, index - this.cfg.keepEntries));
    return snap;
  }

  step(m: Message): void {
    if (this.removed.has(m.from)) return; // removed members are gone for good
    if (m.term > this.term) {
      if (m.type === 'preVote' || m.type === 'vote') {
        // Within a leader's lease, a vote request is a disruption, not an election.
        const inLease = this.cfg.checkQuorum && this.leader !== NONE && this.electionElapsed < this.cfg.electionTick;
        if (inLease && m.context !== 'transfer') return;
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // A pre-vote never changes our term; a granted pre-vote is for term+1 and ours to count.
      } else {
        const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // A stale leader: tell it our term so it steps down.
        this.send({ type: 'appResp', to: m.from, term: this.term });
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'preVote' || m.type === 'vote') return this.handleVote(m);
    if (this.role === 'leader') return this.stepLeader(m);
    if (this.role === 'follower') return this.stepFollower(m);
    return this.stepCandidate(m);
  }

  // ---- elections ----

  /** 'pre' asks whether we could win before touching the term; 'transfer' skips that and the lease. */
  private campaign(kind: 'pre' | 'elect' | 'transfer'): void {
    if (!this.promotable()) return;
    const pre = kind === 'pre';
    if (pre) this.becomePreCandidate();
    else this.becomeCandidate();
    const term = pre ? this.term + 1 : this.term;
    if (this.poll(this.id, true) === 'won') return pre ? this.campaign('elect') : this.becomeLeader();
    for (const v of this.voters) {
      if (v === this.id) continue;
      this.send({
        type: pre ? 'preVote' : 'vote', to: v, term, index: this.log.lastIndex, logTerm: this.log.lastTerm,
        ...(kind === 'transfer' ? { context: 'transfer' } : {}),
      });
    }
  }

  private poll(id: RaftId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    let yes = 0;
    let no = 0;
    for (const [v, g] of this.votes) {
      if (!this.voters.has(v)) continue;
      if (g) yes++;
      else no++;
    }
    if (yes >= this.quorum()) return 'won';
    if (no >= this.quorum()) return 'lost';
    return 'pending';
  }

  private handleVote(m: Message) {
    const pre = m.type === 'preVote';
    const canVote = this.vote === m.from || (this.vote === NONE && this.leader === NONE) || (pre && m.term > this.term);
    const respType = pre ? 'preVoteResp' : 'voteResp';
    if (canVote && this.log.isUpToDate(m.index!, m.logTerm!)) {
      // A pre-vote answer carries the asked term, so the pre-candidate counts it.
      this.send({ type: respType, to: m.from, term: m.term });
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, term: this.term, reject: true });
    }
  }

  private stepCandidate(m: Message) {
    const myResp = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        return this.handleAppend(m);
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        return this.handleHeartbeat(m);
      case 'snap':
        this.becomeFollower(m.term, m.from);
        return this.handleSnapshot(m);
      case myResp: {
        const r = this.poll(m.from, !m.reject);
        if (r === 'won') {
          if (this.role === 'preCandidate') this.campaign('elect');
          else this.becomeLeader();
        } else if (r === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  // ---- follower ----

  private stepFollower(m: Message) {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.leader = m.from;
        return this.handleAppend(m);
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        return this.handleHeartbeat(m);
      case 'snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        return this.handleSnapshot(m);
      case 'timeoutNow':
        return this.campaign('transfer');
      case 'readIndexResp':
        this.readStates.push({ index: m.index!, context: m.context! });
        return;
      case 'readIndex':
        // Asked of a follower that lost the leader: the asker retries elsewhere.
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Message) {
    const prev = m.index!;
    if (prev < this.log.committed) {
      this.send({ type: 'appResp', to: m.from, term: this.term, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(prev, m.logTerm!)) {
      const lastNew = this.log.maybeAppend(prev, m.entries ?? []);
      this.log.commitTo(Math.min(m.commit!, lastNew));
      this.send({ type: 'appResp', to: m.from, term: this.term, index: lastNew });
      return;
    }
    this.send({ type: 'appResp', to: m.from, term: this.term, index: prev, reject: true, rejectHint: this.rejectHint(prev, m.logTerm!) });
  }

  /**
   * Where the leader should try next: the last index at or before prev whose
   * term is at most the leader's term there (skips a divergent tail a term at a time).
   */
  private rejectHint(prev: number, leaderTerm: number): number {
    let i = Math.min(prev, this.log.lastIndex);
    while (i > this.log.offset && this.log.term(i)! > leaderTerm) i--;
    return i;
  }

  private handleHeartbeat(m: Message) {
    this.log.commitTo(m.commit!);
    this.send({ type: 'heartbeatResp', to: m.from, term: this.term, ...(m.context !== undefined ? { context: m.context } : {}) });
  }

  private handleSnapshot(m: Message) {
    const s = m.snapshot!;
    if (s.meta.index <= this.log.committed) {
      this.send({ type: 'appResp', to: m.from, term: this.term, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We have the entries: the snapshot only tells us they are committed.
      this.log.commitTo(s.meta.index);
    } else {
      this.log.restore(s);
      this.setConf(s.meta.conf);
    }
    this.send({ type: 'appResp', to: m.from, term: this.term, index: this.log.lastIndex });
  }

  // ---- leader ----

  private stepLeader(m: Message) {
    if (m.type === 'readIndex') {
      if (this.voters.has(m.from)) this.leaderRead(m.context!, m.from);
      return;
    }
    const pr = this.prs.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'appResp':
        pr.recentActive = true;
        return this.handleAppendResponse(m, pr);
      case 'heartbeatResp':
        pr.recentActive = true;
        pr.paused = false;
        // The follower is alive: one lost append must not stall a full window forever.
        if (pr.state === 'replicate' && pr.isPaused()) pr.freeFirst();
        if (pr.match < this.log.lastIndex) this.sendAppend(m.from);
        if (m.context !== undefined) {
          for (const r of this.readOnly.ack(m.context, m.from, this.quorum())) this.answerRead(r.context, r.from, r.index);
        }
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress) {
    if (m.reject) {
      if (pr.maybeDecrTo(m.index!, m.rejectHint ?? m.index!)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    if (m.index === undefined) return; // a term notice from a stale-term reply; nothing to count
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (pr.state === 'replicate') pr.freeTo(m.index);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
    else if (pr.state === 'replicate') pr.freeTo(m.index);

    if (this.maybeCommit()) this.broadcastAppend();
    else if (wasPaused) this.sendAppend(m.from);
    // Keep the pipe full while there is more to send.
    while (pr.state === 'replicate' && pr.next <= this.log.lastIndex && !pr.isPaused()) {
      if (!this.sendAppend(m.from)) break;
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex) {
      this.send({ type: 'timeoutNow', to: m.from, term: this.term });
    }
  }

  private appendEntries(ents: Entry[]) {
    let i = this.log.lastIndex;
    for (const e of ents) {
      e.term = this.term;
      e.index = ++i;
    }
    this.log.append(ents);
    this.prs.get(this.id)!.maybeUpdate(this.log.lastIndex);
    this.maybeCommit();
  }

  /** Commits the highest index a quorum has, but only by counting entries of this term. */
  private maybeCommit(): boolean {
    const matches: number[] = [];
    for (const v of this.voters) matches.push(this.prs.get(v)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const idx = matches[this.quorum() - 1] ?? 0;
    if (idx > this.log.committed && this.log.term(idx) === this.term) {
      this.log.commitTo(idx);
      this.releasePendingReads();
      return true;
    }
    return false;
  }

  private releasePendingReads() {
    const pend = this.pendingReads;
    this.pendingReads = [];
    for (const r of pend) this.leaderRead(r.context, r.from);
  }

  private broadcastAppend() {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private broadcastHeartbeat(context?: string) {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      this.send({
        type: 'heartbeat', to: id, term: this.term, commit: Math.min(pr.match, this.log.committed),
        ...(context !== undefined ? { context } : {}),
      });
    }
  }

  /** Sends the next append (or a snapshot) to a follower; false when nothing was sent. */
  private sendAppend(to: RaftId): boolean {
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return false;
    const prev = pr.next - 1;
    const prevTerm = this.log.term(prev);
    const ents = prevTerm === undefined ? undefined : this.limitEntries(pr.next);
    if (prevTerm === undefined || ents === undefined) {
      const snap = this.log.snapshot;
      if (!snap || !pr.recentActive) return false;
      this.send({ type: 'snap', to, term: this.term, snapshot: snap });
      pr.becomeSnapshot(snap.meta.index);
      return true;
    }
    this.send({ type: 'app', to, term: this.term, index: prev, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    if (ents.length) pr.sent(ents[ents.length - 1].index);
    else if (pr.state === 'probe') pr.paused = true;
    return true;
  }

  private limitEntries(from: number): Entry[] | undefined {
    const hi = Math.min(this.log.lastIndex, from + this.cfg.maxEntriesPerMsg - 1);
    const ents = this.log.slice(from, hi);
    if (!ents) return undefined;
    let bytes = 0;
    for (let i = 0; i < ents.length; i++) {
      bytes += ents[i].data.length + 32;
      if (bytes > this.cfg.maxBytesPerMsg && i > 0) return ents.slice(0, i);
    }
    return ents;
  }

  private send(m: Omit<Message, 'from'>) {
    this.msgs.push({ ...m, from: this.id });
  }

  // ---- ready / advance ----

  hasReady(): boolean {
    const soft = this.softState();
    const hard = this.hardState();
    return this.msgs.length > 0 || this.readStates.length > 0 || !!this.log.unstableSnapshot
      || this.log.stabled < this.log.lastIndex || this.log.committed > this.log.applied
      || soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role
      || !sameHard(hard, this.prevHard);
  }

  ready(): Ready {
    if (this.readyOut) throw new Error('raft: ready() called again before advance()');
    this.readyOut = true;
    const soft = this.softState();
    const hard = this.hardState();
    const rd: Ready = {
      entries: this.log.unstable(),
      committed: this.log.nextCommitted(),
      messages: this.msgs,
      readStates: this.readStates,
    };
    if (soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role) rd.softState = soft;
    if (!sameHard(hard, this.prevHard)) rd.hardState = hard;
    if (this.log.unstableSnapshot) rd.snapshot = this.log.unstableSnapshot;
    this.msgs = [];
    this.readStates = [];
    this.prevSoft = soft;
    this.prevHard = hard;
    return rd;
  }

  /** The driver did what `rd` asked: entries and snapshot are on disk, committed entries applied. */
  advance(rd: Ready): void {
    this.readyOut = false;
    if (rd.snapshot) {
      if (this.log.unstableSnapshot === rd.snapshot) this.log.unstableSnapshot = undefined;
      this.log.applied = Math.max(this.log.applied, rd.snapshot.meta.index);
    }
    if (rd.entries.length) {
      const last = rd.entries[rd.entries.length - 1];
      this.log.stableTo(last.index, last.term);
    }
    for (const e of rd.committed) {
      if (e.index <= this.log.applied) continue;
      this.log.applied = e.index;
      if (e.type === 'conf') this.applyConfChange(JSON.parse(e.data) as ConfChange);
    }
  }

  private applyConfChange(cc: ConfChange) {
    if (cc.type === 'add') {
      if (this.removed.has(cc.id)) return;
      this.voters.add(cc.id);
      if (this.role === 'leader' && !this.prs.has(cc.id)) {
        const pr = new Progress(this.log.lastIndex + 1, this.cfg.maxInflight);
        this.prs.set(cc.id, pr);
        this.sendAppend(cc.id);
      }
      return;
    }
    this.voters.delete(cc.id);
    this.removed.add(cc.id);
    if (this.role !== 'leader') return;
    if (cc.id === this.id) {
      this.becomeFollower(this.term, NONE);
      return;
    }
    this.prs.delete(cc.id);
    if (this.leadTransferee === cc.id) this.leadTransferee = NONE;
    // A smaller quorum may commit what waited for the removed member.
    if (this.maybeCommit()) this.broadcastAppend();
  }
}

/**
 * How many of `entries` form a log after (offset, offsetTerm): consecutive
 * indexes, terms never going back. What follows the first break is stale:
 * an entry a newer leader replaced, which a storage replay resurrected (a
 * truncation at or below a snapshot skipped with it, as in etcd-io/etcd#22442).
 * Trusting it would let this node vote for, and match appends from, a log
 * that lacks entries it has committed.
 */
function validTail(entries: Entry[], offset: number, offsetTerm: number): number {
  let prev = { index: offset, term: offsetTerm };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.index !== prev.index + 1 || e.term < prev.term) return i;
    prev = e;
  }
  return entries.length;
}

/** As etcd's Config.validate: heartbeats must come well within an election timeout. */
export function checkTuning(t: RaftTuning): void {
  const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  if (!whole(t.heartbeatTick, 1)) throw new RangeError(`raft: heartbeat tick must be an integer >= 1 (got ${t.heartbeatTick})`);
  if (!whole(t.electionTick, t.heartbeatTick + 1)) throw new RangeError(`raft: election tick (${t.electionTick}) must be an integer greater than heartbeat tick (${t.heartbeatTick})`);
  if (!whole(t.keepEntries, 0)) throw new RangeError(`raft: entries kept for slow followers must be an integer >= 0 (got ${t.keepEntries})`);
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
