// Several `-c` files: each later file overrides the earlier ones as the docker
// CLI merges them (cli/compose/loader/merge.go, checked against
// `docker stack config -c a.yml -c b.yml` of docker 28.2):
// - a service's mappings merge key by key (deploy, resources, environment,
//   labels, sysctls, networks), other values are replaced;
// - lists are appended (dns, cap_add, extra_hosts, placement constraints,
//   even healthcheck.test), except: ports are a set (an identical port once),
//   volumes are keyed by target, secrets and configs by source (the later
//   entry replaces the earlier), each sorted as docker sorts them; command and
//   entrypoint are replaced; logging options merge while the driver is the same;
// - a network, volume, secret or config of the same name is replaced whole;
// - services absent from the base are added; services come out sorted by name.
import { isDict, toDict, type Dict } from './dict.js';


/** Short port syntax ("[ip:]8080:80[/udp]", ranges) in the long form the docker CLI's loader makes. */
export function longPorts(list: unknown[]): Dict[] {
  const out: Dict[] = [];
  for (const p of list) {
    if (isDict(p)) { out.push(p); continue; }
    const [spec, protocol = 'tcp'] = String(p).split('/');
    const parts = spec.split(':');
    // "8000-8002" is three ports; anything not a number or range stays as written (convert.ts refuses it).
    const range = (r: string): (number | string)[] => {
      if (!/^\d+(-\d+)?$/.test(r)) return [r];
      const [a, b = a] = r.split('-').map(Number);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    };
    const targets = range(parts.at(-1)!);
    const published = parts.length > 1 ? range(parts.at(-2)!) : [];
    targets.forEach((target, i) => out.push({ mode: 'ingress', target, ...(published.length ? { published: published[i] ?? published[0] } : {}), protocol }));
  }
  return out;
}

/** Short volume syntax ("src:/target[:ro]", "/target") in the long form. */
export function longVolumes(list: unknown[]): Dict[] {
  return list.map((v) => {
    if (isDict(v)) return v;
    const parts = String(v).split(':');
    if (parts.length === 1) return { type: 'volume', target: parts[0] };
    const [source, target, opt] = parts;
    const bind = /^[./~]/.test(source);
    return { type: bind ? 'bind' : 'volume', source, target, ...(opt === 'ro' ? { read_only: true } : {}) };
  });
}

const longRefs = (list: unknown[]): Dict[] => list.map((r) => (isDict(r) ? r : { source: String(r) }));

/** Entries keyed by `key`: a later entry with the same key replaces the earlier, then sorted by `sortBy`. */
function keyed(base: Dict[], over: Dict[], key: (d: Dict) => string, sortBy: (d: Dict) => string | number): Dict[] {
  const m = new Map<string, Dict>();
  for (const d of [...base, ...over]) m.set(key(d), d);
  return [...m.values()].sort((a, b) => { const x = sortBy(a); const y = sortBy(b); return x < y ? -1 : x > y ? 1 : 0; });
}

const sortedJson = (d: Dict) => JSON.stringify(Object.keys(d).sort().map((k) => [k, d[k]]));
const netMap = (v: unknown): Dict => (Array.isArray(v) ? Object.fromEntries(v.map((n) => [String(n), null])) : isDict(v) ? v : {});

/** Mappings merged key by key, lists appended, anything else replaced. */
function deepMerge(a: unknown, b: unknown): unknown {
  if (b === undefined || b === null) return a;
  if (isDict(a) && isDict(b)) {
    const out: Dict = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k === 'labels' ? { ...toDict(a[k]), ...toDict(v) } : deepMerge(a[k], v);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  // A string where docker's types hold a list (dns, env_file, tmpfs) is a list of one.
  if ((Array.isArray(a) && typeof b === 'string') || (typeof a === 'string' && Array.isArray(b))) return [...([] as unknown[]).concat(a), ...([] as unknown[]).concat(b)];
  return b;
}

/** One service of a later file over the same service of the earlier ones. */
export function mergeService(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    if (b === undefined || v === null || v === undefined) { if (v !== null && v !== undefined) out[k] = v; continue; }
    switch (k) {
      case 'ports':
        out[k] = keyed(longPorts(b), longPorts(v), sortedJson, (d) => Number(d.published ?? 0));
        break;
      case 'volumes':
        out[k] = keyed(longVolumes(b), longVolumes(v), (d) => String(d.target), (d) => String(d.target));
        break;
      case 'secrets': case 'configs':
        out[k] = keyed(longRefs(b), longRefs(v), (d) => String(d.source), (d) => String(d.source));
        break;
      case 'environment': case 'labels': case 'sysctls':
        out[k] = { ...toDict(b), ...toDict(v) };
        break;
      case 'command': case 'entrypoint':
        if ((Array.isArray(v) ? v.length : String(v)) !== 0 && v !== '') out[k] = v;
        break;
      case 'networks': {
        const merged = netMap(b);
        for (const [n, cfg] of Object.entries(netMap(v))) merged[n] = cfg ?? merged[n] ?? null;
        out[k] = merged;
        break;
      }
      case 'logging':
        out[k] = isDict(b) && isDict(v) && b.driver && v.driver && b.driver !== v.driver
          ? v : { ...b, ...v, driver: v.driver ?? b.driver, options: { ...(b.options ?? {}), ...(v.options ?? {}) } };
        break;
      case 'extra_hosts': {
        const list = (x: unknown) => (isDict(x) ? Object.entries(x).map(([h, ip]) => `${h}:${ip}`) : ([] as unknown[]).concat(x));
        out[k] = [...list(b), ...list(v)];
        break;
      }
      default:
        out[k] = deepMerge(b, v);
    }
  }
  return out;
}

/** The files' configs, the later over the earlier. */
export function mergeConfigs(docs: Dict[]): Dict {
  const config: Dict = { services: {}, networks: {}, volumes: {}, secrets: {}, configs: {} };
  for (const d of docs) {
    for (const [name, s] of Object.entries(d.services ?? {})) {
      const svc = isDict(s) ? s : {};
      config.services[name] = name in config.services ? mergeService(config.services[name], svc) : svc;
    }
    for (const section of ['networks', 'volumes', 'secrets', 'configs']) {
      for (const [name, v] of Object.entries(d[section] ?? {})) config[section][name] = v ?? {};
    }
  }
  config.services = Object.fromEntries(Object.entries(config.services as Dict).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return config;
}
