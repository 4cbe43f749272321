// The compose file format the docker CLI deploys stacks from (version 3.x, as
// in docker/cli's cli/compose/schema, v3.13 being its default): which keys
// each mapping takes and what type some values are. Errors read as the
// docker CLI prints them ("services.web Additional property foo is not
// allowed", "services.web.deploy.replicas must be a integer").

type Rule =
  | { t: 'obj'; keys: Record<string, Rule>; ext?: boolean }
  | { t: 'mapOf'; of: Rule }
  | { t: 'list'; of?: Rule }
  | { t: 'listOrObj'; of?: Rule }
  | { t: 'scalar'; types: ('string' | 'integer' | 'number' | 'boolean')[] }
  | { t: 'any' }
  /** A string or a list of strings (command, entrypoint): docker's schema names the string when it is neither. */
  | { t: 'strOrList' };

const any: Rule = { t: 'any' };
const strOrList: Rule = { t: 'strOrList' };
const s: Rule = { t: 'scalar', types: ['string'] };
const int: Rule = { t: 'scalar', types: ['integer'] };
const num: Rule = { t: 'scalar', types: ['number'] };
const bool: Rule = { t: 'scalar', types: ['boolean'] };
const strOrNum: Rule = { t: 'scalar', types: ['string', 'number'] };
const obj = (keys: Record<string, Rule>, ext = false): Rule => ({ t: 'obj', keys, ext });
const list = (of?: Rule): Rule => ({ t: 'list', of });
const listOrDict: Rule = { t: 'listOrObj' };
const mapOf = (of: Rule): Rule => ({ t: 'mapOf', of });

const updateConfig = obj({ parallelism: int, delay: s, failure_action: s, monitor: s, max_failure_ratio: num, order: s });
const deploy = obj({
  mode: s, endpoint_mode: s, replicas: int, labels: listOrDict,
  rollback_config: updateConfig, update_config: updateConfig,
  resources: obj({
    limits: obj({ cpus: strOrNum, memory: s, pids: int }),
    reservations: obj({ cpus: strOrNum, memory: s, generic_resources: list(obj({ discrete_resource_spec: obj({ kind: s, value: num }) })) }),
  }),
  restart_policy: obj({ condition: s, delay: s, max_attempts: int, window: s }),
  placement: obj({ constraints: list(s), preferences: list(obj({ spread: s })), max_replicas_per_node: int }),
});
const healthcheck = obj({ disable: bool, interval: s, retries: num, test: any, timeout: s, start_period: s, start_interval: s });
const fileRef = obj({ source: s, target: s, uid: s, gid: s, mode: num });

const service = obj({
  deploy, build: any, cap_add: list(s), cap_drop: list(s), cgroup_parent: s, cgroupns_mode: s, command: strOrList, configs: list(any),
  container_name: s, credential_spec: obj({ config: s, file: s, registry: s }), depends_on: any, devices: list(s), dns: any,
  dns_search: any, domainname: s, entrypoint: strOrList, env_file: any, environment: listOrDict, expose: list(any), external_links: list(s),
  extra_hosts: listOrDict, healthcheck, hostname: s, image: s, init: bool, ipc: s, isolation: s, labels: listOrDict, links: list(s),
  logging: obj({ driver: s, options: any }), mac_address: s, network_mode: s, networks: any, oom_score_adj: int, pid: any,
  ports: list(any), privileged: bool, read_only: bool, restart: s, secrets: list(any), security_opt: list(s), shm_size: strOrNum,
  stdin_open: bool, stop_grace_period: s, stop_signal: s, sysctls: listOrDict, tmpfs: any, tty: bool, ulimits: any, user: s,
  userns_mode: s, volumes: list(any), working_dir: s,
}, true);

const external = any;
export const COMPOSE_SCHEMA: Rule = obj({
  version: s,
  services: mapOf(service),
  networks: mapOf(obj({ name: s, driver: s, driver_opts: any, ipam: any, external, internal: bool, attachable: bool, labels: listOrDict }, true)),
  volumes: mapOf(obj({ name: s, driver: s, driver_opts: any, external, labels: listOrDict, 'x-cluster-spec': any }, true)),
  secrets: mapOf(obj({ name: s, file: s, external, labels: listOrDict, driver: s, driver_opts: any, template_driver: s }, true)),
  configs: mapOf(obj({ name: s, file: s, external, labels: listOrDict, template_driver: s }, true)),
}, true);

/** Sub-rules checked for items of a few lists whose items may be strings or mappings. */
const LIST_ITEM_OBJECTS: Record<string, Rule> = {
  secrets: fileRef, configs: fileRef,
  ports: obj({ mode: s, target: int, published: strOrNum, protocol: s }),
  volumes: obj({ type: s, source: s, target: s, read_only: bool, consistency: s, bind: obj({ propagation: s }), volume: obj({ nocopy: bool }), tmpfs: obj({ size: strOrNum }) }),
};

export class ComposeSchemaError extends Error {}

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
const human = (t: string) => (t === 'object' ? 'mapping' : t === 'array' ? 'list' : t);

/** Checks a parsed (and interpolated) compose file; throws with the docker CLI's words. */
export function validateCompose(doc: unknown, rule: Rule = COMPOSE_SCHEMA, path = '(root)', key = ''): void {
  const at = (k: string) => (path === '(root)' ? k : `${path}.${k}`);
  switch (rule.t) {
    case 'any': return;
    case 'strOrList':
      if (doc === null || typeof doc === 'string') return;
      if (Array.isArray(doc)) { doc.forEach((x, i) => validateCompose(x, s, `${path}.${i}`)); return; }
      throw new ComposeSchemaError(`${path} must be a string`);
    case 'scalar': {
      if (doc === null) return;
      const t = typeOf(doc);
      const ok = rule.types.some((x) => (x === 'integer' ? Number.isInteger(doc) : x === 'number' ? t === 'number' : t === x));
      if (!ok) throw new ComposeSchemaError(`${path} must be a ${rule.types.map(human).join(' or ')}`);
      return;
    }
    case 'list': {
      if (doc === null) return;
      if (!Array.isArray(doc)) throw new ComposeSchemaError(`${path} must be a list`);
      const itemObj = LIST_ITEM_OBJECTS[key];
      doc.forEach((item, i) => {
        if (itemObj && item && typeof item === 'object' && !Array.isArray(item)) validateCompose(item, itemObj, `${path}.${i}`);
        else if (rule.of) validateCompose(item, rule.of, `${path}.${i}`);
      });
      return;
    }
    case 'listOrObj':
      if (doc !== null && typeof doc !== 'object') throw new ComposeSchemaError(`${path} must be a mapping or list`);
      return;
    case 'mapOf':
      if (doc === null) return;
      if (typeOf(doc) !== 'object') throw new ComposeSchemaError(`${path} must be a mapping`);
      for (const [k, v] of Object.entries(doc as object)) {
        if (!/^[a-zA-Z0-9._-]+$/.test(k)) throw new ComposeSchemaError(`${path} Additional property ${k} is not allowed`);
        validateCompose(v ?? {}, rule.of, at(k), k);
      }
      return;
    case 'obj':
      if (doc === null) return;
      if (typeOf(doc) !== 'object') throw new ComposeSchemaError(`${path} must be a mapping`);
      for (const [k, v] of Object.entries(doc as object)) {
        const sub = rule.keys[k];
        if (!sub) {
          if (rule.ext && k.startsWith('x-')) continue;
          throw new ComposeSchemaError(`${path} Additional property ${k} is not allowed`);
        }
        validateCompose(v, sub, at(k), k);
      }
  }
}
