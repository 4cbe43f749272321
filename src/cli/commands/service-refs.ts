import type { ConfigReference, SecretReference, ServiceSpec } from '../../types/objects.js';
import { all, type FlagSpec, type Parsed } from '../args.js';
import { q, type Client } from '../client.js';

const V = { value: true };
/** The reference flags of `service create`. */
export const REF_CREATE_FLAGS: FlagSpec = { secret: V, config: V };
/** The reference flags of `service update` (and container labels, which update changes as docker does). */
export const REF_UPDATE_FLAGS: FlagSpec = { 'secret-add': V, 'secret-rm': V, 'config-add': V, 'config-rm': V, 'container-label-add': V, 'container-label-rm': V };

interface RefOpt { source: string; target: string; uid: string; gid: string; mode: number }

/** A --secret / --config value as docker's opts.SecretOpt / ConfigOpt: a name, or source=,target=,uid=,gid=,mode= (mode in Go's base-0 syntax). */
function parseRefOpt(value: string): RefOpt {
  const r: RefOpt = { source: '', target: '', uid: '0', gid: '0', mode: 0o444 };
  if (!value.includes('=') && !value.includes(',')) return { ...r, source: value, target: value };
  for (const field of value.split(',')) {
    const i = field.indexOf('=');
    if (i < 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const [key, v] = [field.slice(0, i).toLowerCase(), field.slice(i + 1)];
    if (key === 'source' || key === 'src') r.source = v;
    else if (key === 'target') r.target = v;
    else if (key === 'uid') r.uid = v;
    else if (key === 'gid') r.gid = v;
    else if (key === 'mode') {
      const m = /^0[xX][0-9a-fA-F]+$|^0[oO]?[0-7]*$|^[1-9]\d*$/.test(v) ? Number(v.replace(/^0(?=[0-7])/, '0o')) : NaN;
      if (!Number.isInteger(m) || m > 0xffffffff) throw new Error(`invalid mode specified: strconv.ParseUint: parsing "${v}": invalid syntax`);
      r.mode = m;
    } else throw new Error(`invalid field key ${key}`);
  }
  if (!r.source) throw new Error('source is required');
  if (!r.target) r.target = r.source;
  return r;
}

/**
 * The references for the given values, with the IDs of the objects they name, as docker's ParseSecrets /
 * ParseConfigs: a target given twice is refused, and a name that does not exist too ("secret not found: x").
 */
async function resolve(c: Client, kind: 'secret' | 'config', values: string[]): Promise<(SecretReference & ConfigReference)[]> {
  if (!values.length) return [];
  const byTarget = new Map<string, RefOpt>();
  for (const o of values.map(parseRefOpt)) {
    if (byTarget.has(o.target)) throw new Error(`duplicate ${kind} target for ${o.source} not allowed`);
    byTarget.set(o.target, o);
  }
  const names = [...new Set([...byTarget.values()].map((o) => o.source))];
  const found = new Map((await c.get<{ ID: string; Spec: { Name: string } }[]>(`/${kind}s?filters=${q({ name: names })}`)).map((x) => [x.Spec.Name, x.ID]));
  return [...byTarget.values()].map((o) => {
    const id = found.get(o.source);
    if (!id) throw new Error(`${kind} not found: ${o.source}`);
    const File = { Name: o.target, UID: o.uid, GID: o.gid, Mode: o.mode };
    return kind === 'secret' ? { File, SecretID: id, SecretName: o.source } : { File, ConfigID: id, ConfigName: o.source };
  });
}

/** `service create --secret / --config`. */
export async function applyCreateRefs(c: Client, spec: ServiceSpec, p: Parsed): Promise<void> {
  const cs = (spec.TaskTemplate ??= {}).ContainerSpec ??= {};
  const secrets = await resolve(c, 'secret', all(p, 'secret'));
  if (secrets.length) cs.Secrets = secrets;
  const configs = await resolve(c, 'config', all(p, 'config'));
  if (configs.length) cs.Configs = configs;
}

/** `service update --secret-rm/--secret-add/--config-rm/--config-add` (removed by the name they reference, as docker) and container labels. */
export async function applyUpdateRefs(c: Client, spec: ServiceSpec, p: Parsed): Promise<void> {
  const cs = (spec.TaskTemplate ??= {}).ContainerSpec ??= {};
  for (const l of all(p, 'container-label-add')) { const [k, ...v] = l.split('='); (cs.Labels ??= {})[k] = v.join('='); }
  for (const k of all(p, 'container-label-rm')) delete cs.Labels?.[k];
  const secretRm = new Set(all(p, 'secret-rm'));
  if (p.flags.has('secret-rm') || p.flags.has('secret-add')) {
    cs.Secrets = [...(cs.Secrets ?? []).filter((r) => !secretRm.has(r.SecretName ?? '')), ...await resolve(c, 'secret', all(p, 'secret-add'))];
  }
  const configRm = new Set(all(p, 'config-rm'));
  if (p.flags.has('config-rm') || p.flags.has('config-add')) {
    cs.Configs = [...(cs.Configs ?? []).filter((r) => !configRm.has(r.ConfigName ?? '')), ...await resolve(c, 'config', all(p, 'config-add'))];
  }
}
