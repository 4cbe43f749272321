import { randomBytes } from 'node:crypto';
import { logger } from '../log.js';
import { ApiError } from '../types/errors.js';
import { EngineError } from './engine/engine-api.js';
import type { Container, Engine } from './pool/engine.js';
import type { Pool } from './pool/pool.js';
import {
  SWARM_LABEL, addToList, buildContainerConfig, hasNodeConstraint, removeFromList, reschedulePoliciesOf, validateConfig, type CreateBody,
} from './scheduler/container-config.js';
import { nodesOf } from './scheduler/node.js';
import type { Scheduler } from './scheduler/scheduler.js';

const log = logger('classic-cluster');

/** Creates containers on the engine the scheduler picks, as classic Swarm's cluster/swarm CreateContainer. */
export class Cluster {
  /** Serializes the decision (name check, filters, strategy, pending entry) as classic's scheduler lock. */
  private lock: Promise<void> = Promise.resolve();

  constructor(readonly pool: Pool, readonly scheduler: Scheduler) {}

  /** A create request from a client: scheduling keys out of the environment, then placement. */
  async createFromRequest(body: CreateBody, name: string, auth?: string): Promise<{ container: { Id: string; Warnings?: string[] }; engine: Engine }> {
    buildContainerConfig(body);
    try { validateConfig(body); } catch (e) { throw new ApiError(500, (e as Error).message); }
    return this.create(body, name, auth);
  }

  async create(body: CreateBody, name: string, auth?: string): Promise<{ container: { Id: string; Warnings?: string[] }; engine: Engine }> {
    try {
      return await this.createOnce(body, name, false, auth);
    } catch (e) {
      const msg = (e as Error).message;
      // The chosen engine lacks the image: if another engine has it, try again near the image.
      const notFound = /image \S* not found|repository \S* not found|repository does not exist|No such image/.test(msg) || (e instanceof EngineError && e.status === 404);
      if (notFound && !hasNodeConstraint(body) && this.hasImage(String(body.Image ?? ''))) {
        return this.createOnce(body, name, true, auth);
      }
      throw e;
    }
  }

  private hasImage(ref: string): boolean {
    const want = ref.includes(':') || ref.includes('@') ? ref : `${ref}:latest`;
    for (const e of this.pool.engines.values()) {
      if (e.images.some((i) => i.Id === ref || i.Id === `sha256:${ref}` || ((i.RepoTags ?? []) as string[]).includes(want))) return true;
    }
    return false;
  }

  private async createOnce(body: CreateBody, name: string, withImageAffinity: boolean, auth?: string) {
    let release!: () => void;
    const prev = this.lock;
    this.lock = new Promise((r) => { release = r; });
    await prev;
    let engine: Engine;
    let swarmId: string;
    try {
      if (!this.pool.nameIsFree(name)) {
        throw new ApiError(409, `Conflict: The name ${name} is already assigned. You have to delete (or rename) that container to be able to assign ${name} to a container again.`);
      }
      const labels = (body.Labels ??= {});
      swarmId = labels[`${SWARM_LABEL}.id`] ??= randomBytes(32).toString('hex');
      const affinity = `image==${body.Image ?? ''}`;
      if (withImageAffinity) addToList(body, 'affinities', affinity);
      let ranked;
      try {
        ranked = this.scheduler.select(nodesOf(this.pool), body);
      } catch (e) {
        throw new ApiError(500, (e as Error).message);
      } finally {
        if (withImageAffinity) {
          removeFromList(body, 'affinities', affinity);
          if (labels[`${SWARM_LABEL}.affinities`] === '[]') delete labels[`${SWARM_LABEL}.affinities`];
        }
      }
      engine = ranked[0].engine;
      const hc = body.HostConfig ?? {};
      this.pool.pending.set(swarmId, {
        name, engine, memory: Number(hc.Memory ?? 0), cpus: Number(hc.CpuShares ?? 0), labels: { ...labels },
        portBindings: hc.PortBindings ?? {}, networkMode: String(hc.NetworkMode ?? ''), exposedPorts: Object.keys(body.ExposedPorts ?? {}),
      });
    } finally {
      release();
    }
    try {
      const container = await this.createOn(engine, body, name, auth);
      log.debug({ node: engine.name, id: container.Id }, 'container scheduled');
      return { container, engine };
    } finally {
      this.pool.pending.delete(swarmId);
    }
  }

  /** Creates on one engine: CPUs become CpuShares of that engine, a missing image is pulled first (classic's engine.CreateContainer). */
  private async createOn(engine: Engine, body: CreateBody, name: string, auth?: string): Promise<{ Id: string; Warnings?: string[] }> {
    const cpus = Number(body.HostConfig?.CpuShares ?? 0);
    const sent: CreateBody = { ...body, HostConfig: { ...(body.HostConfig ?? {}) } };
    if (cpus > 0 && engine.cpus > 0) sent.HostConfig!.CpuShares = Math.ceil((cpus * 1024) / engine.cpus);
    const path = `/containers/create${name ? `?name=${encodeURIComponent(name)}` : ''}`;
    let created: { Id: string; Warnings?: string[] };
    try {
      created = await engine.call('POST', path, sent, 60_000);
    } catch (e) {
      if (!(e instanceof EngineError && e.status === 404 && /No such image/i.test(e.message))) throw e;
      await pullOn(engine, String(body.Image ?? ''), auth);
      created = await engine.call('POST', path, sent, 60_000);
    }
    await engine.refreshContainer(created.Id).catch(() => undefined);
    return created;
  }

  /**
   * Containers of an engine that failed, labelled to move on node failure:
   * created again elsewhere under the same name (and Swarm ID), started if
   * they were running (classic's watchdog).
   */
  async reschedule(failed: Engine): Promise<void> {
    for (const c of [...failed.containers.values()]) {
      const labels = c.details?.labels ?? c.summary.Labels ?? {};
      if (!reschedulePoliciesOf(labels).includes('on-node-failure')) continue;
      const name = c.details?.name ?? String(c.summary.Names?.[0] ?? '').replace(/^\//, '');
      if (!name) { log.error({ id: c.id }, 'container has no name: not rescheduled'); continue; }
      failed.containers.delete(c.id);
      try {
        const body = recreateBody(c);
        const { container, engine } = await this.create(body, name);
        log.info({ id: c.id, from: failed.name, to: engine.name, as: container.Id }, 'rescheduled container');
        if (c.details?.state.Running) await engine.call('POST', `/containers/${container.Id}/start`).catch((e: unknown) => log.error({ err: String(e) }, 'start of rescheduled container failed'));
        await engine.refreshContainer(container.Id).catch(() => undefined);
      } catch (e) {
        log.error({ id: c.id, err: String((e as Error).message) }, 'failed to reschedule container');
        failed.containers.set(c.id, c);
      }
    }
  }

  /** On an engine back from failure: its copies of containers that moved elsewhere meanwhile are removed. */
  async removeDuplicates(back: Engine): Promise<void> {
    await back.refreshContainers().catch(() => undefined);
    for (const c of [...back.containers.values()]) {
      const sid = c.details?.labels[`${SWARM_LABEL}.id`];
      if (!sid) continue;
      for (const other of this.pool.containers()) {
        if (other.engine !== back && other.details?.labels[`${SWARM_LABEL}.id`] === sid) {
          await back.call('DELETE', `/containers/${c.id}?force=1&v=1`).catch(() => undefined);
          back.containers.delete(c.id);
          break;
        }
      }
    }
  }
}

/** The create request a container was made from, as far as its inspect tells it. */
function recreateBody(c: Container): CreateBody {
  const d = c.details!;
  const body: CreateBody = { ...d.config, HostConfig: { ...d.hostConfig } };
  // The engine's CpuShares back to classic's CPU count (createOn turns them into shares again).
  body.HostConfig!.CpuShares = d.cpus;
  delete (body as Record<string, unknown>).Hostname;
  return body;
}

/** Pulls an image on one engine, waiting for the end of its progress stream; an error line fails it. */
export async function pullOn(engine: Engine, ref: string, auth?: string): Promise<void> {
  const res = await engine.api.request('POST', `/images/create?fromImage=${encodeURIComponent(ref)}`, { headers: auth ? { 'X-Registry-Auth': auth } : {}, body: '' });
  let text = '';
  for await (const c of res) text += (c as Buffer).toString('utf8');
  if ((res.statusCode ?? 500) >= 400) {
    let msg = text;
    try { msg = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* plain */ }
    throw new EngineError(res.statusCode ?? 500, msg);
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as { error?: string };
      if (m.error) throw new EngineError(500, m.error);
    } catch (e) { if (e instanceof EngineError) throw e; }
  }
}
