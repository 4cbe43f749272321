import { applyFilters, type Filter } from './filters.js';
import type { CreateBody } from './container-config.js';
import type { SchedNode } from './node.js';
import type { Strategy } from './strategies.js';

/** Filters, then the strategy: classic Swarm's scheduler, soft rules first and dropped when nothing fits. */
export class Scheduler {
  constructor(readonly strategy: Strategy, readonly filters: Filter[]) {}

  /** The nodes ranked for this container, best first; throws classic Swarm's message when none fits. */
  select(nodes: SchedNode[], config: CreateBody): SchedNode[] {
    try {
      return this.selectOnce(nodes, config, true);
    } catch {
      return this.selectOnce(nodes, config, false);
    }
  }

  private selectOnce(nodes: SchedNode[], config: CreateBody, soft: boolean): SchedNode[] {
    const accepted = applyFilters(this.filters, config, nodes, soft);
    if (!accepted.length) throw new Error('No nodes available in the cluster');
    return this.strategy.rank(config, accepted);
  }

  filterNames(): string { return this.filters.map((f) => f.name).join(', '); }
}
