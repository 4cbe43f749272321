import { isoNano } from '../../clock.js';
import type { NodeDescription, Task } from '../../types/objects.js';
import type { Executor, LogLine, LogOptions, RuntimeStatus, RuntimeTask } from '../executor.js';
import { machineFacts, type HostFacts } from '../host-facts.js';

interface SimContainer {
  id: string;
  running: boolean;
  started: boolean;
  exitCode?: number;
  startedAt?: string;
  waiters: ((r: { exitCode: number }) => void)[];
  timer?: NodeJS.Timeout;
}

export interface SimOptions {
  hostname?: string;
  /** Time a start takes (ms). */
  startDelayMs?: number;
  nanoCPUs?: number;
  memoryBytes?: number;
}

/** Per-task behaviour from container labels: exit after N ms with a code, or fail to start. */
function behaviour(t: Task) {
  const l = t.Spec.ContainerSpec?.Labels ?? {};
  return {
    exitAfterMs: l['tswarm.sim.exit-after'] !== undefined ? Number(l['tswarm.sim.exit-after']) : undefined,
    exitCode: Number(l['tswarm.sim.exit-code'] ?? 0),
    failStart: l['tswarm.sim.fail-start'],
  };
}

/**
 * Simulated containers: no processes, only state. Cheap enough for
 * thousands of nodes in one daemon (benchmarks) and for tests.
 */
export class SimExecutor implements Executor {
  readonly name = 'sim' as const;
  private containers = new Map<string, SimContainer>();
  private seq = 0;

  constructor(private opts: SimOptions = {}) {}

  async describe(): Promise<NodeDescription> {
    return {
      Hostname: this.opts.hostname ?? 'sim',
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: this.opts.nanoCPUs ?? 4e9, MemoryBytes: this.opts.memoryBytes ?? 8 * 2 ** 30 },
      Engine: { EngineVersion: 'tswarm-sim', Labels: {}, Plugins: [] },
    };
  }

  async prepare(t: Task): Promise<void> {
    if (this.containers.has(t.ID)) return;
    this.containers.set(t.ID, { id: `sim${(++this.seq).toString(16).padStart(12, '0')}`, running: false, started: false, waiters: [] });
  }

  async start(t: Task): Promise<void> {
    const c = this.get(t);
    const b = behaviour(t);
    if (b.failStart) throw new Error(b.failStart);
    if (this.opts.startDelayMs) await new Promise((r) => setTimeout(r, this.opts.startDelayMs));
    c.running = true;
    c.started = true;
    c.startedAt = isoNano(Date.now());
    if (b.exitAfterMs !== undefined) c.timer = setTimeout(() => this.exit(c, b.exitCode), b.exitAfterMs);
  }

  wait(t: Task): Promise<{ exitCode: number; error?: string }> {
    const c = this.get(t);
    if (!c.running && c.started) return Promise.resolve({ exitCode: c.exitCode ?? 0 });
    return new Promise((r) => c.waiters.push(r));
  }

  async inspect(t: Task): Promise<RuntimeStatus | undefined> {
    const c = this.containers.get(t.ID);
    if (!c) return undefined;
    return { containerId: c.id, running: c.running, exitCode: c.exitCode, endpoints: [] };
  }

  async shutdown(t: Task): Promise<void> {
    const c = this.containers.get(t.ID);
    if (c?.running) this.exit(c, 137);
  }

  async remove(t: Task): Promise<void> {
    const c = this.containers.get(t.ID);
    if (!c) return;
    if (c.running) this.exit(c, 137);
    this.containers.delete(t.ID);
  }

  async *logs(t: Task, opts: LogOptions): AsyncIterable<LogLine> {
    const c = this.containers.get(t.ID);
    if (!c?.startedAt || opts.stdout === false) return;
    yield { stream: 'stdout', timestamp: c.startedAt, line: `sim task ${t.ID} started` };
  }

  async list(): Promise<RuntimeTask[]> {
    return [...this.containers].map(([taskId, c]) => ({ taskId, containerId: c.id, running: c.running }));
  }

  /** The simulated node's resources, its simulated containers. */
  async hostFacts(): Promise<HostFacts> {
    const f = await machineFacts(await this.list());
    return { ...f, ncpu: (this.opts.nanoCPUs ?? 4e9) / 1e9, memTotal: this.opts.memoryBytes ?? 8 * 2 ** 30 };
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) clearTimeout(c.timer);
  }

  private get(t: Task): SimContainer {
    const c = this.containers.get(t.ID);
    if (!c) throw new Error(`No such container: task ${t.ID}`);
    return c;
  }

  private exit(c: SimContainer, code: number) {
    clearTimeout(c.timer);
    c.running = false;
    c.exitCode = code;
    for (const w of c.waiters.splice(0)) w({ exitCode: code });
  }
}
