import type { Engine } from '../pool/engine.js';
import type { Pool } from '../pool/pool.js';

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

/** What the filters read of one container on a node. */
export interface NodeContainer {
  id: string;
  names: string[];
  labels: Record<string, string>;
  networkMode: string;
  exposedPorts: string[];
  portBindings: Bindings;
  publishedPorts: Bindings;
}

/** An engine as the scheduler sees it for one decision (classic's scheduler/node.Node). */
export interface SchedNode {
  engine: Engine;
  id: string;
  name: string;
  labels: Record<string, string>;
  containers: NodeContainer[];
  /** Image IDs, tags, and repositories of the tags (for image affinity). */
  images: string[];
  usedMemory: number;
  usedCpus: number;
  totalMemory: number;
  totalCpus: number;
  healthIndicator: number;
}

/** Classic's ParseRepositoryTag: the repository of `repo:tag` or `repo@digest`. */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const n = ref.lastIndexOf(':');
  if (n < 0) return ref;
  return ref.slice(n + 1).includes('/') ? ref : ref.slice(0, n);
}

/** Every validated engine with its containers, including containers being created on it. */
export function nodesOf(pool: Pool): SchedNode[] {
  const nodes: SchedNode[] = [];
  for (const e of pool.list()) {
    if (e.state === 'Pending') continue;
    const containers: NodeContainer[] = [];
    let usedMemory = 0;
    let usedCpus = 0;
    for (const c of e.containers.values()) {
      const d = c.details;
      usedMemory += d?.memory ?? 0;
      usedCpus += d?.cpus ?? 0;
      containers.push({
        id: c.id,
        names: ((c.summary.Names ?? []) as string[]).map((n) => n.replace(/^\//, '')),
        labels: d?.labels ?? c.summary.Labels ?? {},
        networkMode: d?.networkMode ?? c.summary.HostConfig?.NetworkMode ?? '',
        exposedPorts: d?.exposedPorts ?? [],
        portBindings: d?.portBindings ?? {},
        publishedPorts: d?.publishedPorts ?? {},
      });
    }
    for (const p of pool.pending.values()) {
      if (p.engine !== e) continue;
      usedMemory += p.memory;
      usedCpus += p.cpus;
      containers.push({ id: '', names: p.name ? [p.name] : [], labels: p.labels, networkMode: p.networkMode, exposedPorts: p.exposedPorts, portBindings: p.portBindings, publishedPorts: {} });
    }
    const images: string[] = [];
    for (const img of e.images) {
      images.push(img.Id);
      for (const t of (img.RepoTags ?? []) as string[]) images.push(t, repositoryOf(t));
    }
    nodes.push({
      engine: e, id: e.id, name: e.name, labels: e.labels, containers, images,
      usedMemory, usedCpus, totalMemory: e.totalMemory(), totalCpus: e.totalCpus(), healthIndicator: e.healthIndicator(),
    });
  }
  return nodes;
}
