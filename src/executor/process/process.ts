import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, cpus, totalmem, arch } from 'node:os';
import { join } from 'node:path';
import { isoNano } from '../../clock.js';
import type { NodeDescription, Task } from '../../types/objects.js';
import type { Executor, HealthStatus, LogLine, LogOptions, RuntimeStatus, RuntimeTask } from '../executor.js';
import { PROCESS_ENGINE } from '../../types/executors.js';
import { HealthProbe, healthArgv } from './health.js';
import { assignPorts } from './ports.js';
import { alive, procStartTime, resolveUser } from './proc.js';
import { makeTaskNetns, removeTaskNetns, taskNetnsExists } from './netns.js';
import { onOverlay } from '../../network/overlay/attachments.js';
import { inOwnMountNamespace } from './task-command.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const POLL_MS = 100;
const EXITED_BEFORE_READ = 'exited';

/** What survives a daemon restart about a task's process. */
interface Meta {
  taskId: string;
  pid?: number;
  startTime?: string;
  endpoints: RuntimeStatus['endpoints'];
  hostPorts: RuntimeStatus['hostPorts'];
  env: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs each task's command as a host process in its own process group, with
 * output in files and the exit code written by a wrapping shell, so a
 * restarted daemon finds its tasks (pid + kernel start time) and their ends.
 */
export class ProcessExecutor implements Executor {
  readonly name = 'process' as const;

  /** Health checks of the tasks running here (started with the task, or on the first question after a restart). */
  private probes = new Map<string, HealthProbe>();

  constructor(private stateDir: string) {}

  private dir(t: Task | string) { return join(this.stateDir, 'tasks', typeof t === 'string' ? t : t.ID); }

  async describe(): Promise<NodeDescription> {
    return {
      Hostname: hostname(),
      Platform: { Architecture: arch() === 'x64' ? 'x86_64' : arch(), OS: 'linux' },
      Resources: { NanoCPUs: cpus().length * 1e9, MemoryBytes: totalmem() },
      Engine: { EngineVersion: PROCESS_ENGINE, Labels: {}, Plugins: [] },
    };
  }

  private async meta(t: Task | string): Promise<Meta | undefined> {
    try { return JSON.parse(await readFile(join(this.dir(t), 'meta.json'), 'utf8')) as Meta; } catch { return undefined; }
  }
  private async saveMeta(m: Meta) {
    const p = join(this.dir(m.taskId), 'meta.json');
    await writeFile(p + '.tmp', JSON.stringify(m));
    await rename(p + '.tmp', p);
  }

  async prepare(t: Task): Promise<void> {
    if (await this.meta(t)) return;
    const cs = t.Spec.ContainerSpec ?? {};
    if (!(cs.Command?.length || cs.Args?.length)) throw new Error('no command specified: the process executor runs the task\'s command');
    if (cs.User) resolveUser(cs.User);
    await mkdir(this.dir(t), { recursive: true });
    if (onOverlay(t)) {
      // Published ports are host ports of host processes; a task in its own namespace could not answer them.
      if (t.Endpoint?.Ports?.length) throw new Error('the process executor cannot publish ports of a task on an overlay network');
      await makeTaskNetns(this.netnsPath(t));
    }
    const ports = await assignPorts(t);
    await this.saveMeta({ taskId: t.ID, endpoints: ports.endpoints, hostPorts: ports.hostPorts, env: ports.env });
  }

  async start(t: Task): Promise<void> {
    const m = await this.meta(t);
    if (!m) throw new Error(`No such container: ${t.ID}`);
    if (m.pid && m.startTime && alive(m.pid, m.startTime)) return;
    const cs = t.Spec.ContainerSpec ?? {};
    const argv = [...(cs.Command ?? []), ...(cs.Args ?? [])];
    const dir = this.dir(t);
    const cwd = cs.Dir || dir;
    await mkdir(cwd, { recursive: true });
    await rm(join(dir, 'exit'), { force: true });
    const out = openSync(join(dir, 'stdout.log'), 'a');
    const err = openSync(join(dir, 'stderr.log'), 'a');
    const user = cs.User ? resolveUser(cs.User) : undefined;
    // The wrapper records the exit code where a restarted daemon can read it.
    const wrapper = ['/bin/sh', '-c', '"$@"; echo $? > "$TSWARM_EXIT_FILE"', 'sh', ...argv];
    // As root each task gets its own mount namespace (its bind mounts: secrets, configs), and drops to its user there.
    const ns = await inOwnMountNamespace(t, wrapper, user, join(dir, 'mnt'));
    // On overlay networks the command runs in the task's network namespace: nsenter execs it (same pid),
    // dropping to the user after setns when no mount namespace does it.
    const netns = onOverlay(t) ? ['nsenter', `--net=${this.netnsPath(t)}`, ...(user && !ns ? ['-S', String(user.uid), '-G', String(user.gid)] : [])] : [];
    const cmd = [...netns, ...(ns ?? wrapper)];
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd, detached: true, stdio: ['ignore', out, err],
      env: { PATH, HOME: '/root', HOSTNAME: hostname(), ...envMap(m.env), ...envMap(cs.Env ?? []), TSWARM_EXIT_FILE: join(dir, 'exit') },
      ...(user && !ns && !netns.length ? { uid: user.uid, gid: user.gid } : {}),
    });
    closeSync(out);
    closeSync(err);
    const spawned = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    });
    child.unref();
    child.on('exit', () => undefined); // reap; the exit file has the code
    // A command that already ended has no start time left to read; the
    // marker never matches a live process, so wait() goes to the exit file.
    const startTime = procStartTime(spawned) ?? EXITED_BEFORE_READ;
    await this.saveMeta({ ...m, pid: spawned, startTime });
    await writeFile(join(dir, 'started'), isoNano(Date.now()));
    this.startProbe(t, m);
  }

  /** The task's health check runs as the task would: its env, directory and user. */
  private startProbe(t: Task, m: Meta): HealthProbe | undefined {
    const cs = t.Spec.ContainerSpec ?? {};
    const argv = healthArgv(cs.HealthCheck);
    if (!argv) return undefined;
    this.probes.get(t.ID)?.stop();
    const user = cs.User ? resolveUser(cs.User) : undefined;
    const probe = new HealthProbe(cs.HealthCheck!, argv, {
      cwd: cs.Dir || this.dir(t),
      env: { PATH, HOME: '/root', HOSTNAME: hostname(), ...envMap(m.env), ...envMap(cs.Env ?? []) },
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    this.probes.set(t.ID, probe);
    return probe;
  }

  async health(t: Task): Promise<HealthStatus | undefined> {
    if (!healthArgv(t.Spec.ContainerSpec?.HealthCheck)) return undefined;
    const probe = this.probes.get(t.ID);
    if (probe) return probe.status;
    const m = await this.meta(t);
    if (!m?.pid || !m.startTime || !alive(m.pid, m.startTime)) return 'starting';
    return this.startProbe(t, m)?.status;
  }

  private stopProbe(t: Task) {
    this.probes.get(t.ID)?.stop();
    this.probes.delete(t.ID);
  }

  async wait(t: Task, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    const m = await this.meta(t);
    if (!m?.pid || !m.startTime) return { exitCode: -1, error: 'task was never started' };
    while (alive(m.pid, m.startTime)) {
      if (signal?.aborted) throw new Error('aborted');
      await sleep(POLL_MS);
    }
    // The task ends with its main process: what it left in its group goes too.
    try { process.kill(-m.pid, 'SIGKILL'); } catch { /* group already empty */ }
    this.stopProbe(t);
    return { exitCode: await this.exitCode(t) };
  }

  /** The code the wrapper wrote; a process killed by a signal never writes it. */
  private async exitCode(t: Task): Promise<number> {
    try { return Number((await readFile(join(this.dir(t), 'exit'), 'utf8')).trim()); } catch { return 137; }
  }

  async inspect(t: Task): Promise<RuntimeStatus | undefined> {
    const m = await this.meta(t);
    if (!m) return undefined;
    const running = !!(m.pid && m.startTime && alive(m.pid, m.startTime));
    return {
      containerId: `process-${t.ID}`, running, pid: running ? m.pid : 0,
      exitCode: running || !m.pid ? undefined : await this.exitCode(t),
      endpoints: m.endpoints, hostPorts: m.hostPorts,
    };
  }

  async shutdown(t: Task, graceMs: number): Promise<void> {
    const m = await this.meta(t);
    if (!m?.pid || !m.startTime || !alive(m.pid, m.startTime)) return;
    const sig = (t.Spec.ContainerSpec?.StopSignal as NodeJS.Signals | undefined) ?? 'SIGTERM';
    try { process.kill(-m.pid, sig); } catch { /* already gone */ }
    const end = Date.now() + graceMs;
    while (alive(m.pid, m.startTime) && Date.now() < end) await sleep(POLL_MS);
    if (alive(m.pid, m.startTime)) {
      try { process.kill(-m.pid, 'SIGKILL'); } catch { /* gone */ }
      while (alive(m.pid, m.startTime)) await sleep(20);
    }
  }

  async remove(t: Task): Promise<void> {
    this.stopProbe(t);
    await this.shutdown(t, 0);
    await removeTaskNetns(this.netnsPath(t));
    await rm(this.dir(t), { recursive: true, force: true });
  }

  async *logs(t: Task, opts: LogOptions): AsyncIterable<LogLine> {
    const dir = this.dir(t);
    const streams = (['stdout', 'stderr'] as const).filter((s) => opts[s] !== false);
    const offsets = new Map<string, number>();
    const lines: LogLine[] = [];
    for (const s of streams) {
      const { text, size, mtime } = await readLog(join(dir, `${s}.log`), 0);
      offsets.set(s, size);
      for (const line of splitLines(text)) lines.push({ stream: s, timestamp: mtime, line });
    }
    const tail = opts.tail === undefined ? lines : opts.tail <= 0 ? [] : lines.slice(-opts.tail);
    yield* tail;
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      await sleep(200);
      for (const s of streams) {
        const { text, size, mtime } = await readLog(join(dir, `${s}.log`), offsets.get(s)!);
        if (size === offsets.get(s)) continue;
        offsets.set(s, size);
        for (const line of splitLines(text)) yield { stream: s, timestamp: mtime, line };
      }
      const m = await this.meta(t);
      if (!m?.pid || !m.startTime || !alive(m.pid, m.startTime)) return;
    }
  }

  private netnsPath(t: Task) { return join(this.dir(t), 'netns'); }

  async networkNamespace(t: Task): Promise<string | undefined> {
    const p = this.netnsPath(t);
    return (await taskNetnsExists(p)) ? p : undefined;
  }

  async list(): Promise<RuntimeTask[]> {
    const ids = await readdir(join(this.stateDir, 'tasks')).catch(() => [] as string[]);
    const out: RuntimeTask[] = [];
    for (const id of ids) {
      const m = await this.meta(id);
      if (m) out.push({ taskId: id, containerId: `process-${id}`, running: !!(m.pid && m.startTime && alive(m.pid, m.startTime)) });
    }
    return out;
  }
}

function envMap(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

function splitLines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** The file's bytes from offset; the timestamp is the file's last write (lines carry none). */
async function readLog(path: string, from: number): Promise<{ text: string; size: number; mtime: string }> {
  try {
    const st = await stat(path);
    if (st.size <= from) return { text: '', size: st.size, mtime: isoNano(st.mtimeMs) };
    const buf = await readFile(path);
    return { text: buf.subarray(from).toString('utf8'), size: buf.length, mtime: isoNano(st.mtimeMs) };
  } catch {
    return { text: '', size: from, mtime: isoNano(Date.now()) };
  }
}
