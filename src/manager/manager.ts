import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { logger } from '../log.js';
import { FileChangeLog } from '../store/persist.js';
import { MemoryStore } from '../store/store.js';
import type { Cluster, Node, NodeDescription, SwarmSpec } from '../types/objects.js';
import { Allocator } from './allocator/allocator.js';
import { newCluster } from './cluster.js';
import type { ComponentDeps, LeaderComponent } from './component.js';
import { Control } from './controlapi/control.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { leaderComponents } from './leader-components.js';

const log = logger('manager');

export interface BootstrapOptions {
  nodeId: string;
  description: NodeDescription;
  /** Address other nodes reach this manager at ("ip:port"). */
  addr: string;
  spec?: SwarmSpec;
  defaultAddrPool?: string[];
  subnetSize?: number;
  dataPathPort?: number;
  availability?: 'active' | 'pause' | 'drain';
}

/**
 * One manager: its store (durable in dataDir), the control API, and the
 * leader-only components, started while this manager leads. With one manager
 * it leads as soon as it starts; Raft decides that when managers are many.
 */
export class Manager {
  readonly store: MemoryStore;
  readonly control: Control;
  readonly dispatcher: Dispatcher;
  private changeLog: FileChangeLog;
  private components: LeaderComponent[];
  private leading = false;

  constructor(dataDir: string, private clock: Clock, random?: () => number) {
    this.store = new MemoryStore(clock);
    this.changeLog = new FileChangeLog(join(dataDir, 'store'), this.store);
    this.control = new Control(this.store, { clock });
    this.dispatcher = new Dispatcher(this.store, clock);
    const deps: ComponentDeps = { store: this.store, clock, random };
    this.components = [this.dispatcher, new Allocator(deps), ...leaderComponents(deps)];
  }

  /** Loads the persisted state (snapshot + log). */
  async open(): Promise<void> {
    await this.changeLog.open();
  }

  /** `swarm init`: the cluster object and this node, as the first manager. */
  async bootstrap(o: BootstrapOptions): Promise<Cluster> {
    const cluster = newCluster({
      clock: this.clock, spec: o.spec, defaultAddrPool: o.defaultAddrPool,
      subnetSize: o.subnetSize, dataPathPort: o.dataPathPort,
    });
    await this.store.update((tx) => {
      tx.create('cluster', cluster);
      tx.create('nodes', {
        ID: o.nodeId, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
        Spec: { Labels: {}, Role: 'manager', Availability: o.availability ?? 'active' },
        Description: o.description,
        Status: { State: 'unknown', Addr: o.addr.split(':')[0] },
        ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: o.addr },
      } as Node);
    });
    return this.store.view((tx) => tx.cluster()!);
  }

  startLeading(): void {
    if (this.leading) return;
    this.leading = true;
    for (const c of this.components) c.start();
    log.info('this manager leads: leader components started');
  }

  async stopLeading(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    for (const c of [...this.components].reverse()) {
      await c.stop().catch((err) => log.warn({ component: c.name, err: String(err) }, 'stop failed'));
    }
  }

  async close(): Promise<void> {
    await this.stopLeading();
    await this.store.update(() => undefined); // wait for in-flight writes
    await this.changeLog.close();
  }
}
