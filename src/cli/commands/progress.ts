// Waiting on a service after create/update/scale/rollback as the docker CLI
// does (cli/command/service/progress, 28.2): every 200 ms the service, its
// up-to-date tasks and the nodes are read and a progress stream written. The
// output is what docker shows when stdout is not a terminal: its progress
// stream through jsonmessage.Display drops every message that carries a bar
// (task states, job counts) and prints the others as "ID: text" lines.
import type { Node, Service, Task } from '../../types/objects.js';
import { q, type Client } from '../client.js';

const STATES = ['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running',
  'complete', 'shutdown', 'failed', 'rejected'];
/** swarm.TaskState → 1..13; 0 for a state docker does not know. */
const num = (s: string | undefined) => STATES.indexOf(s ?? '') + 1;
const terminal = (s: string | undefined) => num(s) > num('running');
const MAX_BARS = 20;

/** Lines in docker's non-terminal rendering: a message with a progress bar prints nothing. */
interface ProgressOut {
  /** An "ID: action" line (an empty ID prints the action alone). */
  line(id: string, action: string): void;
}

/** Go's truncError: one line, at most 75 bytes (74 and an ellipsis). */
function truncError(msg: string): string {
  const one = msg.replaceAll('\n', ' ');
  const b = Buffer.from(one);
  return b.length > 75 ? `${b.subarray(0, 74).toString('utf8')}…` : one;
}

interface Updater { update(s: Service, tasks: Task[], active: Set<string>, rollback: boolean): boolean }

function overall(out: ProgressOut, n: number, d: number, rollback: boolean) {
  out.line('overall progress', rollback ? `rolling back update: ${n} out of ${d} tasks` : `${n} out of ${d} tasks`);
}

/** Newest meaningful task per key: the lowest desired state, then the lowest state, first seen kept on ties. */
function pick(tasks: Task[], key: (t: Task) => string | number, active?: Set<string>): Map<string | number, Task> {
  const by = new Map<string | number, Task>();
  for (const t of tasks) {
    if (num(t.DesiredState) === 0 || num(t.Status.State) === 0) continue;
    const e = by.get(key(t));
    if (e) {
      if (num(e.DesiredState) < num(t.DesiredState)) continue;
      if (num(e.DesiredState) === num(t.DesiredState) && num(e.Status.State) <= num(t.Status.State)) continue;
    }
    if (active && t.NodeID && !active.has(t.NodeID)) continue;
    by.set(key(t), t);
  }
  return by;
}

class Replicated implements Updater {
  private slotMap = new Map<number, number>();
  private initialized = false;
  private done = false;
  constructor(private out: ProgressOut) {}

  update(s: Service, tasks: Task[], active: Set<string>, rollback: boolean): boolean {
    const replicas = s.Spec.Mode?.Replicated?.Replicas ?? 0;
    if (!this.initialized) {
      overall(this.out, 0, replicas, rollback);
      if (replicas <= MAX_BARS) for (let i = 1; i <= replicas; i++) this.out.line(`${i}/${replicas}`, ' ');
      this.initialized = true;
    }
    const bySlot = pick(tasks, (t) => t.Slot ?? 0, active);
    if (this.done && [...bySlot.values()].some((t) => t.Status.State !== 'running')) this.done = false;
    let running = 0;
    for (const t of bySlot.values()) {
      let mapped = this.slotMap.get(t.Slot ?? 0);
      if (!mapped) { mapped = this.slotMap.size + 1; this.slotMap.set(t.Slot ?? 0, mapped); }
      if (!terminal(t.DesiredState) && t.Status.State === 'running') running++;
      if (!this.done && replicas <= MAX_BARS && mapped <= replicas && t.Status.Err) this.out.line(`${mapped}/${replicas}`, truncError(t.Status.Err));
    }
    if (!this.done) {
      overall(this.out, running, replicas, rollback);
      if (running === replicas) this.done = true;
    }
    return running === replicas;
  }
}

class Global implements Updater {
  private initialized = false;
  private done = false;
  constructor(private out: ProgressOut) {}

  update(_s: Service, tasks: Task[], active: Set<string>, rollback: boolean): boolean {
    const byNode = pick(tasks, (t) => t.NodeID ?? '');
    const count = byNode.size;
    if (!this.initialized) {
      if (count === 0) { this.out.line('overall progress', 'waiting for new tasks'); return false; }
      overall(this.out, 0, count, rollback);
      this.initialized = true;
    }
    if (this.done && [...byNode.values()].some((t) => t.Status.State !== 'running')) this.done = false;
    let running = 0;
    for (const t of byNode.values()) {
      if (!active.has(t.NodeID ?? '')) continue;
      if (!terminal(t.DesiredState) && t.Status.State === 'running') running++;
      if (!this.done && count <= MAX_BARS && t.Status.Err) this.out.line((t.NodeID ?? '').slice(0, 12), truncError(t.Status.Err));
    }
    if (!this.done) {
      overall(this.out, running, count, rollback);
      if (running === count) this.done = true;
    }
    return running === count;
  }
}

/** Jobs: only the init lines, the failed tasks' errors and "active tasks" have no bar. */
class ReplicatedJob implements Updater {
  private initialized = false;
  private readonly total: number;
  private readonly concurrent: number;
  private readonly iteration: number;
  constructor(private out: ProgressOut, s: Service) {
    this.total = s.Spec.Mode!.ReplicatedJob!.TotalCompletions ?? 0;
    this.concurrent = s.Spec.Mode!.ReplicatedJob!.MaxConcurrent ?? 0;
    this.iteration = s.JobStatus?.JobIteration?.Index ?? 0;
  }

  update(_s: Service, tasks: Task[]): boolean {
    const width = String(this.concurrent).length;
    const counts = (active: number, completed: number) => {
      const desired = Math.min(this.total - completed, this.concurrent);
      this.out.line('active tasks', `${String(active).padStart(width)} out of ${String(desired).padStart(width)} tasks`);
    };
    if (!this.initialized) {
      counts(0, 0);
      if (this.total <= MAX_BARS) for (let i = 1; i <= this.total; i++) this.out.line(`${i}/${this.total}`, ' ');
      this.initialized = true;
    }
    const bySlot = new Map<number, Task>();
    for (const t of tasks) {
      if ((t.JobIteration?.Index ?? -1) !== this.iteration || num(t.DesiredState) === 0 || num(t.Status.State) === 0) continue;
      const e = bySlot.get(t.Slot ?? 0);
      if (!e || num(e.Status.State) > num(t.Status.State)) bySlot.set(t.Slot ?? 0, t);
    }
    let active = 0;
    let complete = 0;
    // docker walks slots 0..n-1 of the map (a job's slots start at 0)
    for (let i = 0; i < bySlot.size; i++) {
      const t = bySlot.get(i);
      const state = t?.Status.State ?? '';
      if (t && this.total <= MAX_BARS && t.Status.Err) this.out.line(`${i + 1}/${this.total}`, truncError(t.Status.Err));
      if (num(state) < num('complete')) active++;
      if (state === 'complete') complete++;
    }
    counts(active, complete);
    return complete === this.total;
  }
}

class GlobalJob implements Updater {
  private initialized = false;
  private nodes = new Set<string>();
  constructor(private out: ProgressOut) {}

  update(s: Service, tasks: Task[], active: Set<string>): boolean {
    const iteration = s.JobStatus?.JobIteration?.Index ?? 0;
    const ofIteration = tasks.filter((t) => (t.JobIteration?.Index ?? -1) === iteration);
    if (!this.initialized) {
      if (tasks.length === 0 && active.size !== 0) {
        // "job progress: waiting for tasks" has no bar
        this.out.line('job progress', 'waiting for tasks');
        return false;
      }
      for (const t of ofIteration) this.nodes.add(t.NodeID ?? '');
      this.initialized = true;
    }
    const byNode = new Map<string, Task>();
    for (const t of ofIteration) {
      if (!this.nodes.has(t.NodeID ?? '')) continue;
      const e = byNode.get(t.NodeID ?? '');
      if (!e || num(e.Status.State) > num(t.Status.State)) byNode.set(t.NodeID ?? '', t);
    }
    let complete = 0;
    for (const t of byNode.values()) {
      if (this.nodes.size <= MAX_BARS && t.Status.Err) this.out.line(t.NodeID ?? '', truncError(t.Status.Err));
      if (t.Status.State === 'complete') complete++;
    }
    return complete === this.nodes.size;
  }
}

function updaterFor(s: Service, out: ProgressOut): Updater {
  const m = s.Spec.Mode ?? {};
  if (m.Replicated && m.Replicated.Replicas !== undefined) return new Replicated(out);
  if (m.Global) return new Global(out);
  if (m.ReplicatedJob) return new ReplicatedJob(out, s);
  if (m.GlobalJob) return new GlobalJob(out);
  throw new Error('unrecognized service mode');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A monotonic clock in nanoseconds (the remaining wait is counted as docker counts it, from a time just past). */
const now = () => Number(process.hrtime.bigint());

/**
 * docker's WaitOnService: follows the service until it converged and stayed
 * so for its monitor period, printing progress unless quiet. Throws docker's
 * error when the update or rollback pauses. SIGINT stops the wait (the
 * operation goes on in the background).
 */
export async function waitOnService(c: Client, ref: string, quiet: boolean, print: (s: string) => void): Promise<void> {
  const out: ProgressOut = { line: (id, action) => { if (!quiet) print(id ? `${id}: ${action}\n` : `${action}\n`); } };
  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.on('SIGINT', onSigint);
  try {
    let updater: Updater | undefined;
    let converged = false;
    let convergedAt = 0;
    let monitor = 5e9;
    let rollback = false;
    let message: string | undefined;
    for (;;) {
      const s = await c.get<Service>(`/services/${encodeURIComponent(ref)}`);
      if (s.Spec.UpdateConfig?.Monitor) monitor = s.Spec.UpdateConfig.Monitor;
      updater ??= updaterFor(s, out);
      const us = s.UpdateStatus;
      switch (us?.State) {
        case 'updating': rollback = false; break;
        case 'completed': if (!converged) return; break;
        case 'paused': throw new Error(`service update paused: ${us.Message ?? ''}`);
        case 'rollback_started':
          if (!rollback && us.Message) out.line('rollback', us.Message);
          rollback = true;
          break;
        case 'rollback_paused': throw new Error(`service rollback paused: ${us.Message ?? ''}`);
        case 'rollback_completed':
          if (!converged) message = us.Message ?? '';
          rollback = true;
          break;
      }
      if (converged && now() - convergedAt >= monitor) {
        out.line('verify', `Service ${ref} converged`);
        if (message !== undefined) out.line('rollback', message);
        return;
      }
      const tasks = await c.get<Task[]>(`/tasks?filters=${q({ service: [s.ID], '_up-to-date': ['true'] })}`);
      const nodes = await c.get<Node[]>('/nodes');
      const active = new Set(nodes.filter((n) => n.Status?.State !== 'down').map((n) => n.ID));
      converged = updater.update(s, tasks, active, rollback);
      if (converged) {
        if (s.JobStatus) { out.line('', 'job complete'); return; }
        if (!convergedAt) convergedAt = now();
        const wait = monitor - (now() - convergedAt);
        if (wait >= 0) out.line('verify', `Waiting ${Math.floor(wait / 1e9) + 1} seconds to verify that tasks are stable...`);
      } else {
        if (convergedAt) out.line('verify', 'Detected task failure');
        convergedAt = 0;
      }
      for (let i = 0; i < 4 && !interrupted; i++) await sleep(50);
      if (interrupted) {
        if (!converged) {
          out.line('', 'Operation continuing in background.');
          out.line('', `Use \`docker service ps ${ref}\` to check progress.`);
        }
        return;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
