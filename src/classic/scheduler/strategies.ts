import type { CreateBody } from './container-config.js';
import type { SchedNode } from './node.js';

/** Ranks the nodes that passed the filters; the first is where the container goes. */
export interface Strategy {
  name: string;
  rank(config: CreateBody, nodes: SchedNode[]): SchedNode[];
}

interface Weighted { node: SchedNode; weight: number }

/**
 * Classic's weighNodes: a node that cannot hold the container's reserved
 * CPUs and memory is out; the weight is the CPU and memory use in percent
 * after placing it (100 each when nothing is reserved) plus a health term.
 */
function weigh(config: CreateBody, nodes: SchedNode[], healthFactor: number): Weighted[] {
  const mem = Number(config.HostConfig?.Memory ?? 0);
  const cpus = Number(config.HostConfig?.CpuShares ?? 0);
  const out: Weighted[] = [];
  for (const n of nodes) {
    if (n.totalMemory < mem || n.totalCpus < cpus) continue;
    const cpuScore = cpus > 0 ? Math.trunc(((n.usedCpus + cpus) * 100) / n.totalCpus) : 100;
    const memScore = mem > 0 ? Math.trunc(((n.usedMemory + mem) * 100) / n.totalMemory) : 100;
    if (cpuScore <= 100 && memScore <= 100) out.push({ node: n, weight: cpuScore + memScore + healthFactor * n.healthIndicator });
  }
  if (!out.length) throw new Error('no resources available to schedule container');
  return out;
}

/** Lighter first; equal weights: fewer containers first; then by name, so equal nodes are taken in a stable order. */
const lighter = (a: Weighted, b: Weighted) =>
  a.weight - b.weight || a.node.containers.length - b.node.containers.length || (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0);

const spread: Strategy = {
  name: 'spread',
  rank: (config, nodes) => weigh(config, nodes, -10).sort(lighter).map((w) => w.node),
};

const binpack: Strategy = {
  name: 'binpack',
  // The reverse order: the fullest node that still fits; ties keep the name order so one node fills first.
  rank: (config, nodes) => weigh(config, nodes, 10).sort((a, b) => b.weight - a.weight || b.node.containers.length - a.node.containers.length
    || (a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0)).map((w) => w.node),
};

const random: Strategy = {
  name: 'random',
  rank(_config, nodes) {
    const r = [...nodes];
    for (let i = r.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [r[i], r[j]] = [r[j], r[i]];
    }
    return r;
  },
};

export const STRATEGIES: Strategy[] = [spread, binpack, random];

/** The strategy named by --strategy (`binpacking` is the old name of binpack); unknown names refused as classic did. */
export function strategyByName(name: string): Strategy {
  const s = STRATEGIES.find((x) => x.name === (name === 'binpacking' ? 'binpack' : name));
  if (!s) throw new Error('strategy not supported');
  return s;
}
