import type { DaemonBackend } from '../api/backend.js';
import { runForwarded } from '../api/forwarded.js';
import type { ForwardedReply, ForwardedWrite } from '../types/forwarded.js';
import { badRequest } from '../types/errors.js';
import type { AvailabilityAction, ScaleAction } from './live-types.js';

/** Docker CLI's words when `service scale` meets a service that is not replicated. */
const NOT_REPLICATED = 'scale can only be used with replicated or replicated-job mode';

/**
 * A cluster write as the Engine API runs it: on the leader through the route
 * table (validation, defaults, Docker's errors), from a follower forwarded
 * to the leader, exactly as a `docker service update` would go.
 */
function write(b: DaemonBackend, path: string, version: number, body: unknown): Promise<ForwardedReply> {
  const w: ForwardedWrite = {
    method: 'POST', path, query: `version=${version}`, headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
  };
  const toLeader = b.leaderForwarder?.();
  return toLeader ? toLeader(w) : runForwarded(w, b);
}

/** `docker service scale NAME=N`: the service's spec with its replicas changed, at the version read. */
export async function scaleService(b: DaemonBackend, a: ScaleAction): Promise<ForwardedReply> {
  if (typeof a?.service !== 'string' || !Number.isSafeInteger(a.replicas) || a.replicas < 0) {
    throw badRequest('invalid scale: want {"service": "<name or ID>", "replicas": <integer >= 0>}');
  }
  await b.readBarrier?.();
  const s = b.control().getService(a.service);
  const mode = s.Spec.Mode ?? {};
  let spec;
  if (mode.Replicated) spec = { ...s.Spec, Mode: { Replicated: { ...mode.Replicated, Replicas: a.replicas } } };
  else if (mode.ReplicatedJob) spec = { ...s.Spec, Mode: { ReplicatedJob: { ...mode.ReplicatedJob, MaxConcurrent: a.replicas } } };
  else throw badRequest(NOT_REPLICATED);
  return write(b, `/services/${s.ID}/update`, s.Version.Index, spec);
}

/** `docker node update --availability active|pause|drain NODE`. */
export async function setAvailability(b: DaemonBackend, a: AvailabilityAction): Promise<ForwardedReply> {
  if (typeof a?.node !== 'string' || typeof a.availability !== 'string') {
    throw badRequest('invalid availability: want {"node": "<name or ID>", "availability": "active|pause|drain"}');
  }
  await b.readBarrier?.();
  const n = b.control().getNode(a.node);
  return write(b, `/nodes/${n.ID}/update`, n.Version.Index, { ...n.Spec, Availability: a.availability });
}
