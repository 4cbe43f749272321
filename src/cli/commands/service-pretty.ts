// `service inspect --pretty`: the human-friendly text of docker/cli's service
// formatter (cli/command/service/formatter.go, 28.2), produced here line by
// line from the service as the API returns it with insertDefaults. Which
// lines appear, their tabs and trailing spaces, and how values print (Go's
// %v of durations, float32 ratios, CPUs, go-units sizes) follow that
// template's output byte for byte; a section of it per service, each followed
// by an empty line.
import { durationString } from '../../format/gotime.js';
import { sprint, sprintf } from '../../format/fmt.js';
import { T } from '../../format/types.js';
import { compareStrings, str, val } from '../../format/values.js';
import { humanDuration } from '../../format/units.js';

/** The service as JSON: fields read by presence, as the Go structs' pointers are. */
type Json = Record<string, any>;

const goFloat = (n: number, bits: 32 | 64) => sprint([val(bits === 32 ? T.float32 : T.float64, n)]);
const ago = (ts: string) => `${humanDuration(Date.now() - Date.parse(ts))} ago`;
/** Go's text/template ranges over a map in sorted key order. */
export const sortedEntries = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => compareStrings(a, b));
const nonEmpty = (x: unknown) => Array.isArray(x) ? x.length > 0 : !!x && typeof x === 'object' && Object.keys(x).length > 0;

/** go-units BytesSize: binary units, four significant digits. */
export function bytesSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return sprintf('%.4g%s', [val(T.float64, n), str(units[i])]);
}

/** The `UpdateConfig:` or `RollbackConfig:` section. */
function updateSection(title: string, orderLabel: string, c: Json): string {
  let s = `\n${title}:\n Parallelism:\t${c.Parallelism ?? 0}`;
  if ((c.Delay ?? 0) > 0) s += `\n Delay:\t\t${durationString(c.Delay)}`;
  s += `\n On failure:\t${c.FailureAction ?? ''}`;
  if ((c.Monitor ?? 0) > 0) s += `\n Monitoring Period: ${durationString(c.Monitor)}`;
  s += `\n Max failure ratio: ${goFloat(c.MaxFailureRatio ?? 0, 32)}`;
  return `${s}\n ${orderLabel} ${c.Order ?? ''}`;
}

function resourcesSection(r: Json | undefined): string {
  if (!r) return '';
  let s = '\nResources:';
  const part = (title: string, x: Json | undefined, withPids: boolean) => {
    const cpus = x?.NanoCPUs ?? 0;
    const mem = x?.MemoryBytes ?? 0;
    if (!(cpus > 0 || mem > 0 || (withPids && (x?.Pids ?? 0) > 0))) return;
    s += `\n ${title}:`;
    if (cpus > 0) s += `\n  CPU:\t\t${goFloat(cpus / 1e9, 64)}`;
    if (mem) s += `\n  Memory:\t${bytesSize(mem)}`;
  };
  part('Reservations', r.Reservations, false);
  part('Limits', r.Limits, true);
  return s;
}

/**
 * One service's text. networkNames maps a network ID to its name (a target
 * that is not a known ID prints as it is).
 */
export function prettyService(svc: Json, networkNames: Map<string, string>): string {
  const spec: Json = svc.Spec ?? {};
  const tt: Json = spec.TaskTemplate ?? {};
  const cs: Json = tt.ContainerSpec ?? {};
  let s = `\nID:\t\t${svc.ID}\nName:\t\t${spec.Name ?? ''}`;
  if (nonEmpty(spec.Labels)) {
    s += '\nLabels:';
    for (const [k, v] of sortedEntries(spec.Labels)) s += `\n ${k}${v ? `=${v}` : ''}`;
  }
  s += '\nService Mode:';
  if (spec.Mode?.Global) s += '\tGlobal';
  else if (spec.Mode?.Replicated) {
    s += '\tReplicated';
    // a pointer in Go: printed whenever the API sent it, 0 included
    if (spec.Mode.Replicated.Replicas !== undefined && spec.Mode.Replicated.Replicas !== null) s += `\n Replicas:\t${spec.Mode.Replicated.Replicas}`;
  }
  const us: Json | undefined = svc.UpdateStatus;
  if (us?.State) {
    s += `\nUpdateStatus:\n State:\t\t${us.State}`;
    if (us.StartedAt) s += `\n Started:\t${ago(us.StartedAt)}`;
    if (us.State === 'completed' && us.CompletedAt) s += `\n Completed:\t${ago(us.CompletedAt)}`;
    s += `\n Message:\t${us.Message ?? ''}`;
  }
  s += '\nPlacement:';
  const pl: Json | undefined = tt.Placement;
  if (nonEmpty(pl?.Constraints)) s += `\n Constraints:\t[${pl!.Constraints.join(' ')}]`;
  const prefs = (pl?.Preferences ?? []).filter((p: Json) => p.Spread).map((p: Json) => `spread=${p.Spread.SpreadDescriptor ?? ''}`);
  if (prefs.length) s += `\n Preferences:   [${prefs.join(' ')}]`;
  if (pl?.MaxReplicas) s += `\n Max Replicas Per Node:   ${pl.MaxReplicas}`;
  if (spec.UpdateConfig) s += updateSection('UpdateConfig', 'Update order:     ', spec.UpdateConfig);
  if (spec.RollbackConfig) s += updateSection('RollbackConfig', 'Rollback order:   ', spec.RollbackConfig);
  s += `\nContainerSpec:\n Image:\t\t${cs.Image ?? ''}`;
  if (nonEmpty(cs.Args)) s += `\n Args:\t\t${cs.Args.map((a: string) => `${a} `).join('')}`;
  if (nonEmpty(cs.Env)) s += `\n Env:\t\t${cs.Env.map((e: string) => `${e} `).join('')}`;
  if (cs.Dir) s += `\n Dir:\t\t${cs.Dir}`;
  if (cs.Init !== undefined && cs.Init !== null) s += `\n Init:\t\t${cs.Init}`;
  if (cs.User) s += `\n User: ${cs.User}`;
  if (nonEmpty(cs.CapabilityAdd) || nonEmpty(cs.CapabilityDrop)) {
    s += '\nCapabilities:';
    if (nonEmpty(cs.CapabilityAdd)) s += `\n Add: ${cs.CapabilityAdd.join(', ')}`;
    if (nonEmpty(cs.CapabilityDrop)) s += `\n Drop: ${cs.CapabilityDrop.join(', ')}`;
  }
  if (nonEmpty(cs.Sysctls)) {
    s += '\nSysCtls:';
    for (const [k, v] of sortedEntries(cs.Sysctls)) s += `\n ${k}${v ? `: ${v}` : ''}`;
  }
  if (nonEmpty(cs.Ulimits)) {
    // a map by name in the formatter: the last of a name wins, printed in name order
    const byName = new Map<string, string>();
    for (const u of cs.Ulimits as Json[]) byName.set(u.Name, `${u.Soft ?? 0}:${u.Hard ?? 0}`);
    s += '\nUlimits:';
    for (const [k, v] of sortedEntries(Object.fromEntries(byName))) s += `\n ${k}: ${v}`;
  }
  if (nonEmpty(cs.Mounts)) {
    s += '\nMounts:';
    for (const m of cs.Mounts as Json[]) s += `\n Target:\t${m.Target ?? ''}\n  Source:\t${m.Source ?? ''}\n  ReadOnly:\t${!!m.ReadOnly}\n  Type:\t\t${m.Type ?? ''}`;
  }
  for (const [title, list, nameKey] of [['Configs', cs.Configs, 'ConfigName'], ['Secrets', cs.Secrets, 'SecretName']] as const) {
    if (!nonEmpty(list)) continue;
    s += `\n${title}:`;
    for (const r of list as Json[]) s += `\n Target:\t${r.File?.Name ?? ''}\n  Source:\t${r[nameKey] ?? ''}`;
  }
  if (tt.LogDriver) {
    s += '\nLog Driver:';
    if (tt.LogDriver.Name) s += `\n Name:\t\t${tt.LogDriver.Name}`;
    if (nonEmpty(tt.LogDriver.Options)) {
      s += '\n LogOpts:';
      for (const [k, v] of sortedEntries(tt.LogDriver.Options)) s += `\n  ${k}${v ? `:       ${v}` : ''}`;
    }
    s += '\n';
  }
  s += resourcesSection(tt.Resources);
  if ((tt.Resources?.Limits?.Pids ?? 0) > 0) s += `\n  PIDs:\t\t${tt.Resources.Limits.Pids}`;
  if (nonEmpty(tt.Networks)) s += `\nNetworks:${(tt.Networks as Json[]).map((n) => ` ${networkNames.get(n.Target) ?? n.Target}`).join('')} `;
  s += `\nEndpoint Mode:\t${spec.EndpointSpec?.Mode ?? ''}`;
  const ports: Json[] = svc.Endpoint?.Ports ?? [];
  if (ports.length) {
    s += '\nPorts:';
    for (const p of ports) {
      s += `\n PublishedPort = ${p.PublishedPort ?? 0}\n  Protocol = ${p.Protocol ?? ''}\n  TargetPort = ${p.TargetPort ?? 0}\n  PublishMode = ${p.PublishMode ?? ''}`;
    }
    s += ' ';
  }
  // Go's JSON decoding matches names case-insensitively: the API names it HealthCheck, the Go field Healthcheck
  const hc: Json | undefined = cs.HealthCheck ?? cs.Healthcheck;
  if (hc) {
    const d = (x: number | undefined) => durationString(x ?? 0);
    s += `\n Healthcheck:\n  Interval = ${d(hc.Interval)}\n  Retries = ${hc.Retries ?? 0}\n  StartPeriod =\t${d(hc.StartPeriod)}\n  Timeout =\t${d(hc.Timeout)}`;
    if (nonEmpty(hc.Test)) s += `\n  Tests:${(hc.Test as string[]).map((t) => `\n\t Test = ${t}`).join('')} `;
  }
  return `${s}\n`;
}
