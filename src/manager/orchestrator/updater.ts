import { isoNano, type Clock } from '../../clock.js';
import { logger } from '../../log.js';
import type { MemoryStore } from '../../store/store.js';
import type { StoreEvent } from '../../store/tables.js';
import { isTerminal, type Service, type Task, type UpdateConfig } from '../../types/objects.js';
import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import { isJob } from './job.js';
import { slotsOf } from './slots.js';
import { isUpToDate, newTask } from './task-factory.js';

const log = logger('updater');

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
  /** Versions whose update paused: not retried until the spec changes again. */
  private paused = new Map<string, number>();
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
      if (this.active.has(s.ID) || this.paused.get(s.ID) === s.Version.Index) continue;
      if (isJob(s)) continue; // a job's update starts its next run instead (jobs orchestrator)
      if (outOfDate(this.store, s).length === 0) continue;
      const run = this.update(s.ID).catch((err) => log.warn({ service: s.ID, err: String(err) }, 'update failed'))
        .finally(() => this.active.delete(s.ID));
      this.active.set(s.ID, run);
    }
  }

  private async update(serviceId: string): Promise<void> {
    let s = this.service(serviceId);
    if (!s) return;
    const rollback = s.UpdateStatus?.State === 'rollback_started';
    if (!rollback) {
      await this.setStatus(serviceId, { State: 'updating', StartedAt: isoNano(this.clock.now()), Message: 'update in progress' });
    }
    for (;;) {
      if (this.stopped) return;
      s = this.service(serviceId);
      if (!s) return;
      const cfg: UpdateConfig = (rollback ? s.Spec.RollbackConfig : s.Spec.UpdateConfig) ?? {};
      const dirty = outOfDate(this.store, s);
      if (dirty.length === 0) break;
      const batch = dirty.slice(0, cfg.Parallelism || dirty.length);
      const fresh = await this.replace(s, batch, cfg.Order ?? 'stop-first');
      const failed = await this.watch(fresh, (cfg.Monitor ?? 5e9) / 1e6);
      if (failed && cfg.FailureAction !== 'continue') {
        const cur = this.service(serviceId)!;
        if (cfg.FailureAction === 'rollback' && !rollback && cur.PreviousSpec) {
          await this.store.update((tx) => {
            const now = tx.services.get(serviceId)!;
            tx.update('services', { ...now, Spec: now.PreviousSpec!, PreviousSpec: undefined,
              UpdateStatus: { State: 'rollback_started', StartedAt: isoNano(this.clock.now()), Message: `update rolled back due to failure or early termination of task ${failed}` } });
          });
          return; // the next pass rolls back
        }
        this.paused.set(serviceId, cur.Version.Index);
        await this.setStatus(serviceId, {
          State: rollback ? 'rollback_paused' : 'paused', StartedAt: cur.UpdateStatus?.StartedAt,
          Message: `${rollback ? 'rollback' : 'update'} paused due to failure or early termination of task ${failed}`,
        });
        return;
      }
      const delay = (cfg.Delay ?? 0) / 1e6;
      if (delay > 0 && outOfDate(this.store, s).length > 0) await this.sleep(delay);
    }
    const cur = this.service(serviceId);
    if (!cur) return;
    await this.setStatus(serviceId, {
      State: rollback ? 'rollback_completed' : 'completed', StartedAt: cur.UpdateStatus?.StartedAt,
      CompletedAt: isoNano(this.clock.now()), Message: rollback ? 'rollback completed' : 'update completed',
    });
  }

  private service(id: string): Service | undefined {
    return this.store.view((tx) => tx.services.get(id));
  }

  /** Replaces old tasks with new ones in the same slots; returns the new tasks' IDs. */
  private async replace(s: Service, old: Task[], order: 'stop-first' | 'start-first'): Promise<string[]> {
    const created: Task[] = old.map((t) => newTask(this.clock, s, s.Spec.Mode?.Global ? { nodeId: t.NodeID } : { slot: t.Slot }));
    await this.store.update((tx) => {
      for (const t of old) {
        const cur = tx.tasks.get(t.ID);
        if (cur && order === 'stop-first') tx.update('tasks', { ...cur, DesiredState: 'shutdown' });
      }
      for (const t of created) tx.create('tasks', t);
    });
    if (order === 'start-first') {
      await this.until(() => created.every((t) => { const c = this.task(t.ID); return !c || c.Status.State === 'running' || isTerminal(c.Status.State); }));
      await this.store.update((tx) => {
        for (const t of old) {
          const cur = tx.tasks.get(t.ID);
          if (cur && cur.DesiredState === 'running') tx.update('tasks', { ...cur, DesiredState: 'shutdown' });
        }
      });
    }
    return created.map((t) => t.ID);
  }

  private task(id: string) { return this.store.view((tx) => tx.tasks.get(id)); }

  /** Waits for the new tasks to run, then for the monitor period; returns the first that failed. */
  private async watch(ids: string[], monitorMs: number): Promise<string | undefined> {
    const failedOne = () => ids.find((id) => { const t = this.task(id); return t && isTerminal(t.Status.State) && t.Status.State !== 'complete'; });
    await this.until(() => !!failedOne() || ids.every((id) => this.task(id)?.Status.State === 'running'));
    const end = this.clock.now() + monitorMs;
    await this.until(() => !!failedOne() || this.clock.now() >= end);
    return failedOne();
  }

  private async until(cond: () => boolean): Promise<void> {
    while (!cond() && !this.stopped) await this.sleep(100);
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
  const tasks = store.view((tx) => tx.tasks.find({ serviceId: s.ID }));
  const out: Task[] = [];
  for (const slot of slotsOf(s, tasks).values()) {
    const cur = slot.current;
    if (cur && cur.DesiredState === 'running' && !isUpToDate(cur, s)) out.push(cur);
  }
  return out.sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0));
}
