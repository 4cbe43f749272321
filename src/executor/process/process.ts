import { spawn } from 'node:child_process';
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
import { openLogSink, readStampedLine, releaseLogSink, sinkStdio } from './log-stamp.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const POLL_MS = 100;
/** How long a task's end waits for its log stampers (a process it left that still holds its output keeps them open). */
const STAMPER_DRAIN_MS = 1000;
const EXITED_BEFORE_READ = 'exited';

/** What survives a daemon restart about a task's process. */
interface Meta {
  taskId: string;
  pid?: number;
  startTime?: string;
  endpoints: RuntimeStatus['endpoints'];
  hostPorts: RuntimeStatus['hostPorts'];
  env: string[];
  /** The log stampers (pid and start time): a task's end waits for them to store its last lines. */
  stampers?: [number, string][];
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
    // Each line is stored with the time it was written (the stampers outlive the daemon like the task).
    const user = cs.User ? resolveUser(cs.User) : undefined;
    // The wrapper records the exit code where a restarted daemon can read it.
    const wrapper = ['/bin/sh', '-c', '"$@"; echo $? > "$TSWARM_EXIT_FILE"', 'sh', ...argv];
    // As root each task gets its own mount namespace (its bind mounts: secrets, configs), and drops to its user there.
    const ns = await inOwnMountNamespace(t, wrapper, user, join(dir, 'mnt'));
    // On overlay networks the command runs in the task's network namespace: nsenter execs it (same pid),
    // dropping to the user after setns when no mount namespace does it.
    const netns = onOverlay(t) ? ['nsenter', `--net=${this.netnsPath(t)}`, ...(user && !ns ? ['-S', String(user.uid), '-G', String(user.gid)] : [])] : [];
    const cmd = [...netns, ...(ns ?? wrapper)];
    // Each line is stored with the time it was written (the stampers outlive the daemon like the task).
    const out = await openLogSink(join(dir, 'stdout.log'));
    const err = await openLogSink(join(dir, 'stderr.log')).catch((e: unknown) => { releaseLogSink(out); throw e; });
    let child;
    try {
      child = spawn(cmd[0], cmd.slice(1), {
        cwd, detached: true, stdio: ['ignore', sinkStdio(out), sinkStdio(err)],
        env: { PATH, HOME: '/root', HOSTNAME: hostname(), ...envMap(m.env), ...envMap(cs.Env ?? []), TSWARM_EXIT_FILE: join(dir, 'exit') },
        ...(user && !ns && !netns.length ? { uid: user.uid, gid: user.gid } : {}),
      });
    } finally {
      // Only the task holds the write ends now: the stampers end with it.
      releaseLogSink(out);
      releaseLogSink(err);
    }
    const spawned = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', reject);
    });
    child.unref();
    child.on('exit', () => undefined); // reap; the exit file has the code
    // A command that already ended has no start time left to read; the
    // marker never matches a live process, so wait() goes to the exit file.
    const startTime = procStartTime(spawned) ?? EXITED_BEFORE_READ;
    const stampers = [out, err].flatMap((x) => (x.kind === 'stamper' && x.child.pid ? [x.child.pid] : []))
      .flatMap((pid) => { const st = procStartTime(pid); return st ? [[pid, st] as [number, string]] : []; });
    await this.saveMeta({ ...m, pid: spawned, startTime, stampers });
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
    // The task ends with its main process: what it left in its group goes too. Unless its PID is another
    // process's now: then its group is empty (a group's ID is not reused while it has members) and -PID
    // could be that process's group (after a daemon restart the task may have ended long ago).
    if (procStartTime(m.pid) === undefined) {
      try { process.kill(-m.pid, 'SIGKILL'); } catch { /* group already empty */ }
    }
    // Its last lines are stored before its end is told (a stamper ends once nothing holds the task's output open).
    const end = Date.now() + STAMPER_DRAIN_MS;
    while ((m.stampers ?? []).some(([pid, st]) => alive(pid, st)) && Date.now() < end) await sleep(10);
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
    const sinceNs = opts.since === undefined ? undefined : BigInt(Math.round(opts.since * 1e6));
    const untilNs = opts.until === undefined ? undefined : BigInt(Math.round(opts.until * 1e6));
    // Docker's json-file reader: the last --tail lines, of which those within --since/--until by each line's own time.
    const inWindow = (l: { nanos?: bigint }) => l.nanos === undefined || ((sinceNs === undefined || l.nanos >= sinceNs) && (untilNs === undefined || l.nanos <= untilNs));
    const read = async (s: 'stdout' | 'stderr') => {
      const { lines, next } = await readLog(join(dir, `${s}.log`), offsets.get(s) ?? 0);
      offsets.set(s, next);
      return lines.map((l) => ({ stream: s, timestamp: l.timestamp, line: l.line, nanos: l.nanos }));
    };
    const all = (await Promise.all(streams.map(read))).flat();
    // The two files merged by time, as one json-file holds both streams.
    all.sort((a, b) => (a.nanos === undefined || b.nanos === undefined ? 0 : a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0));
    const tail = opts.tail === undefined ? all : opts.tail <= 0 ? [] : all.slice(-opts.tail);
    for (const l of tail.filter(inWindow)) yield { stream: l.stream, timestamp: l.timestamp, line: l.line };
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      await sleep(200);
      // Whether it still runs is read before the files, so the lines it wrote last are read once more after its end.
      const m = await this.meta(t);
      const running = !!(m?.pid && m.startTime && alive(m.pid, m.startTime));
      for (const s of streams) for (const l of (await read(s)).filter(inWindow)) yield { stream: l.stream, timestamp: l.timestamp, line: l.line };
      if (!running) return;
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

/**
 * The whole lines of a log file from byte offset `from` (a line still being
 * written waits for the next read), each with its own time; `next` is the
 * offset after the last whole line.
 */
async function readLog(path: string, from: number): Promise<{ lines: { timestamp: string; nanos?: bigint; line: string }[]; next: number }> {
  try {
    const st = await stat(path);
    if (st.size <= from) return { lines: [], next: Math.min(from, st.size) };
    const buf = await readFile(path);
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end <= from) return { lines: [], next: from };
    const fallback = isoNano(st.mtimeMs);
    const text = buf.subarray(from, end).toString('utf8');
    return { lines: text.slice(0, -1).split('\n').map((raw) => readStampedLine(raw, fallback)), next: end };
  } catch {
    return { lines: [], next: from };
  }
}
