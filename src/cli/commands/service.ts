import type { PortConfig, Service, ServiceSpec } from '../../types/objects.js';
import { applyKeepSource, KEEP_SOURCE_FLAGS } from './keep-source.js';
import { all, goQuote, has, one, type FlagSpec, type Parsed } from '../args.js';
import { daemonErrorText, q, type Client } from '../client.js';
import { FormatError, formatRows } from '../format.js';
import { parsePortOpt } from './port-opt.js';
import { parseDuration, parseUint } from './util.js';
import { serviceLogs } from './logs.js';
import { inspectServices } from './service-inspect.js';
import { waitOnService } from './progress.js';
import { checkArgs, parseCommand, subcommand, unknownSubcommand, type Command } from '../usage.js';
import { goParseFloat, parseCpus, ramInBytes, T } from '../flagtypes.js';
import { servicePortsColumn } from './port-columns.js';
import { printTasks, tasksWhere } from './task-table.js';
import { applyCreateDefaults } from './service-spec-defaults.js';
import { imageWithDefaultTag } from '../image-ref.js';
import { applyCreateRefs, applyUpdateRefs, REF_CREATE_FLAGS, REF_UPDATE_FLAGS } from './service-refs.js';
import { applyCreateHealth, applyUpdateHealth, HEALTH_FLAGS } from './service-health.js';
import { applyCreateContainerFlags, applyUpdateContainerFlags, CONTAINER_CREATE_FLAGS, CONTAINER_UPDATE_FLAGS } from './service-container-flags.js';

const V = { value: true };
const B = { value: false };
const typed = (check: (v: string) => void, short?: string) => ({ value: true, check, ...(short ? { short } : {}) });
/** A port flag: docker's PortOpt, checked as it is parsed. */
const PORT = typed((v) => { parsePortOpt(v); });
/** The flags `service create` and `service update` share, typed as docker's. */
const COMMON_FLAGS: FlagSpec = {
  'restart-condition': V, 'restart-delay': typed(T.duration), 'restart-max-attempts': typed(T.uint64), 'restart-window': typed(T.duration),
  'update-parallelism': typed(T.uint64), 'update-delay': typed(T.duration), 'update-order': V, 'update-failure-action': V, 'update-monitor': typed(T.duration),
  'limit-cpu': typed(T.decimal), 'limit-memory': typed(T.bytes), 'reserve-cpu': typed(T.decimal), 'reserve-memory': typed(T.bytes), workdir: { short: 'w', value: true },
  user: { short: 'u', value: true }, hostname: V, 'stop-signal': V, 'stop-grace-period': typed(T.duration), entrypoint: V, 'endpoint-mode': V,
  'replicas-max-per-node': typed(T.uint64), replicas: typed(T.uint64), detach: { short: 'd', value: false }, quiet: { short: 'q', value: false },
  ...KEEP_SOURCE_FLAGS,
  'max-concurrent': typed(T.uint64), 'update-max-failure-ratio': typed(T.float64), 'rollback-parallelism': typed(T.uint64), 'rollback-delay': typed(T.duration), 'rollback-order': V,
  'rollback-failure-action': V, 'rollback-monitor': typed(T.duration), 'rollback-max-failure-ratio': typed(T.float64),
  ...HEALTH_FLAGS,
};
const CREATE_FLAGS: FlagSpec = {
  ...COMMON_FLAGS, name: V, mode: V, publish: { ...PORT, short: 'p' }, env: { short: 'e', value: true }, label: typed(T.label, 'l'),
  'container-label': typed(T.label), constraint: V, 'placement-pref': typed(T.pref),
  ...REF_CREATE_FLAGS, ...CONTAINER_CREATE_FLAGS,
};
const UPDATE_FLAGS: FlagSpec = {
  ...COMMON_FLAGS, image: V, 'env-add': V, 'env-rm': V, 'label-add': typed(T.label), 'label-rm': V, 'publish-add': PORT, 'publish-rm': PORT,
  'constraint-add': V, 'constraint-rm': V, 'placement-pref-add': typed(T.pref), 'placement-pref-rm': typed(T.pref), args: V, force: B, rollback: B,
  ...REF_UPDATE_FLAGS, 'container-label-add': typed(T.label), ...CONTAINER_UPDATE_FLAGS,
};

/** `service …` subcommands as their usage lines name them. */
const CMD = {
  create: { path: 'service create', use: '[OPTIONS] IMAGE [COMMAND] [ARG...]' },
  ls: { path: 'service ls', use: '[OPTIONS]' },
  ps: { path: 'service ps', use: '[OPTIONS] SERVICE [SERVICE...]' },
  scale: { path: 'service scale', use: 'SERVICE=REPLICAS [SERVICE=REPLICAS...]' },
  update: { path: 'service update', use: '[OPTIONS] SERVICE' },
  rollback: { path: 'service rollback', use: '[OPTIONS] SERVICE' },
  rm: { path: 'service rm', use: 'SERVICE [SERVICE...]' },
} satisfies Record<string, Command>;

/** docker's portConfigToString: the key ports are told apart (and sorted) by. */
const portKey = (x: PortConfig) => `${x.PublishedPort ?? 0}:${x.TargetPort}/${x.Protocol ?? ''}/${x.PublishMode ?? ''}`;
const sameOrDefault = (a: string | undefined, b: string | undefined, dflt: string) => (a ?? '') === (b ?? '') || (!a && b === dflt) || (!b && a === dflt);

/**
 * docker's updatePorts: the current ports once each; those whose target port, protocol and mode a
 * `--publish-rm` names go (the published port is not compared); `--publish-add` ports not already there
 * are added; the result sorted by portKey.
 */
function updatePorts(current: PortConfig[], add: PortConfig[], rm: PortConfig[]): PortConfig[] {
  const byKey = new Map<string, PortConfig>();
  for (const x of current) if (!byKey.has(portKey(x))) byKey.set(portKey(x), x);
  const kept = [...byKey.values()].filter((x) => !rm.some((r) =>
    r.TargetPort === x.TargetPort && sameOrDefault(x.Protocol, r.Protocol, 'tcp') && sameOrDefault(x.PublishMode, r.PublishMode, 'ingress')));
  const added = add.filter((x) => !byKey.has(portKey(x)));
  return [...kept, ...added].sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
}

/** A `--placement-pref` value (checked by its flag type: spread=<descriptor>) as the spec's preference. */
const spreadPref = (v: string) => ({ Spread: { SpreadDescriptor: v.replace(/^spread=/, '') } });

/**
 * `service update`'s placement flags as docker's: constraints added, then the removed ones dropped, sorted;
 * preferences removed by descriptor, then the added ones appended. The placement is touched only when one is given.
 */
function updatePlacement(tt: NonNullable<ServiceSpec['TaskTemplate']>, p: Parsed) {
  if (has(p, 'constraint-add') || has(p, 'constraint-rm')) {
    const pl = (tt.Placement ??= {});
    const rm = new Set(all(p, 'constraint-rm'));
    const kept = [...(pl.Constraints ?? []), ...all(p, 'constraint-add')].filter((c) => !rm.has(c)).sort();
    if (kept.length) pl.Constraints = kept; else delete pl.Constraints;
  }
  if (has(p, 'placement-pref-add') || has(p, 'placement-pref-rm')) {
    const pl = (tt.Placement ??= {});
    const rm = new Set(all(p, 'placement-pref-rm').map((v) => spreadPref(v).Spread.SpreadDescriptor));
    const prefs = [...(pl.Preferences ?? []).filter((x) => !(x.Spread && rm.has(x.Spread.SpreadDescriptor))), ...all(p, 'placement-pref-add').map(spreadPref)];
    if (prefs.length) pl.Preferences = prefs; else delete pl.Preferences;
  }
}

/** Applies the create/update flags shared by both commands onto a spec. */
function applyFlags(spec: ServiceSpec, p: Parsed) {
  const tt = (spec.TaskTemplate ??= {});
  const cs = (tt.ContainerSpec ??= {});
  applyMode(spec, p);
  for (const e of all(p, 'env')) (cs.Env ??= []).push(e);
  for (const l of all(p, 'label')) { const [k, ...v] = l.split('='); (spec.Labels ??= {})[k] = v.join('='); }
  for (const l of all(p, 'container-label')) { const [k, ...v] = l.split('='); (cs.Labels ??= {})[k] = v.join('='); }
  for (const c of all(p, 'constraint')) ((tt.Placement ??= {}).Constraints ??= []).push(c);
  for (const pref of all(p, 'placement-pref')) ((tt.Placement ??= {}).Preferences ??= []).push(spreadPref(pref));
  const mpn = one(p, 'replicas-max-per-node');
  if (mpn) (tt.Placement ??= {}).MaxReplicas = parseUint('replicas-max-per-node', mpn);
  for (const pub of all(p, 'publish')) ((spec.EndpointSpec ??= {}).Ports ??= []).push(...parsePortOpt(pub));
  const em = one(p, 'endpoint-mode');
  if (em) (spec.EndpointSpec ??= {}).Mode = em as 'vip' | 'dnsrr';
  const rp = (k: string) => one(p, k);
  if (rp('restart-condition')) (tt.RestartPolicy ??= {}).Condition = rp('restart-condition') as 'any';
  if (rp('restart-delay')) (tt.RestartPolicy ??= {}).Delay = parseDuration(rp('restart-delay')!);
  if (rp('restart-max-attempts')) (tt.RestartPolicy ??= {}).MaxAttempts = parseUint('restart-max-attempts', rp('restart-max-attempts')!);
  if (rp('restart-window')) (tt.RestartPolicy ??= {}).Window = parseDuration(rp('restart-window')!);
  const uc = () => (spec.UpdateConfig ??= {});
  if (rp('update-parallelism')) uc().Parallelism = parseUint('update-parallelism', rp('update-parallelism')!);
  if (rp('update-delay')) uc().Delay = parseDuration(rp('update-delay')!);
  if (rp('update-order')) uc().Order = rp('update-order') as 'start-first';
  if (rp('update-failure-action')) uc().FailureAction = rp('update-failure-action') as 'pause';
  if (rp('update-monitor')) uc().Monitor = parseDuration(rp('update-monitor')!);
  if (rp('update-max-failure-ratio')) uc().MaxFailureRatio = goParseFloat(rp('update-max-failure-ratio')!);
  const rc = () => (spec.RollbackConfig ??= {});
  if (rp('rollback-parallelism')) rc().Parallelism = parseUint('rollback-parallelism', rp('rollback-parallelism')!);
  if (rp('rollback-delay')) rc().Delay = parseDuration(rp('rollback-delay')!);
  if (rp('rollback-order')) rc().Order = rp('rollback-order') as 'start-first';
  if (rp('rollback-failure-action')) rc().FailureAction = rp('rollback-failure-action') as 'pause';
  if (rp('rollback-monitor')) rc().Monitor = parseDuration(rp('rollback-monitor')!);
  if (rp('rollback-max-failure-ratio')) rc().MaxFailureRatio = goParseFloat(rp('rollback-max-failure-ratio')!);
  const res = () => (tt.Resources ??= {});
  if (rp('limit-cpu')) (res().Limits ??= {}).NanoCPUs = parseCpus(rp('limit-cpu')!);
  if (rp('limit-memory')) (res().Limits ??= {}).MemoryBytes = ramInBytes(rp('limit-memory')!);
  if (rp('reserve-cpu')) (res().Reservations ??= {}).NanoCPUs = parseCpus(rp('reserve-cpu')!);
  if (rp('reserve-memory')) (res().Reservations ??= {}).MemoryBytes = ramInBytes(rp('reserve-memory')!);
  if (rp('workdir')) cs.Dir = rp('workdir');
  if (rp('user')) cs.User = rp('user');
  if (rp('hostname')) cs.Hostname = rp('hostname');
  if (rp('stop-signal')) cs.StopSignal = rp('stop-signal');
  if (rp('stop-grace-period')) cs.StopGracePeriod = parseDuration(rp('stop-grace-period')!);
  if (rp('entrypoint')) cs.Command = rp('entrypoint')!.split(' ');
}

const UPDATE_SETTINGS = ['update-parallelism', 'update-delay', 'update-order', 'update-failure-action', 'update-monitor', 'update-max-failure-ratio',
  'rollback-parallelism', 'rollback-delay', 'rollback-order', 'rollback-failure-action', 'rollback-monitor', 'rollback-max-failure-ratio'];

/** --mode, --replicas and --max-concurrent as docker's ToServiceMode (create) and its update of a job's counts. */
function applyMode(spec: ServiceSpec, p: Parsed) {
  const mode = one(p, 'mode');
  const replicasText = one(p, 'replicas');
  const replicas = replicasText === undefined ? undefined : parseUint('replicas', replicasText);
  const concText = one(p, 'max-concurrent');
  const concurrent = concText === undefined ? undefined : parseUint('max-concurrent', concText);
  const onlyReplicated = 'replicas can only be used with replicated or replicated-job mode';
  const onlyJob = 'max-concurrent can only be used with replicated-job mode';
  if (mode) {
    if (mode === 'global' || mode === 'global-job') {
      if (replicas !== undefined) throw new Error(onlyReplicated);
      if (one(p, 'replicas-max-per-node')) throw new Error('replicas-max-per-node can only be used with replicated or replicated-job mode');
      if (concurrent !== undefined) throw new Error(onlyJob);
      spec.Mode = mode === 'global' ? { Global: {} } : { GlobalJob: {} };
    } else if (mode === 'replicated') {
      if (concurrent !== undefined) throw new Error(onlyJob);
      spec.Mode = { Replicated: replicas === undefined ? {} : { Replicas: replicas } };
    } else if (mode === 'replicated-job') {
      const c = concurrent ?? replicas;
      spec.Mode = { ReplicatedJob: { ...(c !== undefined ? { MaxConcurrent: c } : {}), ...(replicas !== undefined ? { TotalCompletions: replicas } : {}) } };
    } else throw new Error(`Unknown mode: ${mode}, only replicated and global supported`);
    if ((spec.Mode.ReplicatedJob || spec.Mode.GlobalJob) && UPDATE_SETTINGS.some((k) => one(p, k) !== undefined)) {
      throw new Error('update and rollback configuration is not supported for jobs');
    }
    return;
  }
  // service update: the counts of the mode the service has
  if (replicas !== undefined) {
    if (spec.Mode?.ReplicatedJob) spec.Mode.ReplicatedJob.TotalCompletions = replicas;
    else if (!spec.Mode || spec.Mode.Replicated) spec.Mode = { Replicated: { Replicas: replicas } };
    else throw new Error('replicas can only be used with replicated mode'); // docker's update words differ from its create's
  }
  if (concurrent !== undefined) {
    if (!spec.Mode?.ReplicatedJob) throw new Error(onlyJob);
    spec.Mode.ReplicatedJob.MaxConcurrent = concurrent;
  }
}

/** `service ls` REPLICAS as the docker CLI prints it (jobs with their progress). */
export function replicasText(s: Service): string {
  const running = s.ServiceStatus?.RunningTasks ?? 0;
  const desired = s.ServiceStatus?.DesiredTasks ?? 0;
  const completed = s.ServiceStatus?.CompletedTasks ?? 0;
  if (s.Spec.Mode?.ReplicatedJob) return `${running}/${desired} (${completed}/${s.Spec.Mode.ReplicatedJob.TotalCompletions ?? 0} completed)`;
  if (s.Spec.Mode?.GlobalJob) return `${running}/${desired} (${completed}/${desired + completed} completed)`;
  const max = s.Spec.Mode?.Replicated ? s.Spec.TaskTemplate?.Placement?.MaxReplicas ?? 0 : 0;
  return max > 0 ? `${running}/${desired} (max ${max} per node)` : `${running}/${desired}`;
}

const shortId = (id: string) => id.slice(0, 12);


function modeOf(s: Service): string {
  if (s.Spec.Mode?.Global) return 'global';
  if (s.Spec.Mode?.ReplicatedJob) return 'replicated job';
  if (s.Spec.Mode?.GlobalJob) return 'global job';
  return 'replicated';
}

export async function serviceCommand(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, rest] = subcommand('service', argv);
  switch (sub) {
    case 'create': {
      const p = parseCommand(CMD.create, rest, CREATE_FLAGS, false);
      checkArgs(CMD.create, p.args, 1);
      const [image, ...args] = p.args;
      const spec: ServiceSpec = { Name: one(p, 'name'), TaskTemplate: { ContainerSpec: { Image: imageWithDefaultTag(image), ...(args.length ? { Args: args } : {}) } } };
      applyFlags(spec, p);
      applyCreateHealth(spec.TaskTemplate!.ContainerSpec!, p);
      await applyCreateContainerFlags(c, spec, p);
      applyCreateDefaults(spec);
      applyKeepSource(spec, p);
      await applyCreateRefs(c, spec, p);
      const r = await c.post<{ ID: string }>('/services/create', spec);
      out(`${r.ID}\n`);
      if (!has(p, 'detach')) await waitOnService(c, r.ID, has(p, 'quiet'), out);
      return 0;
    }
    case 'ls': case 'list': {
      const p = parseCommand(CMD.ls, rest, { quiet: { short: 'q', value: false }, filter: typed(T.filter, 'f'), format: V });
      checkArgs(CMD.ls, p.args, 0, 0);
      const filters = filtersOf(all(p, 'filter'));
      const services = await c.get<Service[]>(`/services?status=true&filters=${q(filters)}`);
      services.sort((a, b) => (a.Spec.Name! < b.Spec.Name! ? -1 : 1));
      if (has(p, 'quiet')) { out(services.map((s) => `${shortId(s.ID)}\n`).join('')); return 0; }
      const rows = services.map((s) => ({
        ID: shortId(s.ID), Name: s.Spec.Name, Mode: modeOf(s),
        Replicas: replicasText(s),
        Image: (s.Spec.TaskTemplate?.ContainerSpec?.Image ?? '').split('@')[0], Ports: servicePortsColumn(s.Endpoint?.Ports),
      }));
      out(formatRows(rows, one(p, 'format'), 'table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}', {}, 'service.serviceContext'));
      return 0;
    }
    case 'inspect': {
      return inspectServices(c, rest, out);
    }
    case 'ps': {
      const p = parseCommand(CMD.ps, rest, { quiet: { short: 'q', value: false }, filter: typed(T.filter, 'f'), format: V, 'no-trunc': B, 'no-resolve': B });
      checkArgs(CMD.ps, p.args, 1);
      const filters = filtersOf(all(p, 'filter'));
      // docker's service ps: the services found in one table, then those not found (exit 1); -q shows whole IDs
      const ids: string[] = [];
      const missing: string[] = [];
      for (const ref of p.args) {
        const s = await c.get<Service>(`/services/${encodeURIComponent(ref)}`).catch(() => undefined);
        if (s) ids.push(s.ID); else missing.push(`no such service: ${ref}`);
      }
      if (ids.length) {
        const tasks = await tasksWhere(c, filters, 'service', ids);
        await printTasks(c, tasks, { quiet: has(p, 'quiet'), noTrunc: has(p, 'no-trunc') || has(p, 'quiet'), noResolve: has(p, 'no-resolve'), format: one(p, 'format') }, out);
      }
      if (missing.length) throw new FormatError(missing.join('\n'), 1);
      return 0;
    }
    case 'scale': {
      const p = parseCommand(CMD.scale, rest, { detach: { short: 'd', value: false } });
      checkArgs(CMD.scale, p.args, 1);
      // docker's scaleArgs: every argument SERVICE=REPLICAS, both parts given
      for (const a of p.args) {
        const i = a.indexOf('=');
        if (i <= 0 || i === a.length - 1) {
          throw new FormatError(`invalid scale specifier '${a}'.\nSee 'tswarm service scale --help'.\n\nUsage:  tswarm ${CMD.scale.path} ${CMD.scale.use}\n\nScale one or multiple replicated services`);
        }
      }
      const scaled: string[] = [];
      const errors: string[] = [];
      for (const a of p.args) {
        const name = a.slice(0, a.indexOf('='));
        const n = a.slice(a.indexOf('=') + 1);
        // docker's strconv.ParseUint(n, 10, 64): a bad count is reported after the others are scaled
        const why = !/^\d+$/.test(n) ? 'invalid syntax' : BigInt(n) >= 2n ** 64n ? 'value out of range' : '';
        if (why) { errors.push(`${name}: invalid replicas value ${n}: strconv.ParseUint: parsing ${goQuote(n)}: ${why}`); continue; }
        // docker's runServiceScale: a failure is reported as `name: error` after the others are scaled
        try {
          const s = await c.get<Service>(`/services/${encodeURIComponent(name)}`);
          const mode = s.Spec.Mode;
          const count = Number(n);
          let next: ServiceSpec['Mode'];
          if (mode?.Replicated) next = { Replicated: { ...mode.Replicated, Replicas: count } };
          else if (mode?.ReplicatedJob) next = { ReplicatedJob: { ...mode.ReplicatedJob, TotalCompletions: count } };
          else throw new Error('scale can only be used with replicated or replicated-job mode');
          await c.post(`/services/${s.ID}/update?version=${s.Version.Index}`, { ...s.Spec, Mode: next });
        } catch (e) { errors.push(`${name}: ${daemonErrorText(e)}`); continue; }
        out(`${name} scaled to ${n}\n`);
        scaled.push(name);
      }
      // as docker: every service scaled first, then each waited on
      if (!has(p, 'detach')) for (const name of scaled) await waitOnService(c, name, false, out);
      if (errors.length) throw new Error(errors.join('\n'));
      return 0;
    }
    case 'update': case 'rollback': {
      const cmd = sub === 'rollback' ? CMD.rollback : CMD.update;
      const p: Parsed = parseCommand(cmd, rest, sub === 'rollback' ? { detach: { short: 'd', value: false }, quiet: { short: 'q', value: false } } : UPDATE_FLAGS);
      checkArgs(cmd, p.args, 1, 1);
      const ref = p.args[0];
      const s = await c.get<Service>(`/services/${encodeURIComponent(ref)}`);
      const spec = structuredClone(s.Spec);
      const rollback = sub === 'rollback' || has(p, 'rollback');
      if (!rollback) {
        applyFlags(spec, p);
        const cs = spec.TaskTemplate!.ContainerSpec!;
        applyUpdateHealth(cs, p);
        if (one(p, 'image')) cs.Image = one(p, 'image');
        if (cs.Image) cs.Image = imageWithDefaultTag(cs.Image);
        if (one(p, 'args')) cs.Args = one(p, 'args')!.split(' ');
        const rmKeys = new Set(all(p, 'env-rm'));
        const added = all(p, 'env-add');
        const addKeys = new Set(added.map((e) => e.split('=')[0]));
        cs.Env = [...(cs.Env ?? []).filter((e) => !rmKeys.has(e.split('=')[0]) && !addKeys.has(e.split('=')[0])), ...added];
        for (const l of all(p, 'label-add')) { const [k, ...v] = l.split('='); (spec.Labels ??= {})[k] = v.join('='); }
        for (const k of all(p, 'label-rm')) delete spec.Labels?.[k];
        if (has(p, 'publish-add') || has(p, 'publish-rm')) {
          const ep = (spec.EndpointSpec ??= {});
          ep.Ports = updatePorts(ep.Ports ?? [], all(p, 'publish-add').flatMap(parsePortOpt), all(p, 'publish-rm').flatMap(parsePortOpt));
        }
        applyKeepSource(spec, p);
        await applyUpdateRefs(c, spec, p);
        await applyUpdateContainerFlags(c, spec, p);
        updatePlacement(spec.TaskTemplate!, p);
        if (has(p, 'force')) spec.TaskTemplate!.ForceUpdate = (spec.TaskTemplate!.ForceUpdate ?? 0) + 1;
      }
      // a rollback sends the service's current spec, as docker does; the daemon takes the previous one
      const r = await c.post<{ Warnings?: string[] | null }>(`/services/${s.ID}/update?version=${s.Version.Index}${rollback ? '&rollback=previous' : ''}`, spec);
      for (const w of r?.Warnings ?? []) process.stderr.write(`${w}\n`);
      out(`${ref}\n`);
      if (!has(p, 'detach')) await waitOnService(c, ref, has(p, 'quiet'), out);
      return 0;
    }
    case 'rm': case 'remove': {
      const p = parseCommand(CMD.rm, rest, {});
      checkArgs(CMD.rm, p.args, 1);
      const errors: string[] = [];
      for (const ref of p.args) {
        try { await c.del(`/services/${encodeURIComponent(ref)}`); out(`${ref}\n`); } catch (e) { errors.push(daemonErrorText(e)); }
      }
      if (errors.length) throw new FormatError(errors.join('\n'), 1);
      return 0;
    }
    case 'logs': return serviceLogs(c, rest, out);
    default: throw unknownSubcommand('service', sub); // not reached: subcommand() knows the names
  }
}


export function filtersOf(list: string[]): Record<string, string[]> {
  const f: Record<string, string[]> = {};
  for (const x of list) {
    const i = x.indexOf('=');
    if (i < 0) throw new Error(`bad format of filter (expected name=value)`);
    (f[x.slice(0, i)] ??= []).push(x.slice(i + 1));
  }
  return f;
}

