/**
 * A container create request as classic Swarm reads it: the scheduling keys
 * given as environment variables (`-e constraint:…`, `-e affinity:…`,
 * `-e reschedule:…`, `-e whitelist:…`) leave the environment and are kept
 * as JSON lists in `com.docker.swarm.*` labels, where the scheduler (and a
 * later reschedule) read them.
 */
export const SWARM_LABEL = 'com.docker.swarm';
const KEYS: Record<string, string> = { affinity: 'affinities', constraint: 'constraints', reschedule: 'reschedule-policies', whitelist: 'whitelists' };

export interface CreateBody {
  Image?: string;
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, unknown> | null;
  HostConfig?: {
    Memory?: number; CpuShares?: number; NetworkMode?: string; Links?: string[] | null; VolumesFrom?: string[] | null;
    PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
  } & Record<string, unknown>;
  NetworkingConfig?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Go's json.Marshal of a string list (it escapes <, > and & as \u003c…). */
function goJson(list: string[]): string {
  return JSON.stringify(list).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function readList(labels: Record<string, string>, key: string): string[] {
  const raw = labels[`${SWARM_LABEL}.${key}`];
  if (raw === undefined) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch { return []; }
}

/** Moves the scheduling keys from Env into labels (in place), as classic's BuildContainerConfig. */
export function buildContainerConfig(body: CreateBody): CreateBody {
  const labels: Record<string, string> = { ...(body.Labels ?? {}) };
  const lists: Record<string, string[]> = {};
  for (const k of Object.values(KEYS)) lists[k] = readList(labels, k);
  const env: string[] = [];
  for (const e of body.Env ?? []) {
    const i = e.indexOf(':');
    const key = i >= 0 ? KEYS[e.slice(0, i)] : undefined;
    if (key) lists[key].push(e.slice(i + 1)); else env.push(e);
  }
  if (body.Env) body.Env = env;
  for (const [k, list] of Object.entries(lists)) if (list.length) labels[`${SWARM_LABEL}.${k}`] = goJson(list);
  body.Labels = labels;
  return body;
}

export const constraintsOf = (b: CreateBody) => readList(b.Labels ?? {}, 'constraints');
export const affinitiesOf = (b: CreateBody) => readList(b.Labels ?? {}, 'affinities');
export const whitelistsOf = (b: CreateBody) => readList(b.Labels ?? {}, 'whitelists');
export const reschedulePoliciesOf = (labels: Record<string, string>) => readList(labels, 'reschedule-policies');

export function addToList(b: CreateBody, key: 'constraints' | 'affinities', value: string): void {
  const labels = (b.Labels ??= {});
  labels[`${SWARM_LABEL}.${key}`] = goJson([...readList(labels, key), value]);
}

export function removeFromList(b: CreateBody, key: 'constraints' | 'affinities', value: string): void {
  const labels = (b.Labels ??= {});
  labels[`${SWARM_LABEL}.${key}`] = goJson(readList(labels, key).filter((x) => x !== value));
}

/** Classic's Validate: at most one reschedule policy, `off` or `on-node-failure`. */
export function validateConfig(b: CreateBody): void {
  const p = reschedulePoliciesOf(b.Labels ?? {});
  if (p.length > 1) throw new Error('too many reschedule policies');
  if (p.length === 1 && p[0] !== 'off' && p[0] !== 'on-node-failure') throw new Error(`invalid reschedule policy: ${p[0]}`);
}

/** Whether a hard `node==` constraint pins the container (classic's HaveNodeConstraint). */
export function hasNodeConstraint(b: CreateBody): boolean {
  return constraintsOf(b).some((c) => c.startsWith('node==') && !c.startsWith('node==~'));
}
