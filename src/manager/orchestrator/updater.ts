import { isoNano, type Clock } from '../../clock.js';
import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import { isTerminal, type Service, type Task, type UpdateConfig } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { forEachSlice } from '../slices.js';
import { isJob } from './job.js';
import { isCurrent } from './slots.js';
import { currentOf } from './actions.js';
import { slotKey } from '../../store/tables.js';
import { isUpToDate, newTask } from './task-factory.js';
import { defaultUpdateConfig } from '../controlapi/service-spec.js';

const log = logger('updater');
const DEFAULT_MONITOR_NS = 5e9;

/**
 * The failures of one update run: tasks it created that stopped before
 * running for Monitor (swarmkit's failureTriggersAction). check() returns
 * the task that pushed the failures over MaxFailureRatio, once.
 */
class FailureMonitor {
  private startedAt = new Map<string, number | undefined>();
  private failed = new Set<string>();
  private triggered = false;

  constructor(private clock: Clock, private cfg: UpdateConfig, private total: number, private task: (id: string) => Task | undefined) {}

  add(ids: string[]) { for (const id of ids) this.startedAt.set(id, undefined); }

  check(): string | undefined {
    if (this.triggered || this.cfg.FailureAction === 'continue') return undefined;
    const monitorMs = (this.cfg.Monitor ?? DEFAULT_MONITOR_NS) / 1e6;
    const now = this.clock.now();
    for (const [id, started] of this.startedAt) {
      if (this.failed.has(id)) continue;
      const t = this.task(id);
      if (!t) continue;
      if (t.Status.State === 'running' && started === undefined) { this.startedAt.set(id, now); continue; }
      if (!isTerminal(t.Status.State)) continue;
      if (started !== undefined && now - started > monitorMs) continue;
      this.failed.add(id);
      if (this.failed.size / this.total > (this.cfg.MaxFailureRatio ?? 0)) { this.triggered = true; return id; }
    }
    return undefined;
  }
}

/**
 * Rolling updates: when a service's task template changes, replaces its
 * out-of-date tasks in batches of Parallelism with Delay between them,
 * stop-first or start-first, watching each new task for Monitor; on failure
 * pauses, continues or rolls back, and reports it in UpdateStatus.
 */
export class Updater extends Reconciler {
  readonly name = 'updater';
  private clock: Clock;
  private active = new Map<string, Promise<void>>();
  private stopped = false;
  private sleepers = new Set<() => void>();

  /** Services whose spec may have changed since the last pass. */
  private dirty = new Set<string>();

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services'], { clock: deps.clock, fullEveryMs: 30_000 });
    this.clock = deps.clock;
  }

  protected override onEvents(events: StoreEvent[]): void {
    for (const e of events) if (e.action !== 'remove') this.dirty.add(e.object.ID);
    if (this.dirty.size > 0) this.kick();
  }

  override start() { this.stopped = false; super.start(); }

  override async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    await super.stop();
    await Promise.all(this.active.values());
  }

  protected async reconcile(full: boolean): Promise<void> {
    const ids = this.dirty;
    this.dirty = new Set();
    const services = this.store.view((tx) => (full ? tx.services.all() : [...ids].flatMap((id) => tx.services.get(id) ?? [])));
    for (const s of services) {
      if (this.active.has(s.ID)) continue;
      if (isJob(s)) continue; // a job's update starts its next run instead (jobs orchestrator)
      const inProgress = s.UpdateStatus?.State === 'updating' || s.UpdateStatus?.State === 'rollback_started';
      if (!inProgress && !(await anyOutOfDate(this.store, s))) continue;
      const run = this.update(s.ID).catch((err) => log.warn({ service: s.ID, err: String(err) }, 'update failed'))
        .finally(() => {
          this.active.delete(s.ID);
          // What changed meanwhile (a rollback this run started, a newer spec) gets its own run.
          this.dirty.add(s.ID);
          this.kick();
        });
      this.active.set(s.ID, run);
    }
  }

  /**
   * One run of swarmkit's Updater: replaces the out-of-date tasks in batches
   * of Parallelism (Delay between batches), then watches for one more
   * Monitor period. A task this run created that stops (fails or ends)
   * before it ran for Monitor counts as a failure; once failures exceed
   * MaxFailureRatio of the tasks to update, FailureAction applies: pause,
   * roll back (a rollback that fails pauses), or continue.
   */
  private async update(serviceId: string): Promise<void> {
    let s = this.service(serviceId);
    if (!s) return;
    const st = s.UpdateStatus?.State;
    if (st === 'paused' || st === 'rollback_paused') return;
    const rollback = st === 'rollback_started';
    const total = outOfDate(this.store, s).length;
    // Every task is up to date already (restarts replaced them): an update in progress is done, as swarmkit's.
    if (total === 0) { if (st === 'updating' || rollback) await this.complete(serviceId); return; }
    if (!s.UpdateStatus) {
      await this.setStatus(serviceId, { State: 'updating', StartedAt: isoNano(this.clock.now()), Message: 'update in progress' });
    }
    const cfg: UpdateConfig = (rollback ? s.Spec.RollbackConfig : s.Spec.UpdateConfig) ?? defaultUpdateConfig();
    const monitor = new FailureMonitor(this.clock, cfg, total, (id) => this.task(id));
    // A task of the service that ends is looked at at once, as swarmkit's failedTaskWatch: a rollback that waits for
    // the next poll lets the restart policy replace the failed task from the failed spec first.
    const unwatch = cfg.FailureAction === 'continue' ? undefined : this.wakeOnEnd(serviceId);
    try {
      await this.run(serviceId, cfg, rollback, monitor);
    } finally {
      unwatch?.();
    }
  }

  /** Wakes this run's waits when a task of the service reaches a terminal state. */
  private wakeOnEnd(serviceId: string): () => void {
    const wakeAll = () => { for (const wake of [...this.sleepers]) wake(); };
    return this.store.watch((events) => {
      if (events.some((e) => e.table === 'tasks' && (e.object as Task).ServiceID === serviceId && isTerminal((e.object as Task).Status.State))) wakeAll();
    }, { tables: ['tasks'], onResync: wakeAll });
  }

  private async run(serviceId: string, cfg: UpdateConfig, rollback: boolean, monitor: FailureMonitor): Promise<void> {
    let s: Service | undefined;
    const acted = async () => {
      const failed = monitor.check();
      if (!failed) return false;
      await this.onFailure(serviceId, cfg, rollback, failed);
      return true;
    };
    for (;;) {
      if (this.stopped) return;
      s = this.service(serviceId);
      if (!s) return;
      const dirty = outOfDate(this.store, s);
      if (dirty.length === 0) break;
      const batch = dirty.slice(0, cfg.Parallelism || dirty.length);
      const fresh = await this.replace(s, batch, cfg.Order ?? 'stop-first');
      monitor.add(fresh);
      let stop = false;
      await this.until(() => stop || fresh.every((id) => { const t = this.task(id); return !t || t.Status.State === 'running' || isTerminal(t.Status.State); }),
        async () => { stop = await acted(); });
      if (stop || this.stopped) return;
      const delay = (cfg.Delay ?? 0) / 1e6;
      if (delay > 0 && outOfDate(this.store, s).length > 0) {
        const end = this.clock.now() + delay;
        await this.until(() => stop || this.clock.now() >= end, async () => { stop = await acted(); });
        if (stop) return;
      }
    }
    // Keep watching for one more monitor period (longer than the delay, as swarmkit) before declaring it done.
    let monitorMs = (cfg.Monitor ?? DEFAULT_MONITOR_NS) / 1e6;
    if ((cfg.Delay ?? 0) / 1e6 >= monitorMs) monitorMs = (cfg.Delay ?? 0) / 1e6 + 1000;
    const end = this.clock.now() + monitorMs;
    let stop = false;
    await this.until(() => stop || this.clock.now() >= end, async () => { stop = await acted(); });
    if (stop || this.stopped || !this.service(serviceId)) return;
    await this.complete(serviceId);
  }

  /** swarmkit's completeUpdate. */
  private async complete(serviceId: string) {
    await this.store.update((tx) => {
      const cur = tx.services.get(serviceId);
      if (cur?.UpdateStatus?.State !== 'updating' && cur?.UpdateStatus?.State !== 'rollback_started') return;
      const back = cur.UpdateStatus.State === 'rollback_started';
      tx.update('services', { ...cur, UpdateStatus: {
        ...cur.UpdateStatus, State: back ? 'rollback_completed' : 'completed',
        Message: back ? 'rollback completed' : 'update completed', CompletedAt: isoNano(this.clock.now()),
      } });
    });
  }

  /** swarmkit's pauseUpdate / rollbackUpdate, with its messages; StartedAt stays. */
  private async onFailure(serviceId: string, cfg: UpdateConfig, rollback: boolean, failedTask: string) {
    await this.store.update((tx) => {
      const cur = tx.services.get(serviceId);
      if (!cur?.UpdateStatus) return;
      if (cfg.FailureAction === 'rollback' && !rollback) {
        if (!cur.PreviousSpec) { log.warn({ service: serviceId }, 'cannot roll back service because no previous spec is available'); return; }
        tx.update('services', { ...cur, Spec: cur.PreviousSpec, PreviousSpec: undefined, UpdateStatus: {
          ...cur.UpdateStatus, State: 'rollback_started', Message: `update rolled back due to failure or early termination of task ${failedTask}`,
        } });
        return;
      }
      // swarmkit's words: a rollback whose FailureAction is pause says "update paused" (its pauseUpdate only turns the state
      // into rollback_paused); "rollback paused" is the message of a rollback whose own FailureAction is rollback.
      const what = rollback && cfg.FailureAction === 'rollback' ? 'rollback' : 'update';
      tx.update('services', { ...cur, UpdateStatus: {
        ...cur.UpdateStatus, State: rollback ? 'rollback_paused' : 'paused', Message: `${what} paused due to failure or early termination of task ${failedTask}`,
      } });
    });
  }

  private service(id: string): Service | undefined {
    return this.store.view((tx) => tx.services.get(id));
  }

  /** Replaces old tasks with new ones in the same slots; returns the new tasks' IDs. */
  private async replace(s: Service, old: Task[], order: 'stop-first' | 'start-first'): Promise<string[]> {
    const created: Task[] = [];
    await this.store.update((tx) => {
      for (const t of old) {
        // The slot got a new task since it was read (the restart policy replaced a failed one): that one stays, none
        // is added (swarmkit's "task was already shut down when reached by updater"); the next pass looks at it again.
        if (currentOf(tx.tasks.by('slot', slotKey(t)))?.ID !== t.ID) continue;
        const cur = tx.tasks.get(t.ID);
        if (cur && order === 'stop-first') tx.update('tasks', { ...cur, DesiredState: 'shutdown' });
        const next = newTask(this.clock, s, s.Spec.Mode?.Global ? { nodeId: t.NodeID } : { slot: t.Slot });
        tx.create('tasks', next);
        created.push(next);
      }
    });
    if (order === 'start-first') {
      await this.until(() => created.every((t) => { const c = this.task(t.ID); return !c || c.Status.State === 'running' || isTerminal(c.Status.State); }));
      await this.store.update((tx) => {
        for (const t of old) {
          const cur = tx.tasks.get(t.ID);
          if (cur && (cur.DesiredState === 'running' || cur.DesiredState === 'ready')) tx.update('tasks', { ...cur, DesiredState: 'shutdown' });
        }
      });
    }
    return created.map((t) => t.ID);
  }

  private task(id: string) { return this.store.view((tx) => tx.tasks.get(id)); }

  /** Polls cond every 100 ms on the clock, running each (e.g. the failure check) first. */
  private async until(cond: () => boolean, each?: () => Promise<void>): Promise<void> {
    for (;;) {
      if (each) await each();
      if (cond() || this.stopped) return;
      await this.sleep(100);
    }
  }

  /** Waits on the clock; stop() ends every wait at once. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => { timer.cancel(); this.sleepers.delete(wake); resolve(); };
      const timer = this.clock.setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async setStatus(id: string, st: Service['UpdateStatus']) {
    await this.store.update((tx) => {
      const s = tx.services.get(id);
      if (s) tx.update('services', { ...s, UpdateStatus: st });
    });
  }
}

/** The service's current tasks (one per slot) that run an older template. */
function outOfDate(store: MemoryStore, s: Service): Task[] {
  return store.view((tx) => {
    const out: Task[] = [];
    for (const t of tx.tasks.find({ serviceId: s.ID })) {
      // 'ready' too: a replacement waiting out its restart delay still runs the old spec.
      if (!isCurrent(t) || isUpToDate(t, s)) continue;
      // Only the slot's current task (grouping every slot of a 100,000-task service for none out of date is a long pause).
      if (currentOf(tx.tasks.by('slot', slotKey(t)))?.ID === t.ID) out.push(t);
    }
    return out.sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0));
  });
}

/** Tasks checked against the template per synchronous slice when looking for any out of date. */
const CHECK_SLICE = 10_000;

/**
 * Whether any current task of the service runs an older template: the tasks
 * read at once, checked in slices (a 100,000-task service's walk held the
 * event loop 100+ ms on every pass), the slot check only for candidates.
 */
async function anyOutOfDate(store: MemoryStore, s: Service): Promise<boolean> {
  const tasks = store.view((tx) => tx.tasks.find({ serviceId: s.ID }));
  const candidates: Task[] = [];
  await forEachSlice(tasks, CHECK_SLICE, (slice) => {
    for (const t of slice) if (isCurrent(t) && !isUpToDate(t, s)) candidates.push(t);
  });
  if (!candidates.length) return false;
  return store.view((tx) => candidates.some((t) => currentOf(tx.tasks.by('slot', slotKey(t)))?.ID === t.ID));
}
