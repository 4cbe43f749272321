import type { IncomingMessage } from 'node:http';
import { ApiError } from '../types/errors.js';
import { readBody } from './http.js';

const notYet = (what: string) => new ApiError(501, `${what}: not supported by tswarm yet`);

/**
 * Swarm-scoped objects that tswarm does not have yet are refused with a clear
 * error instead of reaching the local engine, which would answer that it is
 * not a swarm manager. What the docker CLI sends: POST /networks/create with
 * Driver "overlay" (or Scope "swarm") for `docker network create -d overlay`.
 * Other network calls (bridge networks, ls, inspect) stay the engine's.
 * Returns the body when it had to be read (to forward it as it came).
 */
export async function refuseSwarmScoped(method: string, path: string, req: IncomingMessage): Promise<Buffer | undefined> {
  if (method !== 'POST' || path !== '/networks/create') return undefined;
  const body = await readBody(req);
  let spec: { Driver?: unknown; Scope?: unknown } | undefined;
  try { spec = JSON.parse(body.toString('utf8')); } catch { return body; }
  if (spec && typeof spec === 'object' && (spec.Driver === 'overlay' || spec.Scope === 'swarm')) {
    throw notYet('swarm-scoped networks (overlay)');
  }
  return body;
}
