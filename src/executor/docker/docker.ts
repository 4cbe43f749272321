import { isoNano } from '../../clock.js';
import type { NodeDescription, Task } from '../../types/objects.js';
import type { Executor, HealthStatus, LogLine, LogOptions, RuntimeStatus, RuntimeTask } from '../executor.js';
import type { HostFacts } from '../host-facts.js';
import { LABEL_TASK, containerConfig, containerName } from './container-config.js';
import { EngineClient, EngineError } from './engine-client.js';
import { ensureGwBridge } from './gwbridge.js';
import { onOverlay } from '../../network/overlay/attachments.js';

interface Inspect {
  Id: string;
  State: { Running: boolean; ExitCode: number; Pid: number; Error: string; Health?: { Status: string } };
  Config?: { Healthcheck?: { Test?: string[] } };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }>; Ports?: Record<string, { HostPort: string }[] | null> };
}

const gone = (e: unknown) => e instanceof EngineError && (e.status === 404 || e.status === 304);

/** Runs tasks as containers of a Docker engine, found again by their task label. */
export class DockerExecutor implements Executor {
  readonly name = 'docker' as const;
  readonly engine: EngineClient;

  constructor(socketPath: string) {
    this.engine = new EngineClient(socketPath);
  }

  async describe(): Promise<NodeDescription> {
    const info = await this.engine.call<Record<string, any>>('GET', '/info');
    return {
      Hostname: info.Name,
      Platform: { Architecture: info.Architecture, OS: info.OSType },
      Resources: { NanoCPUs: info.NCPU * 1e9, MemoryBytes: info.MemTotal },
      Engine: { EngineVersion: info.ServerVersion, Labels: {}, Plugins: [] },
    };
  }

  async hostFacts(): Promise<HostFacts> {
    const i = await this.engine.call<Record<string, any>>('GET', '/info');
    return {
      containers: i.Containers, running: i.ContainersRunning, paused: i.ContainersPaused, stopped: i.ContainersStopped,
      images: i.Images, ncpu: i.NCPU, memTotal: i.MemTotal, kernelVersion: i.KernelVersion,
      operatingSystem: i.OperatingSystem, osVersion: i.OSVersion ?? '', driver: i.Driver, dockerRootDir: i.DockerRootDir,
    };
  }

  /** The task's container, by name (the label is the same). */
  private async find(t: Task): Promise<Inspect | undefined> {
    try { return await this.engine.call<Inspect>('GET', `/containers/${containerName(t)}/json`); } catch (e) {
      if (gone(e)) return undefined;
      throw e;
    }
  }

  async prepare(t: Task): Promise<void> {
    if (onOverlay(t)) await ensureGwBridge(this.engine);
    // No lookup first: a container that exists already (a restarted agent) answers 409.
    try {
      await this.engine.call('POST', `/containers/create?name=${encodeURIComponent(containerName(t))}`, containerConfig(t));
    } catch (e) {
      if (e instanceof EngineError && e.status === 409) return; // created meanwhile
      throw e;
    }
  }

  async start(t: Task): Promise<void> {
    try { await this.engine.call('POST', `/containers/${containerName(t)}/start`); } catch (e) {
      if (e instanceof EngineError && e.status === 304) return;
      throw e;
    }
  }

  async wait(t: Task, signal?: AbortSignal): Promise<{ exitCode: number; error?: string }> {
    const r = await this.engine.call<{ StatusCode: number; Error?: { Message: string } | null }>('POST', `/containers/${containerName(t)}/wait?condition=not-running`, undefined, signal);
    return { exitCode: r.StatusCode, ...(r.Error?.Message ? { error: r.Error.Message } : {}) };
  }

  async inspect(t: Task): Promise<RuntimeStatus | undefined> {
    const c = await this.find(t);
    if (!c) return undefined;
    const ip = c.NetworkSettings?.IPAddress || Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress;
    const hostPorts: NonNullable<RuntimeStatus['hostPorts']> = [];
    for (const [key, binds] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
      const [port, proto] = key.split('/');
      if (binds?.[0]) hostPorts.push({ Protocol: proto as 'tcp', TargetPort: Number(port), PublishedPort: Number(binds[0].HostPort), PublishMode: 'host' });
    }
    return {
      containerId: c.Id, running: c.State.Running, exitCode: c.State.Running ? undefined : c.State.ExitCode, pid: c.State.Pid,
      ...(c.State.Error ? { error: c.State.Error } : {}),
      hostPorts: hostPorts.filter((h) => (t.Endpoint?.Ports ?? []).some((p) => p.PublishMode === 'host' && p.TargetPort === h.TargetPort)),
      endpoints: ip ? (t.Endpoint?.Ports ?? []).map((p) => ({ TargetPort: p.TargetPort!, Protocol: p.Protocol ?? 'tcp', Addr: `${ip}:${p.TargetPort}` })) : [],
    };
  }

  /** The engine's health status of the container (its own health check or the image's), as moby's executor reads it. */
  async health(t: Task): Promise<HealthStatus | undefined> {
    const c = await this.find(t);
    const test = c?.Config?.Healthcheck?.Test;
    if (!c || !test?.length || test[0] === 'NONE') return undefined;
    const st = c.State.Health?.Status;
    return st === 'healthy' || st === 'unhealthy' ? st : 'starting';
  }

  async shutdown(t: Task, graceMs: number): Promise<void> {
    try { await this.engine.call('POST', `/containers/${containerName(t)}/stop?t=${Math.ceil(graceMs / 1000)}`); } catch (e) {
      if (!gone(e)) throw e;
    }
  }

  async remove(t: Task): Promise<void> {
    try { await this.engine.call('DELETE', `/containers/${containerName(t)}?force=1&v=1`); } catch (e) {
      if (!gone(e)) throw e;
    }
  }

  async *logs(t: Task, opts: LogOptions): AsyncIterable<LogLine> {
    const tail = opts.tail === undefined ? 'all' : String(opts.tail);
    const since = opts.since ? `&since=${Math.floor(opts.since / 1000)}` : '';
    const res = await this.engine.stream('GET', `/containers/${containerName(t)}/logs?stdout=${opts.stdout !== false ? 1 : 0}&stderr=${opts.stderr !== false ? 1 : 0}&timestamps=1&follow=${opts.follow ? 1 : 0}&tail=${tail}${since}`, undefined, opts.signal);
    if ((res.statusCode ?? 500) >= 400) { res.resume(); return; }
    const tty = !!t.Spec.ContainerSpec?.TTY;
    let buf = Buffer.alloc(0);
    const partial = { stdout: '', stderr: '' };
    for await (const chunk of res) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      const frames: { stream: 'stdout' | 'stderr'; text: string }[] = [];
      if (tty) { frames.push({ stream: 'stdout', text: buf.toString('utf8') }); buf = Buffer.alloc(0); }
      else {
        while (buf.length >= 8) {
          const len = buf.readUInt32BE(4);
          if (buf.length < 8 + len) break;
          frames.push({ stream: buf[0] === 2 ? 'stderr' : 'stdout', text: buf.subarray(8, 8 + len).toString('utf8') });
          buf = buf.subarray(8 + len);
        }
      }
      for (const f of frames) {
        const text = partial[f.stream] + f.text;
        const lines = text.split('\n');
        partial[f.stream] = lines.pop() ?? '';
        for (const l of lines) {
          const sp = l.indexOf(' ');
          yield { stream: f.stream, timestamp: sp > 0 ? l.slice(0, sp) : isoNano(Date.now()), line: sp > 0 ? l.slice(sp + 1) : l };
        }
      }
    }
  }

  async networkNamespace(t: Task): Promise<string | undefined> {
    const c = await this.find(t);
    return c?.State.Running && c.State.Pid > 0 ? `/proc/${c.State.Pid}/ns/net` : undefined;
  }

  async list(): Promise<RuntimeTask[]> {
    const f = encodeURIComponent(JSON.stringify({ label: [LABEL_TASK] }));
    const cs = await this.engine.call<{ Id: string; State: string; Labels: Record<string, string> }[]>('GET', `/containers/json?all=1&filters=${f}`);
    return cs.map((c) => ({ taskId: c.Labels[LABEL_TASK], containerId: c.Id, running: c.State === 'running' }));
  }
}
