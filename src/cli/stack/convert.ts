// From a loaded compose file to the Engine API objects of a stack, as the
// docker CLI's cli/compose/convert does: every name scoped to the stack
// (<stack>_<name>), the stack's label on everything it makes, the image
// the file names in com.docker.stack.image.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { HealthConfig, Mount, PortConfig, ServiceSpec, UpdateConfig } from '../../types/objects.js';
import type { ConfigSpec, SecretSpec } from '../../types/secrets.js';
import { parseDuration } from '../commands/util.js';
import { longPorts } from './merge.js';
import { toDict, type Dict } from './dict.js';

export const LABEL_NAMESPACE = 'com.docker.stack.namespace';
export const LABEL_IMAGE = 'com.docker.stack.image';

export const scope = (ns: string, name: string) => `${ns}_${name}`;
const withStack = (ns: string, labels: unknown) => ({ ...toDict(labels) as Record<string, string>, [LABEL_NAMESPACE]: ns });

/** Go's shellwords as the CLI splits a string command. */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { quote = c; inWord = true; }
    else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; inWord = true; }
    else if (/\s/.test(c)) { if (inWord) { out.push(cur); cur = ''; inWord = false; } }
    else { cur += c; inWord = true; }
  }
  if (quote) throw new Error(`invalid command line string: ${JSON.stringify(s)}`);
  if (inWord) out.push(cur);
  return out;
}

const cmd = (v: unknown): string[] | undefined => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.map(String) : shellSplit(String(v)));
const dur = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : parseDuration(String(v)));

/** go-units RAMInBytes: 512m, 1g, 100MB. */
export function ramInBytes(v: unknown): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(String(v).trim());
  if (!m) throw new Error(`invalid size: '${v}'`);
  return Math.round(Number(m[1]) * 1024 ** 'bkmgtp'.indexOf((m[2] || 'b').toLowerCase()));
}

function ports(list: unknown[] | undefined): PortConfig[] {
  const out: PortConfig[] = [];
  for (const o of longPorts(list ?? [])) {
    if (!Number.isInteger(Number(o.target))) throw new Error(`Invalid containerPort: ${o.target}`);
    out.push({ Protocol: o.protocol ?? 'tcp', TargetPort: Number(o.target), ...(o.published !== undefined ? { PublishedPort: Number(o.published) } : {}), PublishMode: o.mode ?? 'ingress' });
  }
  // The CLI sorts them, so a redeploy sends the same spec.
  return out.sort((a, b) => (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0) || (a.TargetPort ?? 0) - (b.TargetPort ?? 0) || (a.Protocol ?? '').localeCompare(b.Protocol ?? ''));
}

function healthcheck(h: Dict | undefined): HealthConfig | undefined {
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  const test = h.test === undefined ? undefined : typeof h.test === 'string' ? ['CMD-SHELL', h.test] : (h.test as unknown[]).map(String);
  return {
    ...(test ? { Test: test } : {}), ...(h.interval ? { Interval: dur(h.interval) } : {}), ...(h.timeout ? { Timeout: dur(h.timeout) } : {}),
    ...(h.start_period ? { StartPeriod: dur(h.start_period) } : {}), ...(h.retries !== undefined ? { Retries: Number(h.retries) } : {}),
  };
}

function updateConfig(u: Dict | undefined): UpdateConfig | undefined {
  if (!u) return undefined;
  return {
    Parallelism: u.parallelism ?? 1, ...(u.delay ? { Delay: dur(u.delay) } : {}), ...(u.failure_action ? { FailureAction: u.failure_action } : {}),
    ...(u.monitor ? { Monitor: dur(u.monitor) } : {}), ...(u.max_failure_ratio !== undefined ? { MaxFailureRatio: u.max_failure_ratio } : {}),
    ...(u.order ? { Order: u.order } : {}),
  };
}

function mode(d: Dict): ServiceSpec['Mode'] {
  switch (d.mode ?? 'replicated') {
    case 'global': if (d.replicas !== undefined) throw new Error('replicas can only be used with replicated or replicated-job mode'); return { Global: {} };
    case 'global-job': return { GlobalJob: {} };
    case 'replicated-job': return { ReplicatedJob: { MaxConcurrent: d.replicas ?? 1, TotalCompletions: d.replicas ?? 1 } };
    case 'replicated': return { Replicated: { Replicas: d.replicas ?? 1 } };
    default: throw new Error(`Unknown mode: ${d.mode}`);
  }
}

function mounts(ns: string, list: unknown[] | undefined, workingDir: string): Mount[] {
  return (list ?? []).map((v) => {
    if (v && typeof v === 'object') {
      const o = v as Dict;
      const type = o.type ?? 'volume';
      const source = type === 'volume' && o.source ? scope(ns, o.source) : type === 'bind' && o.source && !isAbsolute(o.source) ? join(workingDir, o.source) : o.source;
      return { Type: type, ...(source ? { Source: source } : {}), Target: o.target, ReadOnly: !!o.read_only };
    }
    const parts = String(v).split(':');
    if (parts.length === 1) return { Type: 'volume' as const, Target: parts[0] };
    const [src, target, opt] = parts;
    const bind = src.startsWith('/') || src.startsWith('.');
    return { Type: bind ? 'bind' as const : 'volume' as const, Source: bind ? (isAbsolute(src) ? src : join(workingDir, src)) : scope(ns, src), Target: target, ReadOnly: opt === 'ro' };
  });
}

interface Named { ID: string; Spec: { Name?: string } }
export interface Lookups { secrets: Named[]; configs: Named[] }

/** Where a top-level secret/config is known to the swarm: its own name, or <stack>_<key>. */
function objectName(ns: string, key: string, def: Dict | undefined): string {
  if (!def) return scope(ns, key);
  if (def.external) return def.name ?? (typeof def.external === 'object' && def.external.name) ?? key;
  return def.name ?? scope(ns, key);
}

function fileRefs(kind: 'secret' | 'config', ns: string, refs: unknown[] | undefined, defs: Dict, known: Named[], service: string) {
  return (refs ?? []).map((r) => {
    const o: Dict = r && typeof r === 'object' ? r as Dict : { source: String(r) };
    if (!(o.source in defs)) throw new Error(`service ${service}: undefined ${kind} ${JSON.stringify(o.source)}`);
    const name = objectName(ns, o.source, defs[o.source]);
    const found = known.find((x) => x.Spec.Name === name);
    if (!found) throw new Error(`service ${service}: ${kind} not found: ${name}`);
    const target = o.target ?? (kind === 'config' ? `/${o.source}` : o.source);
    const file = { Name: target, UID: String(o.uid ?? '0'), GID: String(o.gid ?? '0'), Mode: o.mode ?? 0o444 };
    return kind === 'secret' ? { File: file, SecretID: found.ID, SecretName: name } : { File: file, ConfigID: found.ID, ConfigName: name };
  });
}

/** extra_hosts ("host:ip" or "host=ip" entries, or a mapping) as the spec's "ip host" lines. */
function extraHosts(v: unknown): string[] {
  const pairs = Array.isArray(v) ? v.map((e) => { const s = String(e); const i = s.search(/[:=]/); return [s.slice(0, i), s.slice(i + 1)]; }) : Object.entries(toDict(v));
  return pairs.map(([h, ip]) => `${ip} ${h}`);
}

/** The stack's own secrets and configs (external ones are not made by the stack). */
export async function payloadSpecs(ns: string, config: Dict, workingDir: string): Promise<{ secrets: SecretSpec[]; configs: ConfigSpec[] }> {
  const make = async (kind: 'secrets' | 'configs') => {
    const out: (SecretSpec & ConfigSpec)[] = [];
    for (const [key, def] of Object.entries(config[kind] as Dict)) {
      const d = (def ?? {}) as Dict;
      if (d.external) continue;
      if (!d.file) throw new Error(`${kind === 'secrets' ? 'secret' : 'config'} ${key}: only file-based ${kind} are supported`);
      const data = await readFile(isAbsolute(d.file) ? d.file : join(workingDir, d.file));
      out.push({
        Name: objectName(ns, key, d), Labels: withStack(ns, d.labels), Data: data.toString('base64'),
        ...(d.template_driver ? { Templating: { Name: d.template_driver } } : {}),
        ...(kind === 'secrets' && d.driver ? { Driver: { Name: d.driver, Options: d.driver_opts } } : {}),
      });
    }
    return out;
  };
  return { secrets: await make('secrets'), configs: await make('configs') };
}

/** The stack's networks to create (its default one when a service names none), and the external ones it uses. */
export function networkPlan(ns: string, config: Dict): { create: { Name: string; Driver: string; Labels: Record<string, string>; Attachable?: boolean; Internal?: boolean; Options?: Record<string, string> }[]; external: string[] } {
  const used = new Set<string>();
  for (const s of Object.values(config.services as Dict)) {
    const nets = (s as Dict).networks;
    const names = Array.isArray(nets) ? nets : nets && typeof nets === 'object' ? Object.keys(nets) : [];
    if (names.length === 0) used.add('default'); else for (const n of names) used.add(n);
  }
  const create = [];
  const external = [];
  for (const key of [...used].sort()) {
    const d = (config.networks[key] ?? {}) as Dict;
    if (key !== 'default' && !(key in config.networks)) throw new Error(`undefined network ${JSON.stringify(key)}`);
    if (d.external) { external.push(d.name ?? key); continue; }
    create.push({ Name: d.name ?? scope(ns, key), Driver: d.driver ?? 'overlay', Labels: withStack(ns, d.labels),
      ...(d.attachable ? { Attachable: true } : {}), ...(d.internal ? { Internal: true } : {}), ...(d.driver_opts ? { Options: d.driver_opts } : {}) });
  }
  return { create, external };
}

const envList = (env: Record<string, unknown>) => Object.entries(env).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).sort();

/** One service of the stack as the API takes it. */
export function serviceSpec(ns: string, name: string, s: Dict, config: Dict, known: Lookups, workingDir: string, envFiles: Record<string, string>): ServiceSpec {
  const d = (s.deploy ?? {}) as Dict;
  const env = { ...envFiles, ...toDict(s.environment) };
  const nets = s.networks;
  const netNames = Array.isArray(nets) ? nets : nets && typeof nets === 'object' ? Object.keys(nets) : ['default'];
  const res = d.resources ?? {};
  const rp = d.restart_policy;
  const spec: ServiceSpec = {
    Name: scope(ns, name),
    Labels: { ...withStack(ns, d.labels), [LABEL_IMAGE]: s.image },
    TaskTemplate: {
      ContainerSpec: {
        Image: s.image,
        ...(cmd(s.entrypoint) ? { Command: cmd(s.entrypoint) } : {}),
        ...(cmd(s.command) ? { Args: cmd(s.command) } : {}),
        ...(s.hostname ? { Hostname: s.hostname } : {}),
        ...(s.extra_hosts ? { Hosts: extraHosts(s.extra_hosts) } : {}),
        ...(s.dns ? { DNSConfig: { Nameservers: ([] as string[]).concat(s.dns) } } : {}),
        ...(healthcheck(s.healthcheck) ? { HealthCheck: healthcheck(s.healthcheck) } : {}),
        // As docker: no Env at all when there is none.
        ...(envList(env).length ? { Env: envList(env) } : {}),
        Labels: withStack(ns, s.labels),
        ...(s.working_dir ? { Dir: s.working_dir } : {}),
        ...(s.user ? { User: s.user } : {}),
        ...(s.volumes ? { Mounts: mounts(ns, s.volumes, workingDir) } : {}),
        ...(s.stop_grace_period ? { StopGracePeriod: dur(s.stop_grace_period) } : {}),
        ...(s.stop_signal ? { StopSignal: s.stop_signal } : {}),
        ...(s.tty ? { TTY: true } : {}), ...(s.stdin_open ? { OpenStdin: true } : {}), ...(s.read_only ? { ReadOnly: true } : {}),
        ...(s.secrets ? { Secrets: fileRefs('secret', ns, s.secrets, config.secrets, known.secrets, name) as never } : {}),
        ...(s.configs ? { Configs: fileRefs('config', ns, s.configs, config.configs, known.configs, name) as never } : {}),
        ...(s.init !== undefined ? { Init: !!s.init } : {}),
        ...(s.sysctls ? { Sysctls: toDict(s.sysctls) as Record<string, string> } : {}),
        ...(s.cap_add ? { CapabilityAdd: s.cap_add } : {}), ...(s.cap_drop ? { CapabilityDrop: s.cap_drop } : {}),
      },
      Resources: {
        ...(res.limits ? { Limits: { ...(res.limits.cpus !== undefined ? { NanoCPUs: Math.round(Number(res.limits.cpus) * 1e9) } : {}), ...(res.limits.memory ? { MemoryBytes: ramInBytes(res.limits.memory) } : {}), ...(res.limits.pids ? { Pids: res.limits.pids } : {}) } } : {}),
        ...(res.reservations ? { Reservations: { ...(res.reservations.cpus !== undefined ? { NanoCPUs: Math.round(Number(res.reservations.cpus) * 1e9) } : {}), ...(res.reservations.memory ? { MemoryBytes: ramInBytes(res.reservations.memory) } : {}) } } : {}),
      },
      ...(rp ? { RestartPolicy: { ...(rp.condition ? { Condition: rp.condition } : {}), ...(rp.delay ? { Delay: dur(rp.delay) } : {}), ...(rp.max_attempts !== undefined ? { MaxAttempts: rp.max_attempts } : {}), ...(rp.window ? { Window: dur(rp.window) } : {}) } } : {}),
      Placement: {
        ...(d.placement?.constraints ? { Constraints: d.placement.constraints } : {}),
        ...(d.placement?.preferences ? { Preferences: d.placement.preferences.map((p: Dict) => ({ Spread: { SpreadDescriptor: p.spread } })) } : {}),
        ...(d.placement?.max_replicas_per_node ? { MaxReplicas: d.placement.max_replicas_per_node } : {}),
      },
      Networks: netNames.map((n: string) => {
        const def = (config.networks[n] ?? {}) as Dict;
        const aliases = nets && !Array.isArray(nets) && nets[n]?.aliases ? [name, ...nets[n].aliases] : [name];
        return { Target: def.external ? def.name ?? n : def.name ?? scope(ns, n), Aliases: aliases };
      }),
    },
    EndpointSpec: { ...(d.endpoint_mode ? { Mode: d.endpoint_mode } : {}), ...(s.ports ? { Ports: ports(s.ports) } : {}) },
    Mode: mode(d),
    ...(updateConfig(d.update_config) ? { UpdateConfig: updateConfig(d.update_config) } : {}),
    ...(updateConfig(d.rollback_config) ? { RollbackConfig: updateConfig(d.rollback_config) } : {}),
  };
  return spec;
}

/** env_file entries, read relative to the compose file's directory (KEY=VALUE lines, # comments). */
export async function readEnvFiles(s: Dict, workingDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ([] as string[]).concat(s.env_file ?? [])) {
    const text = await readFile(isAbsolute(f) ? f : join(workingDir, f), 'utf8');
    for (const line of text.split('\n')) {
      const l = line.trim();
      if (!l || l.startsWith('#')) continue;
      const i = l.indexOf('=');
      if (i < 0) { if (process.env[l] !== undefined) out[l] = process.env[l]!; continue; }
      out[l.slice(0, i)] = l.slice(i + 1);
    }
  }
  return out;
}
