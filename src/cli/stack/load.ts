import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { YAMLParseError, parse } from 'yaml';
import { validateCompose } from './compose-schema.js';
import { interpolationEnv, type Env } from './dotenv.js';
import { interpolate } from './interpolate.js';
import { nonStringKeyMaps, UNSUPPORTED_MAP } from './key-tags.js';
import { invalidMapKey } from './map-keys.js';
import { mergeConfigs } from './merge.js';
import { duplicateKeys, goYamlMessage, missingKey, unknownAnchor } from './yaml-errors.js';
import { isDict, type Dict } from './dict.js';

/** The docker CLI's types.UnsupportedProperties: ignored with a warning. */
const UNSUPPORTED = ['build', 'cgroupns_mode', 'cgroup_parent', 'devices', 'domainname', 'external_links', 'ipc', 'links', 'mac_address',
  'network_mode', 'pid', 'privileged', 'restart', 'security_opt', 'shm_size', 'userns_mode'];
const DEPRECATED: Record<string, string> = {
  container_name: 'Setting the container name is not supported.',
  expose: "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
};
const FORBIDDEN: Record<string, string> = {
  extends: 'Support for `extends` is not implemented yet.',
  volume_driver: 'Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.',
  volumes_from: "To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.",
  cpu_quota: 'Set resource limits using deploy.resources', cpu_shares: 'Set resource limits using deploy.resources',
  cpuset: 'Set resource limits using deploy.resources', mem_limit: 'Set resource limits using deploy.resources',
  memswap_limit: 'Set resource limits using deploy.resources',
};

export interface LoadedCompose {
  config: Dict;
  workingDir: string;
  warnings: string[];
}

async function readSource(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  return readFile(file, 'utf8');
}

function parseYaml(text: string): unknown {
  const dup = duplicateKeys(text);
  const badKey = invalidMapKey(text);
  try {
    const doc = parse(text, { uniqueKeys: false, merge: true, maxAliasCount: 1000, logLevel: 'error' });
    const noKey = missingKey(text);
    if (noKey) throw new Error(noKey);
    if (badKey) throw new Error(badKey);
    if (dup) throw new Error(dup);
    return doc;
  } catch (e) {
    // The `yaml` library's own "IMPOSSIBLE" on a flow collection as a key: libyaml reads it, go-yaml refuses the key.
    if (e instanceof YAMLParseError && e.code === 'IMPOSSIBLE' && badKey) throw new Error(badKey);
    if (e instanceof YAMLParseError) throw new Error(goYamlMessage(text, e));
    const anchor = unknownAnchor(e);
    if (anchor) throw new Error(anchor);
    throw e;
  }
}

/** Reads, checks and merges the compose files of `stack deploy -c …` as the docker CLI does. */
export async function loadCompose(files: string[], environment: Env = process.env): Promise<LoadedCompose> {
  if (files.length === 0) throw new Error('Specify a Compose file (with --compose-file)');
  const workingDir = files[0] === '-' ? process.cwd() : dirname(resolve(files[0]));
  const env = await interpolationEnv(workingDir, environment);
  const dicts: Dict[] = [];
  // per file, the paths of mappings go-yaml would decode with non-string keys
  const generalMaps: string[][][] = [];
  for (const f of files) {
    const text = await readSource(f);
    const doc = parseYaml(text);
    const keys = nonStringKeyMaps(text);
    if (!isDict(doc) || keys.top) throw new Error('top-level object must be a mapping');
    dicts.push(doc);
    generalMaps.push(keys.paths);
  }
  const version = String(dicts[0].version ?? '');
  if (!(version === '' || version === '3' || /^3\.([0-9]|1[0-3])$/.test(version))) throw new Error(`unsupported Compose file version: ${version}`);
  const checked: Dict[] = [];
  for (const [i, d] of dicts.entries()) {
    const general = (path: string[]) => generalMaps[i].some((p) => p.length === path.length && p.every((k, j) => k === path[j]));
    const doc = interpolate(d, env);
    // docker's forbidden-keys check reads only string-keyed mappings (services, then each service)
    const services = general(['services']) ? {} : doc.services ?? {};
    const forbidden = Object.entries(services).filter(([name]) => !general(['services', name]))
      .flatMap(([, s]) => Object.keys(isDict(s) ? s : {}).filter((k) => k in FORBIDDEN));
    if (forbidden.length) {
      const msgs = [...new Set(forbidden)].map((k) => `${k}: ${FORBIDDEN[k]}`).sort();
      throw new Error(`Compose file contains unsupported options:\n\n${msgs.join('\n\n')}\n`);
    }
    if (generalMaps[i].length) throw new Error(UNSUPPORTED_MAP);
    validateCompose(doc);
    checked.push(doc);
  }
  const warnings: string[] = [];
  const used = (keys: string[]) => keys.filter((k) => checked.some((d) => Object.values(d.services ?? {}).some((s) => isDict(s) && k in s)));
  const unsupported = used(UNSUPPORTED).sort();
  if (unsupported.length) warnings.push(`Ignoring unsupported options: ${unsupported.join(', ')}\n\n`);
  const deprecated = used(Object.keys(DEPRECATED)).map((k) => `${k}: ${DEPRECATED[k]}`).sort();
  if (deprecated.length) warnings.push(`Ignoring deprecated options:\n\n${deprecated.join('\n\n')}\n\n`);
  const config = mergeConfigs(checked);
  for (const [name, s] of Object.entries(config.services as Dict)) {
    if (!s.image) throw new Error(`invalid image reference for service ${name}: no image specified`);
  }
  return { config, workingDir, warnings };
}
