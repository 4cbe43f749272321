import { humanDuration } from '../../format/units.js';

/** A host port binding as the Engine API writes it. */
export interface PortBinding { HostIp?: string; HostPort?: string }

/** The part of a container's inspect the scheduler and the front read (kept per container in the pool). */
export interface ContainerDetails {
  name: string;
  /** Reserved memory (bytes) and CPUs (classic Swarm counts CPUs: CpuShares × engine CPUs / 1024). */
  memory: number;
  cpus: number;
  networkMode: string;
  portBindings: Record<string, PortBinding[] | null>;
  /** Published ports now (NetworkSettings.Ports). */
  publishedPorts: Record<string, PortBinding[] | null>;
  exposedPorts: string[];
  labels: Record<string, string>;
  state: ContainerState;
  /** The create request's settings the reschedule watchdog replays. */
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
}

export interface ContainerState {
  Running?: boolean; Paused?: boolean; Restarting?: boolean; Dead?: boolean; RemovalInProgress?: boolean;
  ExitCode?: number; StartedAt?: string; FinishedAt?: string; Health?: { Status?: string };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's container status text (moby container.State.String), computed now rather than kept stale. */
export function statusText(s: ContainerState, now = Date.now()): string {
  const since = (t?: string) => humanDuration(Math.max(0, now - Date.parse(t ?? '')));
  if (s.Running) {
    if (s.Paused) return `Up ${since(s.StartedAt)} (Paused)`;
    if (s.Restarting) return `Restarting (${s.ExitCode ?? 0}) ${since(s.FinishedAt)} ago`;
    const h = s.Health?.Status;
    if (h === 'starting') return `Up ${since(s.StartedAt)} (health: starting)`;
    if (h && h !== 'none') return `Up ${since(s.StartedAt)} (${h})`;
    return `Up ${since(s.StartedAt)}`;
  }
  if (s.RemovalInProgress) return 'Removal In Progress';
  if (s.Dead) return 'Dead';
  if (!s.StartedAt || s.StartedAt.startsWith(ZERO_TIME.slice(0, 4))) return 'Created';
  if (!s.FinishedAt || s.FinishedAt.startsWith(ZERO_TIME.slice(0, 4))) return '';
  return `Exited (${s.ExitCode ?? 0}) ${since(s.FinishedAt)} ago`;
}

/** How long (ms) humanDuration's text for an elapsed `ms` stays the same: to the next second, minute or half hour. */
function sameTextFor(ms: number): number {
  if (ms < 60_000) return 1000 - (ms % 1000);
  if (ms < 3_600_000) return 60_000 - (ms % 60_000);
  return Math.min(3_600_000 - (ms % 3_600_000), 3_600_000 - ((ms + 1_800_000) % 3_600_000));
}

/** statusText with the time until which it holds (a list of 30,000 containers need not make 30,000 texts per request). */
export function statusTextUntil(s: ContainerState, now = Date.now()): { text: string; until: number } {
  const text = statusText(s, now);
  const at = s.Running ? (s.Restarting ? s.FinishedAt : s.StartedAt) : !s.RemovalInProgress && !s.Dead ? s.FinishedAt : undefined;
  const t = at && !at.startsWith(ZERO_TIME.slice(0, 4)) ? Date.parse(at) : NaN;
  return { text, until: Number.isNaN(t) ? Infinity : now + sameTextFor(Math.max(0, now - t)) };
}

/** Reads the details from an engine's inspect answer; `engineCpus` turns CpuShares back into CPUs as classic Swarm did. */
export function detailsOf(inspect: Record<string, any>, engineCpus: number): ContainerDetails {
  const hc = inspect.HostConfig ?? {};
  const cfg = inspect.Config ?? {};
  return {
    name: String(inspect.Name ?? '').replace(/^\//, ''),
    memory: Number(hc.Memory ?? 0),
    cpus: engineCpus > 0 ? Math.trunc((Number(hc.CpuShares ?? 0) * engineCpus) / 1024) : 0,
    networkMode: String(hc.NetworkMode ?? ''),
    portBindings: hc.PortBindings ?? {},
    publishedPorts: inspect.NetworkSettings?.Ports ?? {},
    exposedPorts: Object.keys(cfg.ExposedPorts ?? {}),
    labels: cfg.Labels ?? {},
    state: inspect.State ?? {},
    config: cfg,
    hostConfig: hc,
  };
}
