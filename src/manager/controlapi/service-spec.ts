import { checkPortKinds } from './port-conflicts.js';
import type { HealthConfig, RestartPolicy, ServiceSpec, UpdateConfig } from '../../types/objects.js';
import { parseConstraint } from './constraints.js';
import { rpcError } from './rpc-errors.js';
import { badRequest } from '../../types/errors.js';
import { serviceSpec as serviceSpecSchema } from '../../types/schema.js';
import { refuseUnsupported } from './unsupported.js';
import { isJobSpec } from '../orchestrator/job.js';
import { validateResources } from './resources.js';
import { withIsolation } from './container-spec-echo.js';
import { containerSpecTemplateError } from '../../template/task-template.js';

const SECOND_NS = 1e9;

export const defaultUpdateConfig = (): UpdateConfig =>
  ({ Parallelism: 1, FailureAction: 'pause', Monitor: 5 * SECOND_NS, MaxFailureRatio: 0, Order: 'stop-first' });

/** Defaults applied once, at create/update, so every reader sees the same spec. */
export function withServiceDefaults(spec: ServiceSpec): ServiceSpec {
  const s = structuredClone(spec);
  s.Labels ??= {};
  s.Mode ??= { Replicated: { Replicas: 1 } };
  if (s.Mode.Replicated) s.Mode.Replicated.Replicas ??= 1;
  if (s.Mode.ReplicatedJob) {
    // As Docker's spec conversion: MaxConcurrent 1 unless given, TotalCompletions = MaxConcurrent unless given.
    const rj = s.Mode.ReplicatedJob;
    rj.MaxConcurrent ??= 1;
    rj.TotalCompletions ??= rj.MaxConcurrent;
  }
  const job = isJobSpec(s);
  const tt = (s.TaskTemplate ??= {});
  tt.ContainerSpec ??= {};
  tt.ContainerSpec.StopGracePeriod ??= 10 * SECOND_NS;
  tt.ContainerSpec = withIsolation(tt.ContainerSpec);
  tt.Resources ??= { Limits: {}, Reservations: {} };
  tt.RestartPolicy = { Condition: 'any', Delay: 5 * SECOND_NS, MaxAttempts: 0, ...tt.RestartPolicy };
  tt.Placement ??= {};
  tt.ForceUpdate ??= 0;
  tt.Runtime ??= 'container';
  // Jobs have no update config (swarmkit refuses one): defaults would come back in the next update.
  if (!job) s.UpdateConfig = withUpdateDefaults(s.UpdateConfig);
  if (!job) s.RollbackConfig = withUpdateDefaults(s.RollbackConfig);
  else if (s.RollbackConfig) s.RollbackConfig = withUpdateDefaults(s.RollbackConfig);
  s.EndpointSpec = { Mode: 'vip', ...s.EndpointSpec };
  for (const p of s.EndpointSpec.Ports ?? []) {
    p.Protocol ??= 'tcp';
    p.PublishMode ??= 'ingress';
  }
  return s;
}

/** swarmkit's isValidDNSName: letters and digits, with `-` or `_` only between them (stacks name services `stack_service`). */
const NAME_RE = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;

/** swarmkit's validateAnnotations. */
function validateName(name: string | undefined) {
  if (!name) throw rpcError('InvalidArgument', 'meta: name must be provided');
  if (!NAME_RE.test(name)) throw rpcError('InvalidArgument', 'name must be valid as a DNS name component');
  // DNS labels are limited to 63 characters.
  if (name.length > 63) throw rpcError('InvalidArgument', 'name must be 63 characters or fewer');
}

/**
 * What Docker checks before swarmkit (its spec conversion, answered 400
 * without "rpc error"), then swarmkit's validateServiceSpec, then the fields
 * tswarm does not act on yet: the errors Docker relays, as it relays them.
 */
export function validateServiceSpec(s: ServiceSpec): void {
  const modes = Object.keys(s.Mode ?? {}).filter((k) => (s.Mode as Record<string, unknown>)[k] !== undefined);
  if (modes.length > 1) throw badRequest('must specify only one service mode');
  checkEnumValues(s);
  for (const u of [s.UpdateConfig, s.RollbackConfig]) checkUpdateConfigValues(u);
  const runtime = s.TaskTemplate?.Runtime ?? '';
  if (runtime !== '' && runtime !== 'container') {
    throw badRequest(`TaskTemplate.Runtime ${JSON.stringify(runtime)}: not supported by tswarm yet (only container)`);
  }
  if (!s.TaskTemplate?.ContainerSpec) throw badRequest('mismatched Runtime and *Spec fields');
  refuseUnsupported(serviceSpecSchema, s);
  validateName(s.Name);
  validateResources(s);
  validateRestartPolicy(s.TaskTemplate.RestartPolicy);
  const cs = s.TaskTemplate.ContainerSpec;
  // swarmkit expands the container spec's templates for a placeholder task first: a bad one is refused.
  const templateError = containerSpecTemplateError(s);
  if (templateError) throw rpcError('InvalidArgument', templateError);
  if (!cs.Image) throw rpcError('InvalidArgument', 'ContainerSpec: image reference must be provided');
  if (isJobSpec(s)) {
    // swarmkit's validateJob: update settings are refused for jobs (rollback settings are not checked).
    if (s.UpdateConfig) throw rpcError('InvalidArgument', 'Jobs may not have an update config');
  }
  const replicas = s.Mode?.Replicated?.Replicas;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    throw rpcError('InvalidArgument', `invalid replicas value: ${replicas}`);
  }
  for (const c of s.TaskTemplate?.Placement?.Constraints ?? []) {
    try { parseConstraint(c); } catch (e) { throw rpcError('Unknown', (e as Error).message); }
  }
  const targets = new Set<string | undefined>();
  for (const m of cs.Mounts ?? []) {
    if (targets.has(m.Target)) throw rpcError('InvalidArgument', `ContainerSpec: duplicate mount point: ${m.Target ?? ''}`);
    targets.add(m.Target);
  }
  validateHealthCheck(cs.HealthCheck);
  for (const m of cs.Mounts ?? []) {
    if (!m.Target) throw rpcError('InvalidArgument', 'ContainerSpec: Target must be specified for mount');
    if (m.Type === 'bind' && !m.Source) throw rpcError('InvalidArgument', `ContainerSpec: invalid bind mount source, source is required`);
    if (m.Type === 'bind' && !m.Source!.startsWith('/')) throw rpcError('InvalidArgument', `ContainerSpec: invalid bind mount source, must be an absolute path: ${m.Source}`);
  }
  const mode = s.EndpointSpec?.Mode;
  if (mode !== undefined && mode !== 'vip' && mode !== 'dnsrr') throw badRequest(`invalid resolution mode: ${JSON.stringify(mode)}`);
  if (mode === 'dnsrr' && (s.EndpointSpec?.Ports ?? []).some((p) => (p.PublishMode ?? 'ingress') === 'ingress')) {
    throw rpcError('InvalidArgument', "EndpointSpec: port published with ingress mode can't be used with dnsrr mode");
  }
  checkPortKinds(s.EndpointSpec?.Ports ?? []);
  const seen = new Set<string>();
  for (const p of s.EndpointSpec?.Ports ?? []) {
    if (!p.TargetPort || p.TargetPort < 1 || p.TargetPort > 65535) throw rpcError('InvalidArgument', 'EndpointSpec: port number out of range');
    if (p.PublishedPort !== undefined && (p.PublishedPort < 0 || p.PublishedPort > 65535)) throw rpcError('InvalidArgument', 'EndpointSpec: port number out of range');
    if (!p.PublishedPort) continue;
    const key = `${p.PublishedPort}/${p.Protocol ?? 'tcp'}/${p.PublishMode ?? 'ingress'}`;
    if (seen.has(key)) throw rpcError('InvalidArgument', `EndpointSpec: duplicate published ports provided`);
    seen.add(key);
  }
  const u = s.UpdateConfig;
  if (u?.Delay !== undefined && u.Delay < 0) throw rpcError('InvalidArgument', 'TaskSpec: update-delay cannot be negative');
  if (u?.Monitor !== undefined && u.Monitor < 0) throw rpcError('InvalidArgument', 'TaskSpec: update-monitor cannot be negative');
  if (u?.MaxFailureRatio !== undefined && (u.MaxFailureRatio < 0 || u.MaxFailureRatio > 1)) throw rpcError('InvalidArgument', 'TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1');
}

/** swarmkit's validateHealthCheck: durations 0 (the default) or at least 1ms, retries not negative. */
function validateHealthCheck(hc: HealthConfig | undefined) {
  for (const key of ['Interval', 'Timeout', 'StartPeriod'] as const) {
    const v = hc?.[key];
    if (v !== undefined && v !== 0 && v < 1_000_000) throw rpcError('InvalidArgument', `ContainerSpec: ${key} in HealthConfig cannot be less than 1ms`);
  }
  if (hc?.Retries !== undefined && hc.Retries < 0) throw rpcError('InvalidArgument', 'ContainerSpec: Retries in HealthConfig cannot be negative');
}

/** Docker 20.10's conversion of the spec to swarmkit's (400, before swarmkit) knows these names only: mounts first, then the restart condition. */
function checkEnumValues(s: ServiceSpec) {
  for (const m of s.TaskTemplate?.ContainerSpec?.Mounts ?? []) {
    const type = m.Type as string | undefined;
    if (type && !['bind', 'volume', 'tmpfs', 'npipe'].includes(type)) throw badRequest(`invalid MountType: ${JSON.stringify(type)}`);
    const propagation = m.BindOptions?.Propagation;
    if (propagation && !['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'].includes(propagation)) {
      throw badRequest(`invalid MountPropagation: ${JSON.stringify(propagation)}`);
    }
  }
  const condition = s.TaskTemplate?.RestartPolicy?.Condition as string | undefined;
  if (condition && !['none', 'on-failure', 'any'].includes(condition)) throw badRequest(`invalid RestartCondition: ${JSON.stringify(condition)}`);
}

/** swarmkit's validateRestartPolicy: no negative delay or window. */
function validateRestartPolicy(rp: RestartPolicy | undefined) {
  if (rp?.Delay !== undefined && rp.Delay < 0) throw rpcError('InvalidArgument', 'TaskSpec: restart-delay cannot be negative');
  if (rp?.Window !== undefined && rp.Window < 0) throw rpcError('InvalidArgument', 'TaskSpec: restart-window cannot be negative');
}

/** Docker's spec conversion (400, before swarmkit) checks the failure action and order of both configs, with one text. */
function checkUpdateConfigValues(u: UpdateConfig | undefined) {
  if (!u) return;
  const action = u.FailureAction as string | undefined;
  if (action && !['pause', 'continue', 'rollback'].includes(action)) throw badRequest(`unrecognized update failure action ${action}`);
  const order = u.Order as string | undefined;
  if (order && !['stop-first', 'start-first'].includes(order)) throw badRequest(`unrecognized update order ${order}`);
}

/** An empty failure action or order means the default, as Docker converts it. */
function withUpdateDefaults(u: UpdateConfig | undefined): UpdateConfig {
  const out = { ...defaultUpdateConfig(), ...u };
  if (!out.FailureAction) out.FailureAction = 'pause';
  if (!out.Order) out.Order = 'stop-first';
  return out;
}

export function serviceMode(s: ServiceSpec): 'replicated' | 'global' | 'replicated-job' | 'global-job' {
  if (s.Mode?.Global) return 'global';
  if (s.Mode?.ReplicatedJob) return 'replicated-job';
  if (s.Mode?.GlobalJob) return 'global-job';
  return 'replicated';
}
