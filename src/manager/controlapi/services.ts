import { checkPortConflicts } from './port-conflicts.js';
import { refuseImageOnlyOnProcessNodes } from './process-only.js';
import { progressKey } from '../../store/tables.js';
import { TASK_STATES } from '../../types/objects.js';
import { newId } from '../../ids.js';
import { isoNano } from '../../clock.js';
import type { ReadTx } from '../../store/store.js';
import { notFound } from '../../types/errors.js';
import type { Service, ServiceSpec } from '../../types/objects.js';
import type { Filters, ServiceUpdateOptions } from './api.js';
import type { ControlDeps } from './deps.js';
import { anyOf, labelsMatch, validateFilters, validateFilterValues } from './filters.js';
import { lookup } from './lookup.js';
import { resolveServiceNetworks } from './networks.js';
import { outOfSequence, rpcError } from './rpc-errors.js';
import { defaultUpdateConfig, serviceMode, validateServiceSpec, withServiceDefaults } from './service-spec.js';
import { checkRefsExist, validateServiceRefs } from './service-refs.js';
import { withDnsDefault } from './container-spec-echo.js';
import { randomServiceName } from './random-name.js';
import { endpointNeedingNothing } from '../allocator/service-networks.js';
import { inIteration, isJob, isJobSpec, iterationVersion, jobIteration } from '../orchestrator/job.js';

const serviceName = (s: Service) => s.Spec.Name;

/** Services: create, inspect, list, update (and rollback), remove. */
export class ServiceControl {
  constructor(private d: ControlDeps) {}

  async create(specGiven: ServiceSpec): Promise<{ ID: string; Warnings?: string[] }> {
    // Docker names a service created without a name (adjective_surname).
    const specIn = specGiven.Name ? specGiven
      : { ...specGiven, Name: randomServiceName((n) => this.d.store.view((tx) => !!tx.services.getByName(n))) };
    validateServiceSpec(specIn);
    validateServiceRefs(specIn);
    const spec = withServiceDefaults(specIn);
    const id = newId();
    await this.d.store.update((tx) => {
      checkRefsExist(tx, spec);
      if (tx.services.getByName(spec.Name!)) {
        throw rpcError('AlreadyExists', `name conflicts with an existing object: service ${spec.Name} already exists`);
      }
      checkPortConflicts(tx, spec, undefined);
      refuseImageOnlyOnProcessNodes(tx, spec);
      const resolved = resolveServiceNetworks(tx, spec);
      const endpoint = endpointNeedingNothing(resolved);
      tx.create('services', {
        ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: resolved, ...(endpoint ? { Endpoint: endpoint } : {}),
        ...(isJobSpec(spec) ? { JobStatus: { JobIteration: iterationVersion(0), LastExecution: isoNano(this.d.clock.now()) } } : {}),
      });
    });
    return { ID: id };
  }

  get(ref: string, opts: { insertDefaults?: boolean } = {}): Service {
    const s = this.d.store.view((tx) => lookup(tx.services.all(), ref, 'service', serviceName));
    // Jobs store no update settings (a job refuses them); Docker shows the defaults when asked.
    if (!opts.insertDefaults) return s;
    let spec = s.Spec;
    if (isJob(s) && (!spec.UpdateConfig || !spec.RollbackConfig)) {
      spec = { ...spec, UpdateConfig: spec.UpdateConfig ?? defaultUpdateConfig(), RollbackConfig: spec.RollbackConfig ?? defaultUpdateConfig() };
    }
    const cs = spec.TaskTemplate?.ContainerSpec;
    if (cs && !cs.DNSConfig) spec = { ...spec, TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: withDnsDefault(cs) } };
    return spec === s.Spec ? s : { ...s, Spec: spec };
  }

  list(filters: Filters, opts: { status?: boolean } = {}): Service[] {
    validateFilters(filters, ['id', 'name', 'label', 'mode']);
    validateFilterValues(filters, 'mode', ['replicated', 'global', 'replicated-job', 'global-job']);
    return this.d.store.view((tx) => {
      const out = tx.services.all().filter((s) =>
        anyOf(filters, 'id', (v) => s.ID.startsWith(v))
        && anyOf(filters, 'name', (v) => (s.Spec.Name ?? '').startsWith(v))
        && anyOf(filters, 'mode', (v) => serviceMode(s.Spec) === v)
        && labelsMatch(filters, 'label', s.Spec.Labels));
      return opts.status ? out.map((s) => ({ ...s, ServiceStatus: serviceStatus(tx, s) })) : out;
    });
  }

  async update(ref: string, version: number, specIn: ServiceSpec, opts: ServiceUpdateOptions = {}): Promise<{ Warnings?: string[] }> {
    // As Docker: the service is looked up, then the spec validated, then its version compared.
    const cur = this.get(ref);
    if (opts.rollback !== 'previous') validateServiceSpec(specIn);
    if (opts.rollback !== 'previous') validateServiceRefs(specIn);
    // As swarmkit: a rename or a mode change is refused before the version is compared.
    if (opts.rollback !== 'previous' && specIn.Name !== cur.Spec.Name) throw rpcError('Unimplemented', 'renaming services is not supported');
    if (opts.rollback !== 'previous' && serviceMode(specIn) !== serviceMode(cur.Spec)) throw rpcError('Unimplemented', 'service mode change is not allowed');
    if (cur.Version.Index !== version) throw outOfSequence();
    let spec: ServiceSpec;
    let previous: ServiceSpec | undefined = cur.Spec;
    let updateStatus = cur.UpdateStatus;
    if (opts.rollback === 'previous') {
      if (!cur.PreviousSpec) throw rpcError('FailedPrecondition', `service ${cur.ID} does not have a previous spec`);
      // As swarmkit: the specs swap, so a second rollback goes back again.
      spec = structuredClone(cur.PreviousSpec);
      previous = cur.Spec;
      updateStatus = { State: 'rollback_started', StartedAt: isoNano(this.d.clock.now()), Message: 'manually requested rollback' };
    } else {
      spec = withServiceDefaults(specIn);
      updateStatus = undefined; // as swarmkit: a new update starts afresh (a paused one is left behind)
      if (spec.Name !== cur.Spec.Name) throw rpcError('Unimplemented', 'renaming services is not supported');
      if (serviceMode(spec) !== serviceMode(cur.Spec)) throw rpcError('Unimplemented', 'service mode change is not allowed');
    }
    await this.d.store.update((tx) => {
      const now = tx.services.get(cur.ID);
      if (!now) throw notFound(`service ${ref} not found`);
      if (now.Version.Index !== version) throw outOfSequence();
      checkRefsExist(tx, spec);
      checkPortConflicts(tx, spec, cur.ID);
      refuseImageOnlyOnProcessNodes(tx, spec);
      const resolved = resolveServiceNetworks(tx, spec);
      // Nothing held before (no VIP, no port to release) and nothing to allocate now: the endpoint goes with this write.
      const holds = !!(now.Endpoint?.VirtualIPs?.length || now.Endpoint?.Ports?.length);
      const endpoint = holds ? undefined : endpointNeedingNothing(resolved);
      tx.update('services', {
        ...structuredClone(now), Spec: resolved, PreviousSpec: previous, ...(endpoint ? { Endpoint: endpoint } : {}),
        UpdateStatus: updateStatus,
        // As swarmkit: every update of a job starts its next run.
        ...(now.JobStatus ? { JobStatus: { JobIteration: iterationVersion(jobIteration(now) + 1), LastExecution: isoNano(this.d.clock.now()) } } : {}),
      });
    });
    return {};
  }

  async remove(ref: string): Promise<void> {
    const s = this.get(ref);
    await this.d.store.update((tx) => tx.remove('services', s.ID));
  }
}

/** RunningTasks / DesiredTasks / CompletedTasks as `service ls` shows them. */
function serviceStatus(tx: ReadTx, s: Service) {
  if (isJob(s)) return jobStatus(tx, s);
  // From the store's counts: a service may have 100,000 tasks, and `service ls` is polled.
  const n = (state: string, desired: string) => tx.tasks.count('progress', progressKey(s.ID, state, desired));
  const running = n('running', 'running');
  let desiredRunning = 0;
  for (const st of TASK_STATES) desiredRunning += n(st, 'running');
  const desired = s.Spec.Mode?.Replicated ? s.Spec.Mode.Replicated.Replicas ?? 1 : desiredRunning;
  // As swarmkit's ListServiceStatuses: completed tasks count for jobs only.
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: 0 };
}

/**
 * swarmkit's ListServiceStatuses for a job: only the current run's tasks;
 * desired = MaxConcurrent (replicated job) or, for a global job, the tasks
 * still to complete.
 */
function jobStatus(tx: ReadTx, s: Service) {
  const iteration = jobIteration(s);
  let running = 0;
  let completed = 0;
  let pending = 0;
  for (const t of tx.tasks.find({ serviceId: s.ID })) {
    if (!inIteration(t, iteration)) continue;
    if (t.Status.State === 'complete') completed++;
    if (t.Status.State === 'running') running++;
    if (t.DesiredState === 'complete' && t.Status.State !== 'complete') pending++;
  }
  const desired = s.Spec.Mode?.ReplicatedJob ? s.Spec.Mode.ReplicatedJob.MaxConcurrent ?? 1 : pending;
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}
