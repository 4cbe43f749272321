import { spawn, type SpawnOptions } from 'node:child_process';
import type { HealthConfig } from '../../types/objects.js';
import type { HealthStatus } from '../executor.js';

/** Docker's defaults for a health check's unset fields. */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;

/** The command a health check runs (["CMD", …] as is, ["CMD-SHELL", cmd] through /bin/sh -c), or none. */
export function healthArgv(hc: HealthConfig | undefined): string[] | undefined {
  const test = hc?.Test;
  if (!test?.length || test[0] === 'NONE') return undefined;
  if (test[0] === 'CMD') return test.length > 1 ? test.slice(1) : undefined;
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return undefined;
}

const ms = (ns: number | undefined, dflt: number) => (ns ? ns / 1e6 : dflt);

/**
 * Runs a task's health check as Docker's daemon does: every Interval (the
 * first one Interval after start), each run killed after Timeout; a pass
 * makes the task healthy, Retries failures in a row unhealthy, and failures
 * within StartPeriod do not count (a pass there still counts).
 */
export class HealthProbe {
  status: HealthStatus = 'starting';
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly startedAt = Date.now();

  constructor(private hc: HealthConfig, private argv: string[], private opts: SpawnOptions) {
    this.schedule();
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => { this.check().catch(() => this.schedule()); }, ms(this.hc.Interval, DEFAULT_INTERVAL_MS));
    this.timer.unref();
  }

  private async check() {
    const ok = await this.runOnce();
    if (this.stopped) return;
    if (ok) {
      this.failures = 0;
      this.status = 'healthy';
    } else if (Date.now() - this.startedAt >= ms(this.hc.StartPeriod, 0)) {
      this.failures++;
      if (this.failures >= (this.hc.Retries || DEFAULT_RETRIES)) this.status = 'unhealthy';
    }
    this.schedule();
  }

  /** One run of the check: exit 0 within the timeout passes. */
  private runOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(this.argv[0], this.argv.slice(1), { ...this.opts, stdio: 'ignore', detached: true });
      const timeout = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, ms(this.hc.Timeout, DEFAULT_TIMEOUT_MS));
      child.once('error', () => { clearTimeout(timeout); resolve(false); });
      child.once('exit', (code) => { clearTimeout(timeout); resolve(code === 0); });
    });
  }
}
