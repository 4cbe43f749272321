import type { Executor, LogLine, LogOptions, RuntimeStatus, RuntimeTask } from '../../executor/executor.js';
import { logger } from '../../log.js';
import type { Mount, NodeDescription, Task } from '../../types/objects.js';
import type { TaskFiles } from './task-files.js';
import { expandTask } from '../../template/task-template.js';

const log = logger('task-files');

function withMounts(t: Task, mounts: Mount[]): Task {
  if (mounts.length === 0) return t;
  const cs = t.Spec.ContainerSpec ?? {};
  return { ...t, Spec: { ...t.Spec, ContainerSpec: { ...cs, Mounts: [...(cs.Mounts ?? []), ...mounts] } } };
}

/**
 * An executor that gives each task its container spec's templates expanded
 * for this node (Env, Hostname, mounts: src/agent/task-template.ts) and its
 * secrets and configs: written to the
 * task's memory-backed directory before the runtime object is made, shown
 * to the task as read-only bind mounts (the docker engine's Mounts; the
 * process executor's own mount namespace), and removed when the task ends.
 */
export class FilesExecutor implements Executor {
  // The inner executor's optional abilities, passed through only when it has them (callers test for their presence).
  health?: Executor['health'];
  networkNamespace?: Executor['networkNamespace'];
  hostFacts?: Executor['hostFacts'];

  private swept = false;
  private readonly startedAt = Date.now();

  constructor(private inner: Executor, private files: TaskFiles, private node: () => NodeDescription | undefined = () => undefined) {
    if (inner.health) this.health = (t) => inner.health!(t);
    if (inner.networkNamespace) this.networkNamespace = (t) => inner.networkNamespace!(t);
    if (inner.hostFacts) this.hostFacts = () => inner.hostFacts!();
  }

  get name() { return this.inner.name; }
  describe(): Promise<NodeDescription> { return this.inner.describe(); }

  async prepare(t: Task): Promise<void> {
    // Payload templates read the spec as sent ({{env "X"}} sees the unexpanded value, as swarmkit's).
    const mounts = await this.files.materialize(t);
    await this.inner.prepare(withMounts(expandTask(t, this.node()), mounts));
  }

  start(t: Task): Promise<void> { return this.inner.start(withMounts(expandTask(t, this.node()), this.files.mountsOf(t))); }

  async wait(t: Task, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    const r = await this.inner.wait(t, signal);
    await this.release(t);
    return r;
  }

  inspect(t: Task): Promise<RuntimeStatus | undefined> { return this.inner.inspect(t); }

  async shutdown(t: Task, graceMs: number): Promise<void> {
    await this.inner.shutdown(t, graceMs);
    await this.release(t);
  }

  async remove(t: Task): Promise<void> {
    await this.inner.remove(t);
    await this.release(t);
  }

  logs(t: Task, opts: LogOptions): AsyncIterable<LogLine> { return this.inner.logs(t, opts); }
  /**
   * The runtime's tasks. The first listing (the agent's at start) also sweeps
   * what an earlier run of the daemon left: files of tasks that no longer run.
   */
  async list(): Promise<RuntimeTask[]> {
    const known = await this.inner.list();
    if (!this.swept) {
      this.swept = true;
      const keep = new Set(known.filter((k) => k.running).map((k) => k.taskId));
      const swept = await this.files.sweep(keep, this.startedAt).catch((err) => { log.warn({ err: String(err) }, 'sweeping old task files failed'); return []; });
      if (swept.length) log.info({ tasks: swept }, 'removed secret files left by an earlier run');
    }
    return known;
  }
  async close(): Promise<void> { await this.inner.close?.(); }

  private async release(t: Task) {
    await this.files.release(t.ID).catch((err) => log.warn({ err: String(err), task: t.ID }, 'removing the task\'s secret files failed'));
  }
}
