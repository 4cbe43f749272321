import type { Node, Task } from '../../types/objects.js';
import { parseConstraint, type Constraint } from '../controlapi/constraints.js';

/** The value a constraint key names on a node, as swarmkit's constraint matcher reads it. */
export function nodeValue(n: Node, key: string): string | undefined {
  const k = key.toLowerCase();
  if (k === 'node.id') return n.ID;
  if (k === 'node.hostname') return n.Description?.Hostname;
  if (k === 'node.role') return n.Spec.Role;
  if (k === 'node.platform.os') return n.Description?.Platform?.OS;
  if (k === 'node.platform.arch') return n.Description?.Platform?.Architecture;
  if (key.startsWith('node.labels.')) return n.Spec.Labels?.[key.slice('node.labels.'.length)];
  if (key.startsWith('engine.labels.')) return n.Description?.Engine?.Labels?.[key.slice('engine.labels.'.length)];
  return undefined;
}

/** Parsed constraint lists, by their text (services share few distinct lists). */
const compiled = new Map<string, Constraint[] | null>();

function compile(constraints: string[]): Constraint[] | null {
  const key = constraints.join('\0');
  let c = compiled.get(key);
  if (c === undefined) {
    try { c = constraints.map(parseConstraint); } catch { c = null; }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(key, c);
  }
  return c;
}

/** All constraints hold on the node (== compares case-insensitively, as swarmkit). */
export function nodeEligible(n: Node, constraints: string[]): boolean {
  if (constraints.length === 0) return true;
  const cs = compile(constraints);
  if (!cs) return false;
  for (const c of cs) {
    const v = nodeValue(n, c.key);
    const eq = v !== undefined && v.toLowerCase() === c.value.toLowerCase();
    if (c.op === '==' ? !eq : eq) return false;
  }
  return true;
}

export interface NodeInfo {
  node: Node;
  /** Tasks assigned here and not finished. */
  tasks: number;
  byService: Map<string, number>;
  cpu: number;
  memory: number;
  /** "port/proto" → tasks holding it. */
  hostPorts: Map<string, number>;
}

export type FilterName = 'ready' | 'constraints' | 'resources' | 'ports' | 'max-replicas';

/** The filters that depend only on the node and the task's spec: the same for every task of a service version. */
export function failedStaticFilter(info: NodeInfo, t: Task): FilterName | undefined {
  const n = info.node;
  if (n.Status.State !== 'ready' || n.Spec.Availability !== 'active') return 'ready';
  if (!nodeEligible(n, t.Spec.Placement?.Constraints ?? [])) return 'constraints';
  return undefined;
}

/** The filters that depend on what the node already runs. */
export function failedDynamicFilter(info: NodeInfo, t: Task): FilterName | undefined {
  const r = t.Spec.Resources?.Reservations;
  const total = info.node.Description?.Resources;
  if (r?.NanoCPUs && total?.NanoCPUs !== undefined && info.cpu + r.NanoCPUs > total.NanoCPUs) return 'resources';
  if (r?.MemoryBytes && total?.MemoryBytes !== undefined && info.memory + r.MemoryBytes > total.MemoryBytes) return 'resources';
  for (const p of t.Endpoint?.Ports ?? []) {
    if (p.PublishMode === 'host' && p.PublishedPort && info.hostPorts.has(`${p.PublishedPort}/${p.Protocol ?? 'tcp'}`)) return 'ports';
  }
  const max = t.Spec.Placement?.MaxReplicas;
  if (max && (info.byService.get(t.ServiceID) ?? 0) >= max) return 'max-replicas';
  return undefined;
}

/** Docker's explanation when no node fits: "no suitable node (… on N nodes)". */
export function explain(failures: Map<FilterName, number>): string {
  const text: Record<FilterName, (n: number) => string> = {
    ready: (n) => `${n} node${n === 1 ? '' : 's'} not available for new tasks`,
    constraints: (n) => `scheduling constraints not satisfied on ${n} node${n === 1 ? '' : 's'}`,
    resources: (n) => `insufficient resources on ${n} node${n === 1 ? '' : 's'}`,
    ports: (n) => `host-mode port already in use on ${n} node${n === 1 ? '' : 's'}`,
    'max-replicas': () => `max replicas per node limit exceed`,
  };
  const parts = [...failures].map(([f, n]) => text[f](n));
  return parts.length ? `no suitable node (${parts.join('; ')})` : 'no suitable node';
}
