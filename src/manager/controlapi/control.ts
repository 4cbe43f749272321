import type { Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { MemoryStore, ReadTx } from '../../store/store.js';
import { badRequest, notFound, unavailable } from '../../types/errors.js';
import { TASK_STATES, type Cluster, type Node, type NodeSpec, type Service, type ServiceSpec, type SwarmSpec, type Task } from '../../types/objects.js';
import { progressKey } from '../../store/tables.js';
import { newJoinToken } from '../ca/join-tokens.js';
import { formatUnlockKey, generateUnlockKey } from '../keys/unlock-key.js';
import { startRootRotation, validateSigningCA } from '../ca/node-ca.js';
import type { CAKeyPair } from '../ca/root-ca.js';
import { withRemovedNode } from '../ca/removed-nodes.js';
import type { ControlAPI, Filters, ServiceUpdateOptions } from './api.js';
import { anyOf, labelsMatch, validateFilters } from './filters.js';
import { lookup } from './lookup.js';
import { outOfSequence, rpcError } from './rpc-errors.js';
import { serviceMode, validateServiceSpec, withServiceDefaults } from './service-spec.js';
import { isoNano } from '../../clock.js';
import { isUpToDate } from '../orchestrator/task-factory.js';

const serviceName = (s: Service) => s.Spec.Name;
const nodeName = (n: Node) => n.Spec.Name || n.Description?.Hostname;

/**
 * The control API over the store: validation, defaults and Docker's errors.
 * Bad input throws before any write, so it never leaves a half-written object.
 */
export class Control implements ControlAPI {
  constructor(private store: MemoryStore, private opts: {
    clock: Clock;
    managerStatus?: (n: Node) => Node['ManagerStatus'];
    /** Whether Raft keeps a quorum without this node's member (demotion). */
    canRemoveManager?: (nodeId: string) => boolean;
  }) {}

  /** Leader and reachability are Raft's live view, not stored fields. */
  private withStatus(n: Node): Node {
    const st = n.ManagerStatus && this.opts.managerStatus?.(n);
    return st ? { ...n, ManagerStatus: st } : n;
  }

  private view<T>(fn: (tx: ReadTx) => T): T { return this.store.view(fn); }

  // ---------- services ----------
  async createService(specIn: ServiceSpec): Promise<{ ID: string; Warnings?: string[] }> {
    validateServiceSpec(specIn);
    const spec = withServiceDefaults(specIn);
    const id = newId();
    await this.store.update((tx) => {
      if (tx.services.getByName(spec.Name!)) {
        throw rpcError('AlreadyExists', `name conflicts with an existing object: service ${spec.Name} already exists`);
      }
      checkPortConflicts(tx, spec, undefined);
      tx.create('services', { ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: spec });
    });
    return { ID: id };
  }

  getService(ref: string): Service {
    return this.view((tx) => lookup(tx.services.all(), ref, 'service', serviceName));
  }

  listServices(filters: Filters, opts: { status?: boolean } = {}): Service[] {
    validateFilters(filters, ['id', 'name', 'label', 'mode']);
    return this.view((tx) => {
      const out = tx.services.all().filter((s) =>
        anyOf(filters, 'id', (v) => s.ID.startsWith(v))
        && anyOf(filters, 'name', (v) => (s.Spec.Name ?? '').startsWith(v))
        && anyOf(filters, 'mode', (v) => serviceMode(s.Spec) === v)
        && labelsMatch(filters, 'label', s.Spec.Labels));
      return opts.status ? out.map((s) => ({ ...s, ServiceStatus: serviceStatus(tx, s) })) : out;
    });
  }

  async updateService(ref: string, version: number, specIn: ServiceSpec, opts: ServiceUpdateOptions = {}): Promise<{ Warnings?: string[] }> {
    const cur = this.getService(ref);
    if (cur.Version.Index !== version) throw outOfSequence();
    let spec: ServiceSpec;
    let previous: ServiceSpec | undefined = cur.Spec;
    let updateStatus = cur.UpdateStatus;
    if (opts.rollback === 'previous') {
      if (!cur.PreviousSpec) throw rpcError('FailedPrecondition', `service ${cur.ID} does not have a previous spec`);
      spec = structuredClone(cur.PreviousSpec);
      previous = undefined;
      updateStatus = { State: 'rollback_started', StartedAt: isoNano(this.opts.clock.now()), Message: 'manually requested rollback' };
    } else {
      validateServiceSpec(specIn);
      spec = withServiceDefaults(specIn);
      if (spec.Name !== cur.Spec.Name) throw rpcError('Unimplemented', 'renaming services is not supported');
      if (serviceMode(spec) !== serviceMode(cur.Spec)) throw rpcError('Unimplemented', 'service mode change is not allowed');
    }
    await this.store.update((tx) => {
      const now = tx.services.get(cur.ID);
      if (!now) throw notFound(`service ${ref} not found`);
      if (now.Version.Index !== version) throw outOfSequence();
      checkPortConflicts(tx, spec, cur.ID);
      tx.update('services', {
        ...structuredClone(now), Spec: spec, PreviousSpec: previous,
        ...(updateStatus ? { UpdateStatus: updateStatus } : {}),
      });
    });
    return {};
  }

  async removeService(ref: string): Promise<void> {
    const s = this.getService(ref);
    await this.store.update((tx) => tx.remove('services', s.ID));
  }

  // ---------- tasks ----------
  getTask(ref: string): Task {
    return this.view((tx) => lookup(tx.tasks.all(), ref, 'task', () => undefined));
  }

  listTasks(filters: Filters): Task[] {
    validateFilters(filters, ['id', 'name', 'service', 'node', 'label', 'desired-state', '_up-to-date', 'runtime']);
    for (const v of filters['desired-state'] ?? []) {
      if (!['running', 'shutdown', 'accepted', 'ready', 'remove', 'complete', 'failed', 'rejected'].includes(v)) {
        throw badRequest(`Invalid task desired state filter value: ${v}`);
      }
    }
    return this.view((tx) => {
      const services = tx.services.all();
      const serviceIds = filters.service?.flatMap((v) => services.filter((s) => s.ID === v || s.Spec.Name === v || s.ID.startsWith(v)).map((s) => s.ID));
      const nodes = tx.nodes.all();
      const nodeIds = filters.node?.flatMap((v) => nodes.filter((n) => n.ID === v || nodeName(n) === v || n.ID.startsWith(v)).map((n) => n.ID));
      const base = serviceIds?.length === 1 ? tx.tasks.find({ serviceId: serviceIds[0] }) : tx.tasks.all();
      return base.filter((t) =>
        (!serviceIds || serviceIds.includes(t.ServiceID))
        && (!nodeIds || (t.NodeID !== undefined && nodeIds.includes(t.NodeID)))
        && anyOf(filters, 'id', (v) => t.ID.startsWith(v))
        && anyOf(filters, 'name', (v) => taskName(tx, t).startsWith(v))
        && anyOf(filters, 'desired-state', (v) => t.DesiredState === v)
        && labelsMatch(filters, 'label', t.Labels)
        && anyOf(filters, '_up-to-date', (v) => (v === 'true') === upToDate(tx, t)));
    });
  }

  // ---------- nodes ----------
  getNode(ref: string): Node {
    return this.withStatus(this.view((tx) => lookup(tx.nodes.all(), ref, 'node', nodeName)));
  }

  listNodes(filters: Filters): Node[] {
    validateFilters(filters, ['id', 'name', 'label', 'node.label', 'membership', 'role']);
    return this.view((tx) => tx.nodes.all().filter((n) =>
      anyOf(filters, 'id', (v) => n.ID.startsWith(v))
      && anyOf(filters, 'name', (v) => (nodeName(n) ?? '').startsWith(v))
      && anyOf(filters, 'role', (v) => n.Spec.Role === v)
      && anyOf(filters, 'membership', (v) => v === 'accepted')
      && labelsMatch(filters, 'label', n.Description?.Engine?.Labels)
      && labelsMatch(filters, 'node.label', n.Spec.Labels)).map((n) => this.withStatus(n)));
  }

  async updateNode(ref: string, version: number, spec: NodeSpec): Promise<void> {
    const cur = this.getNode(ref);
    if (cur.Version.Index !== version) throw outOfSequence();
    if (spec.Availability && !['active', 'pause', 'drain'].includes(spec.Availability)) {
      throw rpcError('InvalidArgument', `invalid availability: ${spec.Availability}`);
    }
    if (spec.Role && !['worker', 'manager'].includes(spec.Role)) throw rpcError('InvalidArgument', `invalid role: ${spec.Role}`);
    await this.store.update((tx) => {
      const now = tx.nodes.get(cur.ID)!;
      if (now.Version.Index !== version) throw outOfSequence();
      if (now.Spec.Role === 'manager' && spec.Role === 'worker') {
        const managers = tx.nodes.all().filter((n) => n.Spec.Role === 'manager');
        if (managers.length <= 1) throw rpcError('FailedPrecondition', 'attempting to demote the last manager of the swarm');
        if (this.opts.canRemoveManager && !this.opts.canRemoveManager(now.ID)) {
          throw rpcError('FailedPrecondition', "can't remove member from the raft: this would result in a loss of quorum");
        }
      }
      tx.update('nodes', { ...structuredClone(now), Spec: { Labels: {}, ...spec } });
    });
  }

  async removeNode(ref: string, force: boolean): Promise<void> {
    const n = this.getNode(ref);
    if (n.Spec.Role === 'manager' || n.ManagerStatus) {
      throw rpcError('FailedPrecondition', `node ${n.ID} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`);
    }
    if (!force && n.Status.State !== 'down') {
      throw rpcError('FailedPrecondition', `node ${n.ID} is not down and can't be removed`);
    }
    await this.store.update((tx) => {
      tx.remove('nodes', n.ID);
      // Its certificate stays valid for months: remembered, it is refused on the cluster port until it expires.
      const c = tx.cluster();
      if (c) tx.update('cluster', withRemovedNode(structuredClone(c), n.ID, this.opts.clock.now()));
    });
  }

  // ---------- cluster ----------
  getCluster(): Cluster {
    const c = this.view((tx) => tx.cluster());
    if (!c) throw unavailable('This node is not a swarm manager.');
    return c;
  }

  async updateCluster(version: number, spec: SwarmSpec, flags: { rotateWorkerToken?: boolean; rotateManagerToken?: boolean; rotateManagerUnlockKey?: boolean }): Promise<void> {
    const cur = this.getCluster();
    if (cur.Version.Index !== version) throw outOfSequence();
    const hist = spec.Orchestration?.TaskHistoryRetentionLimit;
    if (hist !== undefined && hist < 0) throw rpcError('InvalidArgument', 'TaskHistoryRetentionLimit must be positive');
    validateCAConfig(spec);
    const autolock = !!spec.EncryptionConfig?.AutoLockManagers;
    // `swarm ca --rotate --ca-cert --ca-key`: the operator's root; the key never stays in the spec.
    const { SigningCACert: signingCert, SigningCAKey: signingKey, ...caConfig } = spec.CAConfig ?? {};
    const known = [cur.RootCA?.CACert, cur.RootCA?.RootRotation?.CACert].map((c) => c?.trim());
    let given: CAKeyPair | undefined;
    if (signingCert && !known.includes(signingCert.trim())) {
      if (!signingKey) throw rpcError('InvalidArgument', 'rotating to an external CA is not supported: give the CA key with --ca-key');
      try { given = validateSigningCA(signingCert, signingKey); } catch (err) { throw rpcError('InvalidArgument', (err as Error).message); }
    }
    await this.store.update((tx) => {
      const now = tx.cluster()!;
      if (now.Version.Index !== version) throw outOfSequence();
      const digest = now.RootDigest ?? '0';
      const rotateCA = !!now.RootCA && (!!given || (spec.CAConfig?.ForceRotate ?? 0) !== (now.Spec.CAConfig?.ForceRotate ?? 0));
      tx.update('cluster', {
        ...structuredClone(now),
        Spec: { ...structuredClone(spec), CAConfig: caConfig, Name: 'default' },
        JoinTokens: {
          Worker: flags.rotateWorkerToken ? newJoinToken(digest) : now.JoinTokens.Worker,
          Manager: flags.rotateManagerToken ? newJoinToken(digest) : now.JoinTokens.Manager,
        },
        // `swarm ca --rotate` bumps ForceRotate: a new root, cross-signed, that nodes move to.
        ...(rotateCA ? { RootCA: startRootRotation(now.RootCA!, new Date(this.opts.clock.now()), given), RootRotationInProgress: true } : {}),
        // Autolock: the key every manager seals its own keys with; a new one on rotation.
        UnlockKey: !autolock ? undefined : flags.rotateManagerUnlockKey || !now.UnlockKey ? formatUnlockKey(generateUnlockKey()) : now.UnlockKey,
      });
    });
  }
}

/** The task runs its service's current template (the CLI's progress display asks for these). */
function upToDate(tx: ReadTx, t: Task): boolean {
  const s = tx.services.get(t.ServiceID);
  return !!s && isUpToDate(t, s);
}

/** "web.1" / "g.<node>" — the name docker prints; used by the name filter. */
function taskName(tx: ReadTx, t: Task): string {
  const name = t.ServiceAnnotations?.Name ?? tx.services.get(t.ServiceID)?.Spec.Name ?? '';
  return t.Slot ? `${name}.${t.Slot}` : `${name}.${t.NodeID ?? ''}`;
}

function checkPortConflicts(tx: ReadTx, spec: ServiceSpec, selfId: string | undefined) {
  for (const p of spec.EndpointSpec?.Ports ?? []) {
    if (!p.PublishedPort || p.PublishMode === 'host') continue;
    for (const other of tx.services.all()) {
      if (other.ID === selfId) continue;
      const clash = (other.Endpoint?.Ports ?? other.Spec.EndpointSpec?.Ports ?? []).find((q) =>
        q.PublishedPort === p.PublishedPort && (q.Protocol ?? 'tcp') === (p.Protocol ?? 'tcp') && (q.PublishMode ?? 'ingress') === 'ingress');
      if (clash) {
        throw rpcError('InvalidArgument', `port '${p.PublishedPort}' is already in use by service '${other.Spec.Name}' (${other.ID}) as an ingress port`);
      }
    }
  }
}

/** RunningTasks / DesiredTasks / CompletedTasks as `service ls` shows them. */
function serviceStatus(tx: ReadTx, s: Service) {
  // From the store's counts (a service may have 100,000 tasks and `service ls` is polled).
  const n = (state: string, desired: string) => tx.tasks.count('progress', progressKey(s.ID, state, desired));
  const running = n('running', 'running');
  let completed = 0;
  let desiredRunning = 0;
  for (const d of TASK_STATES) completed += n('complete', d);
  for (const st of TASK_STATES) desiredRunning += n(st, 'running');
  let desired: number;
  if (s.Spec.Mode?.Replicated) desired = s.Spec.Mode.Replicated.Replicas ?? 1;
  else if (s.Spec.Mode?.ReplicatedJob) desired = s.Spec.Mode.ReplicatedJob.MaxConcurrent ?? 1;
  else desired = desiredRunning;
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}

/** Swarmkit's floor on node certificate life (lowered only by tests, through the environment). */
function minCertExpiryMs(): number {
  return Number(process.env.TSWARM_MIN_CERT_EXPIRY_MS ?? 3600_000);
}

function validateCAConfig(spec: SwarmSpec) {
  const ns = spec.CAConfig?.NodeCertExpiry;
  if (ns !== undefined && ns / 1e6 < minCertExpiryMs()) {
    throw rpcError('InvalidArgument', `minimum certificate expiry time is: ${goDuration(minCertExpiryMs())}`);
  }
}

/** Go's time.Duration String() for whole seconds and up: 1h0m0s, 30s. */
function goDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${m}m${s % 60}s` : m ? `${m}m${s % 60}s` : `${s}s`;
}
