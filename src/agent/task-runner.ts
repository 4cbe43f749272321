import { agentTaskStarts } from '../metrics/registry.js';
import type { Clock } from '../clock.js';
import { isoNano } from '../clock.js';
import type { Executor, RuntimeStatus } from '../executor/executor.js';
import type { Logger } from '../log.js';
import { isTerminal, taskStateRank, type Task, type TaskState, type TaskStatus } from '../types/objects.js';

const DEFAULT_GRACE_MS = 10_000;
/** How often a health-checked task's health is read from the executor. */
const HEALTH_POLL_MS = 250;
/** moby's ErrContainerUnhealthy, the cause of a task stopped by its health check. */
const UNHEALTHY = 'dockerexec: unhealthy container';

/** Docker's status messages for each state the agent reports. */
const MESSAGES: Partial<Record<TaskState, string>> = {
  accepted: 'accepted', preparing: 'preparing', ready: 'prepared', starting: 'starting',
  running: 'started', complete: 'finished', shutdown: 'shutdown', failed: 'started',
  rejected: 'preparing',
};

/**
 * Drives one task on this node toward its desired state through the executor:
 * accepted → preparing → ready → starting → running → complete|failed, or
 * shutdown when the manager asks. Each step is reported through `report`.
 */
export class TaskRunner {
  private status: TaskStatus;
  private busy = false;
  private dirty = false;
  private waiting = false;
  private removed = false;
  /** Health is being followed (a task with a health check, from its start). */
  private healthWatch = false;
  /** The health check failed: the task was stopped for it. */
  private unhealthy = false;

  constructor(
    public task: Task,
    private executor: Executor,
    private clock: Clock,
    private report: (taskId: string, status: TaskStatus) => void,
    private log: Logger,
    /** Joins the task to its overlay networks once its namespace exists (true: done or none). */
    private networks?: { attach(task: Task): Promise<boolean>; rejoin(task: Task): void },
  ) {
    this.status = task.Status;
  }

  /** The manager sent a new version of the task (desired state, spec). */
  update(task: Task) {
    this.task = { ...task, Status: this.status };
    this.kick();
  }

  /** The task left this node's assignments: stop it and remove its container. */
  async remove(): Promise<void> {
    this.removed = true;
    // Remove goes on after a failed stop: the executor's remove forces what stop could not.
    await this.executor.shutdown(this.task, this.graceMs()).catch((err) => this.log.warn({ err: errText(err), task: this.task.ID }, 'stop before remove failed'));
    await this.executor.remove(this.task).catch((err) => this.log.warn({ err: errText(err), task: this.task.ID }, 'remove failed'));
  }

  /** Re-attaches to a task that was already running before the agent restarted. */
  adopt(rt: RuntimeStatus) {
    // Links made before the restart are found again; what runs in the namespace is started anew.
    if (rt.running) this.networks?.rejoin(this.task);
    if (rt.running && this.executor.health) this.watchHealth();
    if (rt.running && this.status.State === 'running') {
      this.watchExit(); // already reported as running: keep its timestamp
    } else if (rt.running && this.executor.health && this.status.State === 'starting') {
      this.watchExit(); // the health watch says when it runs
    } else if (rt.running) {
      this.setStatus('running', { ContainerStatus: { ContainerID: rt.containerId, PID: rt.pid ?? 0, ExitCode: 0 }, ...ports(rt) });
      this.watchExit();
    } else if (taskStateRank(this.status.State) >= taskStateRank('starting') && !isTerminal(this.status.State)) {
      this.exited(rt.exitCode ?? 0, rt.error, rt.containerId);
    }
    this.kick();
  }

  get state(): TaskState { return this.status.State; }

  private kick() {
    if (this.removed) return;
    if (this.busy) { this.dirty = true; return; }
    this.busy = true;
    this.step()
      .catch((err) => this.log.error({ err: errText(err), task: this.task.ID }, 'task step failed'))
      .finally(() => {
        this.busy = false;
        if (this.dirty) { this.dirty = false; this.kick(); }
      });
  }

  private graceMs() {
    const ns = this.task.Spec.ContainerSpec?.StopGracePeriod;
    return ns === undefined ? DEFAULT_GRACE_MS : Math.round(ns / 1e6);
  }

  private async step(): Promise<void> {
    const desired = this.task.DesiredState;
    const state = this.status.State;
    if (isTerminal(state)) return;
    if (stopRequested(desired)) {
      // shutdown / remove requested
      if (taskStateRank(state) >= taskStateRank('starting')) {
        try {
          await this.executor.shutdown(this.task, this.graceMs());
        } catch (err) {
          // As swarmkit: a task that cannot be stopped failed, with the reason; the managers
          // move on, and the stop is tried again when the task leaves this node (remove()).
          const msg = errText(err);
          this.log.warn({ task: this.task.ID, err: msg }, 'task failed to stop');
          this.setStatus('failed', { ContainerStatus: this.status.ContainerStatus, Err: msg });
          return;
        }
      }
      this.setStatus('shutdown', { ContainerStatus: this.status.ContainerStatus });
      return;
    }
    try {
      if (state === 'assigned' || state === 'new' || state === 'pending') {
        this.setStatus('accepted');
        this.setStatus('preparing');
        await this.executor.prepare(this.task);
        await this.networks?.attach(this.task); // a namespace made at prepare (process) joins before start
        this.setStatus('ready');
      }
      if (this.status.State === 'accepted' || this.status.State === 'preparing') {
        await this.executor.prepare(this.task);
        await this.networks?.attach(this.task);
        this.setStatus('ready');
      }
      if (!runRequested(this.task.DesiredState)) return; // 'ready': prepared, waits for the manager (restart delay)
      if ((this.status.State === 'ready' || this.status.State === 'starting') && !this.healthWatch) {
        this.setStatus('starting');
        await this.executor.start(this.task);
        // On its networks before anything runs there (a container's namespace exists from its start).
        if (this.networks && !(await this.networks.attach(this.task))) throw new Error('the task\'s network namespace is gone: it cannot join its networks');
        agentTaskStarts.inc({ outcome: 'started' });
        // With a health check the task stays STARTING until healthy (moby's executor waits in Start).
        if (await this.executor.health?.(this.task)) {
          this.watchExit();
          this.watchHealth();
          return;
        }
        await this.reportRunning();
        this.watchExit();
      }
    } catch (err) {
      const msg = errText(err);
      this.log.warn({ task: this.task.ID, err: msg }, 'task failed to start');
      const before = this.status.State;
      agentTaskStarts.inc({ outcome: 'failed' });
      if (taskStateRank(before) < taskStateRank('starting')) this.setStatus('rejected', { Err: msg });
      else this.setStatus('failed', { Err: msg });
    }
  }

  private async reportRunning() {
    const rt = await this.executor.inspect(this.task);
    this.setStatus('running', {
      ContainerStatus: { ContainerID: rt?.containerId, PID: rt?.pid ?? 0, ExitCode: 0 },
      ...ports(rt),
    });
  }

  /**
   * Follows the task's health while it runs: healthy moves STARTING to
   * RUNNING; unhealthy stops the task, which then fails with Docker's cause.
   */
  private watchHealth() {
    if (this.healthWatch) return;
    this.healthWatch = true;
    const poll = async () => {
      while (!this.removed && !isTerminal(this.status.State) && !stopRequested(this.task.DesiredState)) {
        const h = await this.executor.health?.(this.task).catch(() => 'starting' as const);
        if (h === undefined) { // no health check after all
          if (this.status.State === 'starting') await this.reportRunning();
          return;
        }
        if (h === 'healthy' && this.status.State === 'starting') await this.reportRunning();
        if (h === 'unhealthy') {
          this.unhealthy = true;
          await this.executor.shutdown(this.task, this.graceMs());
          return; // watchExit reports the end
        }
        await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
      }
    };
    void poll().catch((err) => this.log.warn({ task: this.task.ID, err: errText(err) }, 'health watch failed'))
      .finally(() => { this.healthWatch = false; });
  }

  private watchExit() {
    if (this.waiting) return;
    this.waiting = true;
    void this.executor.wait(this.task).then(
      async ({ exitCode, error }) => {
        this.waiting = false;
        if (this.removed || isTerminal(this.status.State)) return;
        const rt = await this.executor.inspect(this.task).catch(() => undefined);
        this.exited(exitCode, error, rt?.containerId ?? this.status.ContainerStatus?.ContainerID);
      },
      (err) => {
        this.waiting = false;
        if (!this.removed && !isTerminal(this.status.State)) this.exited(-1, String(err?.message ?? err), undefined);
      },
    );
  }

  private exited(exitCode: number, error: string | undefined, containerId: string | undefined) {
    const shuttingDown = stopRequested(this.task.DesiredState);
    const cs = { ContainerID: containerId ?? this.status.ContainerStatus?.ContainerID, PID: 0, ExitCode: exitCode };
    if (shuttingDown) this.setStatus('shutdown', { ContainerStatus: cs });
    else if (exitCode === 0 && !error) this.setStatus('complete', { ContainerStatus: cs });
    else if (this.unhealthy && exitCode !== 0) this.setStatus('failed', { ContainerStatus: cs, Err: `task: non-zero exit (${exitCode}): ${UNHEALTHY}` });
    else this.setStatus('failed', { ContainerStatus: cs, Err: error ?? `task: non-zero exit (${exitCode})` });
  }

  private setStatus(state: TaskState, extra: Partial<TaskStatus> = {}) {
    if (taskStateRank(state) < taskStateRank(this.status.State)) return;
    const message = state === 'failed' && extra.Err ? MESSAGES.failed : MESSAGES[state] ?? state;
    this.status = {
      Timestamp: isoNano(this.clock.now()),
      State: state,
      Message: message,
      ...(this.status.PortStatus ? { PortStatus: this.status.PortStatus } : {}),
      ...(this.status.Endpoints ? { Endpoints: this.status.Endpoints } : {}),
      ...extra,
    };
    this.task = { ...this.task, Status: this.status };
    this.report(this.task.ID, this.status);
  }
}

/** A job's task is desired 'complete': it runs until it exits, like one desired 'running'. */
const runRequested = (d: TaskState) => d === 'running' || d === 'complete';
const stopRequested = (d: TaskState) => taskStateRank(d) > taskStateRank('running') && d !== 'complete';

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ports(rt: RuntimeStatus | undefined): Partial<TaskStatus> {
  const out: Partial<TaskStatus> = {};
  if (rt?.hostPorts?.length) out.PortStatus = { Ports: rt.hostPorts };
  if (rt?.endpoints?.length) out.Endpoints = rt.endpoints;
  return out;
}
