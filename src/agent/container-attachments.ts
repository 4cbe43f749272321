import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { EngineError, type EngineClient } from '../executor/docker/engine-client.js';
import { logger } from '../log.js';
import { ApiError } from '../types/errors.js';
import type { AttachNetworkResponse } from '../types/dispatcher.js';
import type { Task } from '../types/objects.js';
import type { TaskNetworks } from './task-networks.js';
import { StartGate } from './start-gate.js';

const log = logger('container-attachments');
const EVENTS_RETRY_MS = 1000;

/** The node's session calls for plain containers (the managers allocate, as swarmkit's AttachNetwork). */
export interface AttachRpc {
  attach(network: string, containerId: string, aliases: string[], name?: string): Promise<AttachNetworkResponse>;
  detach(attachmentId: string): Promise<void>;
}

/** A swarm network a container is to be on: as the user named it, and its address while the container runs. */
export interface PlannedNetwork {
  name: string;
  aliases: string[];
  att?: AttachNetworkResponse;
}

interface Inspect { Id: string; Name?: string; State: { Running: boolean; Pid: number } }

/** The aliases a container has on a swarm network, as Docker 20.10 registers them: the user's, then its short ID. */
export const endpointAliases = (containerId: string, aliases: readonly string[]): string[] => {
  const short = containerId.slice(0, 12);
  return aliases.includes(short) ? [...aliases] : [...aliases, short];
};

/** A refused attach as Docker words it ("Could not attach to network X: rpc error: code = … desc = …"). */
export function attachRefusal(network: string, err: unknown): ApiError {
  const e = err as { code?: number; details?: string; message?: string };
  const details = e.details ?? e.message ?? String(err);
  const rpc = details.startsWith('rpc error:') ? details : `rpc error: code = ${grpcCodeName(e.code)} desc = ${details}`;
  return new ApiError(500, `Could not attach to network ${network}: ${rpc}`);
}

const CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
const grpcCodeName = (code: number | undefined) => CODE_NAMES[code ?? 2] ?? 'Unknown';

/**
 * Plain containers of the local engine on swarm networks (`docker run
 * --network <attachable overlay>`, `docker network connect`), as Docker in
 * spirit: the engine runs the container on docker_gwbridge (its way out);
 * when it starts, the managers give it an address on each swarm network (an
 * attachment record, so no task gets the same one), its namespace is joined
 * to the network's namespace on this host like a task's (veth, embedded DNS
 * at 127.0.0.11, VIP balancing), and when it stops the address goes back.
 * Which containers are on which swarm networks is kept in a file, so a
 * restarted daemon rejoins running ones and releases the rest; the engine's
 * events tell of starts and stops that do not pass through tswarm (restart
 * policies, `docker stop`, `--rm`).
 */
export class ContainerAttachments {
  private records = new Map<string, PlannedNetwork[]>();
  /** Containers whose namespace this process joined to their networks. */
  private joined = new Set<string>();
  private locks = new Map<string, Promise<unknown>>();
  private events?: IncomingMessage;
  private stopped = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly file: string;
  /** Holds a container's process until it is on its networks (start-gate.ts). */
  readonly gate: StartGate;

  constructor(private o: { engine: EngineClient; networks: TaskNetworks; rpc: AttachRpc; stateDir: string }) {
    this.file = join(o.stateDir, 'container-networks.json');
    this.gate = new StartGate(o.stateDir);
  }

  /** The containers this node put on swarm networks (their links survive the agent's reconcile). */
  async load(): Promise<string[]> {
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, PlannedNetwork[]>;
      for (const [id, nets] of Object.entries(data)) this.records.set(id, nets);
    } catch { /* none yet */ }
    return [...this.records.keys()];
  }

  /** Follows the engine's container events and brings every known container in line with its state. */
  start(): void {
    this.follow();
    this.resync().catch((err) => log.warn({ err: String(err) }, 'resyncing container attachments failed'));
  }

  stop(): void {
    this.stopped = true;
    this.events?.destroy();
  }

  hasAny(): boolean { return this.records.size > 0; }
  has(containerId: string): boolean { return this.records.has(containerId); }
  networksOf(containerId: string): readonly PlannedNetwork[] { return this.records.get(containerId) ?? []; }

  /** The containers with an address on a network now (network inspect's Containers). */
  attachedTo(networkId: string): { containerId: string; network: PlannedNetwork }[] {
    const out: { containerId: string; network: PlannedNetwork }[] = [];
    for (const [containerId, nets] of this.records) for (const n of nets) if (n.att?.networkId === networkId) out.push({ containerId, network: n });
    return out;
  }

  /** A container created on swarm networks (or connected while not running): joined when it starts. */
  async plan(containerId: string, nets: { name: string; aliases: string[] }[]): Promise<void> {
    const have = this.records.get(containerId) ?? [];
    this.records.set(containerId, [...have, ...nets.map((n) => ({ name: n.name, aliases: n.aliases }))]);
    await this.save();
  }

  /**
   * Starts a container on its swarm networks: addresses first (a refusal
   * fails the start before the container runs, as Docker), then the engine's
   * start, then the namespace joined. Resolves with the engine's answer.
   */
  startContainer<T extends { status: number }>(containerId: string, engineStart: () => Promise<T>): Promise<T> {
    return this.locked(containerId, async () => {
      await this.allocate(containerId);
      let ans: T;
      try { ans = await engineStart(); } catch (err) { await this.release(containerId); throw err; }
      if (ans.status >= 400) { await this.release(containerId); return ans; }
      await this.joinOrStop(containerId);
      return ans;
    });
  }

  /** `network connect` of a container on this node to a swarm network. */
  connect(c: Inspect, name: string, aliases: string[], asGiven: string): Promise<void> {
    return this.locked(c.Id, async () => {
      const nets = this.records.get(c.Id) ?? [];
      if (c.State.Running && nets.some((n) => sameNetwork(n, name))) throw new ApiError(409, `${asGiven} is already attached to network ${name}`);
      // Not running: Docker only records the network; the start attaches (or refuses).
      if (!c.State.Running) { await this.plan(c.Id, [{ name, aliases }]); return; }
      const next: PlannedNetwork = { name, aliases };
      try {
        next.att = await this.rpcAttach(next, c);
      } catch (err) {
        throw attachRefusal(name, err);
      }
      this.records.set(c.Id, [...nets, next]);
      await this.save();
      await this.rejoin(c.Id);
    });
  }

  /** `network disconnect`: false when the container is not on that network (the caller words the refusal). */
  disconnect(c: Inspect, name: string): Promise<boolean> {
    return this.locked(c.Id, async () => {
      const nets = this.records.get(c.Id) ?? [];
      const gone = nets.find((n) => sameNetwork(n, name));
      if (!gone) return false;
      const rest = nets.filter((n) => n !== gone);
      // Kept while empty: its start still opens its gate (start-gate.ts).
      this.records.set(c.Id, rest);
      await this.save();
      if (gone.att) await this.o.rpc.detach(gone.att.attachmentId).catch((err) => log.warn({ err: String(err) }, 'releasing an address failed'));
      if (c.State.Running) await this.rejoin(c.Id);
      return true;
    });
  }

  /** Is this network (name or ID, as given) one this node has a view of? */
  knowsNetwork(ref: string): boolean {
    const o = this.o.networks.overlay;
    return o.viewIds().some((id) => id === ref || o.view(id)?.Name === ref);
  }

  /** Addresses for every network of the container that has none yet; on a refusal those just made go back. */
  private async allocate(containerId: string): Promise<void> {
    const nets = this.records.get(containerId) ?? [];
    const made: PlannedNetwork[] = [];
    let c: Inspect | undefined;
    for (const n of nets) {
      if (n.att) continue;
      try {
        c ??= (await this.inspect(containerId)) ?? { Id: containerId, State: { Running: false, Pid: 0 } };
        n.att = await this.rpcAttach(n, c);
        made.push(n);
      } catch (err) {
        for (const m of made) { await this.o.rpc.detach(m.att!.attachmentId).catch(() => undefined); m.att = undefined; }
        throw attachRefusal(n.name, err);
      }
    }
    if (made.length) await this.save();
  }

  /** An address for the container on one network; its name and aliases go with it for the network's DNS. */
  private rpcAttach(n: PlannedNetwork, c: Inspect): Promise<AttachNetworkResponse> {
    return this.o.rpc.attach(n.name, c.Id, endpointAliases(c.Id, n.aliases), c.Name?.replace(/^\//, '') || undefined);
  }

  /** The container stopped: off its networks, addresses back to the managers (its plan stays for a next start). */
  private async release(containerId: string): Promise<void> {
    this.joined.delete(containerId);
    await this.gate.close(containerId).catch(() => undefined);
    await this.o.networks.detach(containerId).catch((err) => log.warn({ err: String(err), container: containerId }, 'leaving networks failed'));
    const nets = this.records.get(containerId) ?? [];
    for (const n of nets) {
      if (!n.att) continue;
      await this.o.rpc.detach(n.att.attachmentId).catch((err) => log.warn({ err: String(err) }, 'releasing an address failed'));
      n.att = undefined;
    }
    await this.save();
  }

  /** The running container's namespace on every network it has an address on. */
  private async join(containerId: string): Promise<void> {
    const c = await this.inspect(containerId);
    if (!c?.State.Running || c.State.Pid <= 0) return;
    const nets = (this.records.get(containerId) ?? []).filter((n) => n.att);
    // On no swarm network any more (disconnected while stopped): nothing to wait for.
    if (!nets.length) { await this.gate.open(containerId); return; }
    const task = {
      ID: containerId, Spec: { ContainerSpec: {} }, Status: { State: 'running' },
      NetworksAttachments: nets.map((n) => ({ Network: { ID: n.att!.networkId, Spec: { Name: n.name } }, Addresses: [n.att!.address], Aliases: n.aliases })),
    } as unknown as Task;
    await this.o.networks.join(task, `/proc/${c.State.Pid}/ns/net`);
    this.joined.add(containerId);
    await this.gate.open(containerId);
  }

  /** Joins; a container that cannot be put on its networks is stopped, as Docker fails its start. */
  private async joinOrStop(containerId: string): Promise<void> {
    try {
      await this.join(containerId);
    } catch (err) {
      log.warn({ err: String(err), container: containerId }, 'joining a container to its swarm networks failed: stopping it');
      await this.o.engine.call('POST', `/containers/${containerId}/kill`).catch(() => undefined);
      await this.release(containerId);
      throw new ApiError(500, `attaching container ${containerId} to its swarm networks: ${(err as Error).message}`);
    }
  }

  /** Links and resolver again from the current set (after connect/disconnect on a running container). */
  private async rejoin(containerId: string): Promise<void> {
    this.joined.delete(containerId);
    await this.o.networks.detach(containerId);
    await this.join(containerId);
  }

  /** The engine says a container started (or the daemon restarted): on its networks if it is not yet. */
  private onStarted(containerId: string): Promise<void> {
    return this.locked(containerId, async () => {
      if (this.joined.has(containerId)) return;
      try {
        await this.allocate(containerId);
        await this.join(containerId);
      } catch (err) {
        log.warn({ err: String(err), container: containerId }, 'a container started outside tswarm could not join its swarm networks');
      }
    });
  }

  private onDied(containerId: string, destroyed: boolean): Promise<void> {
    return this.locked(containerId, async () => {
      if (!this.records.has(containerId)) return;
      await this.release(containerId);
      if (destroyed) { this.records.delete(containerId); await this.save(); await this.gate.forget(containerId).catch(() => undefined); }
    });
  }

  /** Every known container against the engine: gone ones forgotten, stopped ones released, running ones joined. */
  private async resync(): Promise<void> {
    for (const id of [...this.records.keys()]) {
      const c = await this.inspect(id).catch(() => undefined);
      if (!c) await this.onDied(id, true);
      else if (!c.State.Running) await this.onDied(id, false);
      else await this.onStarted(id);
    }
  }

  private follow() {
    if (this.stopped) return;
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start', 'die', 'destroy'] }));
    const retry = () => { if (!this.stopped) setTimeout(() => { this.follow(); this.resync().catch(() => undefined); }, EVENTS_RETRY_MS).unref(); };
    this.o.engine.stream('GET', `/events?filters=${filters}`).then((res) => {
      this.events = res;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.onEvent(line);
        }
      });
      res.on('close', retry);
      res.on('error', () => undefined);
    }, retry);
  }

  private onEvent(line: string) {
    let e: { Action?: string; Actor?: { ID?: string } };
    try { e = JSON.parse(line) as typeof e; } catch { return; }
    const id = e.Actor?.ID;
    if (!id || !this.records.has(id)) return;
    const run = e.Action === 'start' ? this.onStarted(id) : e.Action === 'die' ? this.onDied(id, false) : e.Action === 'destroy' ? this.onDied(id, true) : undefined;
    run?.catch((err) => log.warn({ err: String(err), container: id }, 'handling a container event failed'));
  }

  private async inspect(id: string): Promise<Inspect | undefined> {
    try { return await this.o.engine.call<Inspect>('GET', `/containers/${encodeURIComponent(id)}/json`); } catch (e) {
      if (e instanceof EngineError && e.status === 404) return undefined;
      throw e;
    }
  }

  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    tail.then(() => { if (this.locks.get(id) === tail) this.locks.delete(id); }, () => undefined);
    return next;
  }

  /** Saves the records (one write at a time, the newest state; temp file and rename). */
  private save(): Promise<void> {
    const data = JSON.stringify(Object.fromEntries(this.records));
    this.saving = this.saving.catch(() => undefined).then(async () => {
      await mkdir(this.o.stateDir, { recursive: true });
      await writeFile(`${this.file}.tmp`, data);
      await rename(`${this.file}.tmp`, this.file);
    });
    return this.saving;
  }
}

/** A planned network matches a reference by the name it was given or the network's ID (full, or the name the managers resolved). */
function sameNetwork(n: PlannedNetwork, ref: string): boolean {
  return n.name === ref || n.att?.networkId === ref;
}
