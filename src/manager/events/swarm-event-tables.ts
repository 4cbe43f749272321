import type { Node, Service } from '../../types/objects.js';
import type { ChangeAction } from '../../store/tables.js';

/**
 * What a store table's changes are as Docker events (moby daemon/events.go,
 * logNodeEvent, logServiceEvent, …): the event Type, the Actor's name and,
 * for an update, the attributes that say what changed.
 */
export interface SwarmEventTable {
  type: string;
  /** The Actor's "name" attribute (default: Spec.Name). */
  name?(o: unknown): string;
  /** Attributes describing an update (old and new object). */
  changes?(o: unknown, old: unknown): Record<string, string>;
  /** An update that is tswarm's bookkeeping, which Docker does within the create: no event. */
  quiet?(o: unknown, old: unknown): boolean;
  /**
   * swarmkit's allocator writes a new object's allocation as an update just
   * after its create (Docker shows `create` then `update`); tswarm allocates
   * within the create, and shows the same two events.
   */
  allocatedAfterCreate?: boolean;
}

type Spec = { Spec?: { Name?: string } };
const lower = (v: unknown) => String(v ?? '').toLowerCase();

function nodeName(o: unknown): string {
  const n = o as Node;
  return n.Spec?.Name || n.Description?.Hostname || '';
}

/** availability/role/state and, between two manager statuses, leader/reachability: old and new. */
function nodeChanges(o: unknown, prev: unknown): Record<string, string> {
  const n = o as Node;
  const old = prev as Node;
  const a: Record<string, string> = {};
  const pair = (key: string, was: unknown, now: unknown) => {
    if (lower(was) === lower(now)) return;
    a[`${key}.old`] = lower(was);
    a[`${key}.new`] = lower(now);
  };
  pair('availability', old.Spec?.Availability, n.Spec?.Availability);
  pair('role', old.Spec?.Role, n.Spec?.Role);
  pair('state', old.Status?.State, n.Status?.State);
  if (n.ManagerStatus && old.ManagerStatus) {
    pair('leader', !!old.ManagerStatus.Leader, !!n.ManagerStatus.Leader);
    pair('reachability', old.ManagerStatus.Reachability, n.ManagerStatus.Reachability);
  }
  return a;
}

/** image and replicas (old and new) and the update's state (new, and old when there was one). */
function serviceChanges(o: unknown, prev: unknown): Record<string, string> {
  const s = o as Service;
  const old = prev as Service;
  const a: Record<string, string> = {};
  const image = s.Spec.TaskTemplate?.ContainerSpec?.Image;
  const oldImage = old.Spec.TaskTemplate?.ContainerSpec?.Image;
  if (image !== undefined && oldImage !== undefined && image !== oldImage) { a['image.old'] = oldImage; a['image.new'] = image; }
  const replicas = s.Spec.Mode?.Replicated?.Replicas;
  const oldReplicas = old.Spec.Mode?.Replicated?.Replicas;
  if (s.Spec.Mode?.Replicated && old.Spec.Mode?.Replicated && replicas !== oldReplicas) {
    a['replicas.old'] = String(oldReplicas ?? 0);
    a['replicas.new'] = String(replicas ?? 0);
  }
  const state = s.UpdateStatus?.State;
  if (state) {
    const was = old.UpdateStatus?.State;
    if (!was) a['updatestate.new'] = lower(state);
    else if (was !== state) { a['updatestate.old'] = lower(was); a['updatestate.new'] = lower(state); }
  }
  return a;
}

/**
 * The allocator's first write of a service without ports (Endpoint {Spec}):
 * swarmkit stores that endpoint with the create, so Docker shows no update.
 */
function endpointFill(o: unknown, prev: unknown): boolean {
  const s = o as Service;
  const old = prev as Service;
  if (old.Endpoint || !s.Endpoint || s.Endpoint.Ports?.length || s.Endpoint.VirtualIPs?.length) return false;
  const strip = (x: Service) => JSON.stringify({ ...x, Endpoint: undefined, Version: undefined, UpdatedAt: undefined });
  return strip(s) === strip(old);
}

/**
 * Store table → swarm event: one line per table. A table named here that
 * this build does not have yet (secrets, configs, networks arrive with their
 * own branches) is skipped until it exists.
 */
export const SWARM_EVENT_TABLES: Record<string, SwarmEventTable> = {
  services: { type: 'service', changes: serviceChanges, quiet: endpointFill },
  nodes: { type: 'node', name: nodeName, changes: nodeChanges },
  secrets: { type: 'secret' },
  configs: { type: 'config' },
  networks: { type: 'network', allocatedAfterCreate: true },
};

export function actorName(t: SwarmEventTable, o: unknown): string {
  return t.name ? t.name(o) : (o as Spec).Spec?.Name ?? '';
}

export const ACTIONS: Record<ChangeAction, string> = { create: 'create', update: 'update', remove: 'remove' };
