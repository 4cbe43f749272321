import type { ComponentDeps } from '../component.js';
import { Reconciler } from '../reconciler.js';
import type { StoreEvent } from '../../store/tables.js';
import type { ReadTx, WriteTx } from '../../store/store.js';
import type { Endpoint, PortConfig, Service, Task } from '../../types/objects.js';
import type { Network, NetworkAttachmentRecord } from '../../types/network.js';
import type { NetworkAttachment } from '../../types/network-view.js';
import { holdsAddresses } from '../controlapi/networks.js';
import { NetworkPools } from './network-pools.js';
import { serviceAttachments } from './service-networks.js';
import { logger } from '../../log.js';
import { applySboxChanges, sboxChanges } from './ingress-sbox.js';

const log = logger('allocator');
const DYNAMIC_PORTS = { first: 30000, last: 32767 };
const FULL_PASS_MS = 30_000;

/**
 * Allocates each service's endpoint (published ports: ingress ports without a
 * number get one from 30000–32767, as Docker; a virtual IP on each of its
 * networks unless it resolves by DNS round robin) and each new task's address
 * on each network it joins, then moves the task to pending; a task whose
 * addresses cannot be had yet stays NEW. Works from events: a service's
 * change re-allocates it, a new task is moved on, a task that is dead or gone
 * gives its addresses back. Address state is rebuilt from the store on every
 * full pass (start of leadership, after a failed write).
 */
export class Allocator extends Reconciler {
  readonly name = 'allocator';
  private services = new Set<string>();
  private tasks = new Set<string>();
  /** Tasks left NEW for want of an address: tried again when addresses come back. */
  private waiting = new Set<string>();
  /** Hosts or the ingress network changed: each host's ingress address is checked on the next pass. */
  private sboxDirty = false;
  readonly pools = new NetworkPools();
  /** Passes and container attachments run one at a time: a pass rebuilds the pools from the store. */
  private lock: Promise<unknown> = Promise.resolve();
  private ready?: Promise<void>;
  private markReady!: () => void;

  constructor(deps: ComponentDeps) {
    super(deps.store, ['services', 'tasks', 'networks', 'netattachments', 'nodes'], { clock: deps.clock, fullEveryMs: FULL_PASS_MS, windowMs: 10 });
  }

  override start(): void {
    this.ready = new Promise((r) => { this.markReady = r; });
    super.start();
  }

  /** Runs fn alone against the pools, once the first pass has built them (the leader's container attachments). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const ready = this.ready;
    if (ready === undefined) throw new Error('the allocator is not running on this manager');
    await ready;
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  protected override onEvents(events: StoreEvent[]): void {
    let freed = false;
    for (const e of events) {
      if (e.table === 'nodes') { this.sboxDirty = true; continue; }
      if (e.table === 'networks') {
        if ((e.object as Network).Spec.Ingress) this.sboxDirty = true;
        if (e.action === 'remove') this.pools.removeNetwork(e.object.ID);
        else this.pools.addNetwork(e.object as Network);
        continue;
      }
      if (e.table === 'netattachments') {
        if (e.action === 'remove') freed = this.pools.release(e.object.ID) || freed;
        continue;
      }
      if (e.table === 'services') {
        if (e.action === 'remove') freed = this.pools.release(e.object.ID) || freed;
        else this.services.add(e.object.ID);
        continue;
      }
      const t = e.object as Task;
      if (e.action === 'remove' || !holdsAddresses(t)) { freed = this.pools.release(t.ID) || freed; this.waiting.delete(t.ID); } else if (t.Status.State === 'new') this.tasks.add(t.ID);
    }
    if (freed && this.waiting.size) { for (const id of this.waiting) this.tasks.add(id); this.waiting.clear(); }
    if (this.services.size + this.tasks.size > 0 || this.sboxDirty) this.kick();
  }

  protected reconcile(full: boolean): Promise<void> {
    const run = this.lock.then(() => this.runPass(full));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async runPass(full: boolean): Promise<void> {
    if (full) {
      this.store.view((tx) => {
        this.pools.rebuild(tx);
        for (const s of tx.services.all()) this.services.add(s.ID);
        for (const t of tx.tasks.by('state', 'new')) this.tasks.add(t.ID);
      });
    }
    if (full || this.sboxDirty) {
      this.sboxDirty = false;
      const ch = this.store.view((tx) => sboxChanges(tx));
      if (ch.add.length || ch.remove.length) await this.store.update((tx) => applySboxChanges(tx, this.pools, sboxChanges(tx)));
    }
    const services = this.services;
    const tasks = this.tasks;
    this.services = new Set();
    this.tasks = new Set();
    if (services.size > 0) {
      await this.store.update((tx) => {
        const used = usedPorts(tx.services.all());
        for (const id of services) {
          const s = tx.services.get(id);
          if (!s || endpointCurrent(tx, s)) continue;
          const ep = this.allocate(tx, s, used);
          // Unchanged (a network full, a VIP not to be had): no write, which would only bring the service back here.
          if (JSON.stringify(ep) !== JSON.stringify(s.Endpoint)) tx.update('services', { ...s, Endpoint: ep });
        }
      });
      // Tasks that waited for their service's endpoint.
      // Through the smaller index: a 100,000-task service with a few new tasks is not walked whole.
      this.store.view((tx) => {
        const fresh = tx.tasks.count('state', 'new');
        for (const id of services) {
          const candidates = fresh < tx.tasks.count('service', id) ? tx.tasks.by('state', 'new') : tx.tasks.find({ serviceId: id });
          for (const t of candidates) if (t.ServiceID === id && t.Status.State === 'new') tasks.add(t.ID);
        }
      });
    }
    if (tasks.size > 0) await this.store.batch((b) => { for (const id of tasks) b.update((tx) => this.toPending(tx, id)); });
    if (full) this.markReady();
  }

  /** A new task goes to the scheduler with its service's endpoint and its addresses, once both can be had. */
  private toPending(tx: WriteTx, taskId: string) {
    const t = tx.tasks.get(taskId);
    if (!t || t.Status.State !== 'new') return;
    const s = tx.services.get(t.ServiceID);
    if (!s || !endpointCurrent(tx, s)) return; // once allocated, the service's event brings it back
    const { attachments, missing } = serviceAttachments(tx, s, t);
    if (missing.length) return;
    const out: NetworkAttachment[] = [];
    for (const a of attachments) {
      const addr = this.pools.allocate(t.ID, a.network.ID);
      if (!addr) {
        // Full (or not yet known): the task waits; what it got so far goes back.
        if (!this.waiting.has(t.ID)) log.warn({ task: t.ID, network: a.network.Spec.Name }, 'no address left on the network; the task stays new');
        this.pools.release(t.ID);
        this.waiting.add(t.ID);
        return;
      }
      out.push({ Network: a.network as unknown as NetworkAttachment['Network'], Addresses: [addr], ...(a.aliases ? { Aliases: a.aliases } : {}) });
    }
    tx.update('tasks', {
      ...t, Endpoint: s.Endpoint ?? t.Endpoint, ...(out.length ? { NetworksAttachments: out } : {}),
      Status: { ...t.Status, State: 'pending', Message: 'pending task scheduling' },
    });
  }

  private allocate(tx: ReadTx, s: Service, used: Set<string>): Endpoint {
    const prev = s.Endpoint?.Ports ?? [];
    const ports: PortConfig[] = (s.Spec.EndpointSpec?.Ports ?? []).map((p) => {
      const q: PortConfig = { ...p, Protocol: p.Protocol ?? 'tcp', PublishMode: p.PublishMode ?? 'ingress' };
      if (q.PublishMode === 'ingress' && !q.PublishedPort) {
        const kept = prev.find((o) => o.TargetPort === q.TargetPort && o.Protocol === q.Protocol && o.PublishMode === 'ingress');
        q.PublishedPort = kept?.PublishedPort ?? freePort(used, q.Protocol!);
      }
      if (q.PublishMode === 'ingress') used.add(`${q.PublishedPort}/${q.Protocol}`);
      return q;
    });
    const vips = this.virtualIPs(tx, s);
    return { Spec: s.Spec.EndpointSpec ?? {}, ...(ports.length ? { Ports: ports } : {}), ...(vips.length ? { VirtualIPs: vips } : {}) };
  }

  /** A VIP per network the service joins (none with dnsrr); the ones of networks it left go back. */
  private virtualIPs(tx: ReadTx, s: Service): NonNullable<Endpoint['VirtualIPs']> {
    if (s.Spec.EndpointSpec?.Mode === 'dnsrr') { this.pools.release(s.ID); return []; }
    const { attachments } = serviceAttachments(tx, s);
    const ids = new Set(attachments.map((a) => a.network.ID));
    this.pools.release(s.ID, ids);
    const out: NonNullable<Endpoint['VirtualIPs']> = [];
    for (const a of attachments) {
      const addr = this.pools.allocate(s.ID, a.network.ID);
      out.push(addr ? { NetworkID: a.network.ID, Addr: addr } : { NetworkID: a.network.ID } as { NetworkID: string; Addr: string });
    }
    return out;
  }

  /** An address for a plain container on an attachable network (the record the caller stores). */
  allocateContainer(record: Omit<NetworkAttachmentRecord, 'Addresses'>): string | undefined {
    return this.pools.allocate(record.ID, record.NetworkID);
  }
}

function usedPorts(services: Service[]): Set<string> {
  const used = new Set<string>();
  for (const s of services) for (const p of s.Endpoint?.Ports ?? []) if (p.PublishMode !== 'host' && p.PublishedPort) used.add(`${p.PublishedPort}/${p.Protocol}`);
  return used;
}

/** The endpoint matches the spec: same ports, with numbers assigned, and a VIP on each network the service joins (vip mode). */
function endpointCurrent(tx: ReadTx, s: Service): boolean {
  const want = s.Spec.EndpointSpec?.Ports ?? [];
  const have = s.Endpoint?.Ports ?? [];
  if (!s.Endpoint || JSON.stringify(s.Endpoint.Spec) !== JSON.stringify(s.Spec.EndpointSpec)) return false;
  if (want.length !== have.length) return false;
  const vips = s.Endpoint.VirtualIPs ?? [];
  if (s.Spec.EndpointSpec?.Mode === 'dnsrr') return vips.length === 0;
  const { attachments } = serviceAttachments(tx, s);
  return vips.length === attachments.length && attachments.every((a, i) => vips[i].NetworkID === a.network.ID && !!vips[i].Addr);
}

function freePort(used: Set<string>, proto: string): number {
  for (let p = DYNAMIC_PORTS.first; p <= DYNAMIC_PORTS.last; p++) if (!used.has(`${p}/${proto}`)) return p;
  throw new Error('no published port left in 30000-32767');
}
