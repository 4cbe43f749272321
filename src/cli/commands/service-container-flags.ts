/**
 * The container and task flags of `service create` / `service update` that
 * docker's cli/command/service (28.2) has: networks, mounts, DNS, hosts,
 * groups, capabilities, sysctls, ulimits, init, tty, read-only, the log
 * driver, isolation, the OOM score, the pids limit, env files. Each value is
 * checked as docker's flag types check it (a bad one is a flag error, exit
 * 125) and the spec gets what docker's ToService / updateService put there.
 */
import { readFileSync } from 'node:fs';
import { csvFields } from './util.js';
import { resolve as resolvePath } from 'node:path';
import type { ServiceSpec } from '../../types/objects.js';
import { all, has, one, parseBool, type FlagSpec, type Parsed } from '../args.js';
import type { Client } from '../client.js';
import { compareStrings } from '../../format/values.js';
import { flagError, type Command } from '../usage.js';

const V = { value: true };
const B = { value: false };
const COMMON: FlagSpec = {
  init: B, 'read-only': B, tty: { short: 't', value: false }, 'cap-add': V, 'cap-drop': V, 'limit-pids': V, 'log-driver': V, 'log-opt': V,
  isolation: V, 'oom-score-adj': V, 'no-resolve-image': B, 'with-registry-auth': B,
};
/** The flags of `service create` this file handles. */
export const CONTAINER_CREATE_FLAGS: FlagSpec = {
  ...COMMON, network: V, mount: V, dns: V, 'dns-option': V, 'dns-search': V, 'env-file': V, host: V, group: V, sysctl: V, ulimit: V,
};
/** The flags of `service update` this file handles. */
export const CONTAINER_UPDATE_FLAGS: FlagSpec = {
  ...COMMON, 'network-add': V, 'network-rm': V, 'mount-add': V, 'mount-rm': V, 'dns-add': V, 'dns-rm': V, 'dns-option-add': V,
  'dns-option-rm': V, 'dns-search-add': V, 'dns-search-rm': V, 'host-add': V, 'host-rm': V, 'group-add': V, 'group-rm': V,
  'sysctl-add': V, 'sysctl-rm': V, 'ulimit-add': V, 'ulimit-rm': V,
};

const CREATE: Command = { path: 'service create', use: '[OPTIONS] IMAGE [COMMAND] [ARG...]' };
const UPDATE: Command = { path: 'service update', use: '[OPTIONS] SERVICE' };
const SHORT: Record<string, string> = { tty: '-t, --tty' };

type Json = Record<string, any>;
/** A flag's values checked (and normalised) by `check`, a bad one as pflag's error. */
function values<T>(c: Command, p: Parsed, flag: string, check: (v: string) => T): T[] {
  return all(p, flag).map((v) => {
    try { return check(v); } catch (e) {
      throw flagError(c, `invalid argument ${JSON.stringify(v)} for "${SHORT[flag] ?? `--${flag}`}" flag: ${(e as Error).message}`);
    }
  });
}
const changed = (p: Parsed, ...flags: string[]) => flags.some((f) => p.flags.has(f));
const sortedMap = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => compareStrings(a, b)));
/** opts.ConvertKVStringsToMap. */
function kvMap(list: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const x of list) { const i = x.indexOf('='); m[i < 0 ? x : x.slice(0, i)] = i < 0 ? '' : x.slice(i + 1); }
  return m;
}
const sortStrings = (l: string[]) => [...l].sort(compareStrings);

// --- value checks as docker's opts ------------------------------------------

function parseInt64(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** go-units RAMInBytes. */
function ramInBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) throw new Error(`invalid size: '${v}'`);
  return Math.trunc(Number(m[1]) * 1024 ** ('bkmgtp'.indexOf((m[2] ?? 'b').toLowerCase())));
}

/** opts.MountOpt.Set. */
function parseMount(value: string): Json {
  const fields = csvFields(value);
  const m: Json = { Type: 'volume' };
  const volume = () => { m.VolumeOptions ??= { Labels: {} }; m.VolumeOptions.DriverConfig ??= {}; return m.VolumeOptions; };
  const bind = () => (m.BindOptions ??= {});
  const tmpfs = () => (m.TmpfsOptions ??= {});
  const setOn = (target: Json, v: string) => { const i = v.indexOf('='); const k = i < 0 ? v : v.slice(0, i); if (k !== '') target[k] = i < 0 ? '' : v.slice(i + 1); };
  const bool = (key: string, v: string, msg = `invalid value for ${key}: ${v}`) => { try { return parseBool(v); } catch { throw new Error(msg); } };
  for (const field of fields) {
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).toLowerCase();
    const val = i < 0 ? '' : field.slice(i + 1);
    if (i < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') volume().NoCopy = true;
      else if (key === 'bind-nonrecursive') bind().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type': m.Type = val.toLowerCase(); break;
      case 'source': case 'src': m.Source = !val.startsWith('/') && val.startsWith('.') ? resolvePath(val) : val; break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': m.ReadOnly = bool(key, val); break;
      case 'consistency': m.Consistency = val.toLowerCase(); break;
      case 'bind-propagation': bind().Propagation = val.toLowerCase(); break;
      case 'bind-nonrecursive': bind().NonRecursive = bool(key, val); break;
      case 'bind-recursive':
        if (val === 'disabled') bind().NonRecursive = true;
        else if (val === 'writable') bind().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bind().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled') throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath': volume().Subpath = val; break;
      case 'volume-nocopy': volume().NoCopy = bool(key, val, `invalid value for volume-nocopy: ${val}`); break;
      case 'volume-label': setOn(volume().Labels, val); break;
      case 'volume-driver': volume().DriverConfig.Name = val; break;
      case 'volume-opt': setOn(volume().DriverConfig.Options ??= {}, val); break;
      case 'image-subpath': (m.ImageOptions ??= {}).Subpath = val; break;
      case 'tmpfs-size': try { tmpfs().SizeBytes = ramInBytes(val); } catch { throw new Error(`invalid value for ${key}: ${val}`); } break;
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = parseInt(val, 8);
        break;
      }
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  for (const [opt, type] of [['VolumeOptions', 'volume'], ['ImageOptions', 'image'], ['BindOptions', 'bind'], ['TmpfsOptions', 'tmpfs']]) {
    if (m[opt] && m.Type !== type) throw new Error(`cannot mix '${type}-*' options with mount type '${m.Type}'`);
  }
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  // Go's omitempty: empty maps and false/zero fields are not sent
  if (m.VolumeOptions && !Object.keys(m.VolumeOptions.Labels).length) delete m.VolumeOptions.Labels;
  if (m.VolumeOptions?.DriverConfig?.Options) m.VolumeOptions.DriverConfig.Options = sortedMap(m.VolumeOptions.DriverConfig.Options);
  return m;
}

interface NetOpt { Target: string; Aliases?: string[]; DriverOpts?: Record<string, string> }
/** opts.NetworkOpt.Set: a name, or name=…,alias=…,driver-opt=k=v (the whole field lowered, as docker does). */
function parseNetwork(value: string): NetOpt {
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return { Target: value };
  const n: NetOpt = { Target: '' };
  const aliases: string[] = [];
  for (const field of csvFields(value)) {
    const lower = field.toLowerCase();
    const i = lower.indexOf('=');
    if (i <= 0) throw new Error(`invalid field ${field}`);
    const key = lower.slice(0, i).trim();
    const val = lower.slice(i + 1).trim();
    switch (key) {
      case 'name': n.Target = val; break;
      case 'alias': aliases.push(val); break;
      case 'ip': case 'ip6': case 'mac-address': case 'link-local-ip': break; // not part of a service's attachment
      case 'driver-opt': {
        const j = val.indexOf('=');
        const k = (j < 0 ? val : val.slice(0, j)).trim();
        if (j < 0 || k === '') throw new Error('invalid key value pair format in driver options');
        (n.DriverOpts ??= {})[k] = val.slice(j + 1).trim();
        break;
      }
      case 'gw-priority':
        if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority (${val}): invalid syntax`);
        break;
      default: throw new Error(`invalid field key ${key}`);
    }
  }
  if (!n.Target) throw new Error('network name/id is not specified');
  if (aliases.length) n.Aliases = aliases;
  if (n.DriverOpts) n.DriverOpts = sortedMap(n.DriverOpts);
  return n;
}

/** A bare IPv4 or IPv6 address (net.ParseIP's syntax, roughly). */
function isIp(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split('.').every((x) => Number(x) <= 255);
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1;
}
function validateIp(v: string): string {
  if (!isIp(v.trim())) throw new Error(`IP address is not correctly formatted: ${v}`);
  return v.trim();
}
const DOMAIN = /^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/;
function validateDnsSearch(v: string): string {
  const val = v.replace(/^ +| +$/g, '');
  if (val === '.') return val;
  const m = /[a-zA-Z]/.test(val) ? DOMAIN.exec(val) : null;
  if (!m || m[1].length >= 255) throw new Error(`${val} is not a valid domain`);
  return m[1];
}
/** opts.ValidateExtraHost: host:ip or host=ip, returned as host:ip. */
function validateExtraHost(v: string): string {
  let i = v.indexOf('=');
  if (i < 0) i = v.indexOf(':');
  const k = i < 0 ? '' : v.slice(0, i);
  let ip = i < 0 ? '' : v.slice(i + 1);
  if (i < 0 || k === '' || k.includes(':')) throw new Error(`bad format for add-host: ${JSON.stringify(v)}`);
  if (ip !== 'host-gateway') {
    if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (!isIp(ip.trim())) throw new Error(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  return `${k}:${ip}`;
}
/** opts.ValidateEnv: a bare name takes its value from the environment. */
function validateEnv(v: string): string {
  const i = v.indexOf('=');
  const k = i < 0 ? v : v.slice(0, i);
  if (k === '') throw new Error(`invalid environment variable: ${v}`);
  if (i >= 0) return v;
  return process.env[k] !== undefined ? `${k}=${process.env[k]}` : v;
}
const ULIMITS = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);
interface Ulimit { Name: string; Hard: number; Soft: number }
/** go-units ParseUlimit. */
function parseUlimit(v: string): Ulimit {
  const i = v.indexOf('=');
  if (i < 0) throw new Error(`invalid ulimit argument: ${v}`);
  const name = v.slice(0, i);
  if (!ULIMITS.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = v.slice(i + 1).split(':');
  if (parts.length > 2) throw new Error(`too many limit value arguments - ${v.slice(i + 1)}, can only have up to two, \`soft[:hard]\``);
  const hard = parts.length === 2 ? parseInt64(parts[1]) : undefined;
  const soft = parseInt64(parts[0]);
  const h = hard ?? soft;
  if (h !== -1) {
    if (soft === -1) throw new Error(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${h}`);
    if (soft > h) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  }
  return { Name: name, Hard: h, Soft: soft };
}
/** UlimitOpt: the last value per name, by name. */
function ulimitList(c: Command, p: Parsed, flag: string): Ulimit[] {
  const m = new Map<string, Ulimit>();
  for (const v of all(p, flag)) {
    try { const u = parseUlimit(v); m.set(u.Name, u); } catch (e) {
      throw flagError(c, `invalid argument ${JSON.stringify(v)} for "--${flag}" flag: ${(e as Error).message}`);
    }
  }
  return [...m.values()].sort((a, b) => compareStrings(a.Name, b.Name));
}

/** kvfile.Parse: KEY=value lines, bare names from the environment, # comments. */
function readEnvFile(file: string): string[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' };
    throw new Error(`${err.code === 'EISDIR' ? 'read' : 'open'} ${file}: ${why[err.code ?? ''] ?? err.message}`);
  }
  const out: string[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, n) => {
    if (n === text.split(/\r?\n/).length - 1 && raw === '') return;
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) return;
    const i = line.indexOf('=');
    const key = i < 0 ? line : line.slice(0, i);
    if (!key) throw new Error(`invalid env file (${file}): no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new Error(`invalid env file (${file}): variable '${key}' contains whitespaces`);
    if (i >= 0) out.push(line);
    else if (process.env[line] !== undefined) out.push(`${key}=${process.env[line]}`);
  });
  return out;
}

/** opts.CapabilitiesMap's normalisation. */
function normCap(c: string): string {
  const u = c.trim().toUpperCase();
  return u === 'ALL' || u === 'RESET' || u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** GET /networks/NAME?scope=swarm: its ID (the daemon's error as is). */
async function networkId(c: Client, ref: string): Promise<string> {
  return (await c.get<{ Id: string }>(`/networks/${encodeURIComponent(ref)}?scope=swarm`)).Id;
}

/** The flag values every check of which can fail before any request, as pflag checks them while parsing. */
function checkCommon(cmd: Command, p: Parsed) {
  const int64 = (flag: string) => { const v = values(cmd, p, flag, (x) => String(parseInt64(x))).at(-1); return v === undefined ? undefined : Number(v); };
  for (const b of ['init', 'read-only', 'tty']) values(cmd, p, b, (x) => String(parseBool(x)));
  return {
    pids: int64('limit-pids'), oom: int64('oom-score-adj'), logOpts: values(cmd, p, 'log-opt', validateEnv),
  };
}

const cspecOf = (spec: ServiceSpec): Json => ((spec.TaskTemplate ??= {}).ContainerSpec ??= {}) as Json;

/** `service create`: docker's ToService for these flags. */
export async function applyCreateContainerFlags(c: Client, spec: ServiceSpec, p: Parsed): Promise<void> {
  const common = checkCommon(CREATE, p);
  const mounts = values(CREATE, p, 'mount', parseMount);
  const nets = values(CREATE, p, 'network', parseNetwork);
  const dns = values(CREATE, p, 'dns', validateIp);
  const dnsSearch = values(CREATE, p, 'dns-search', validateDnsSearch);
  const hosts = values(CREATE, p, 'host', validateExtraHost);
  const ulimits = ulimitList(CREATE, p, 'ulimit');
  const tt = (spec.TaskTemplate ??= {}) as Json;
  const cs = cspecOf(spec);
  if (changed(p, 'env-file')) {
    // makeEnv: the files' variables, then --env, a later value of a name replacing an earlier one
    const vars = [...all(p, 'env-file').flatMap(readEnvFile), ...all(p, 'env')];
    let env: string[] = [];
    for (const e of vars) {
      const k = e.split('=')[0];
      env = env.filter((x) => x === e || !x.startsWith(`${k}=`));
      env.push(e);
    }
    cs.Env = env;
  }
  const attached: NetOpt[] = [];
  for (const n of nets) attached.push({ ...n, Target: await networkId(c, n.Target) });
  if (attached.length) tt.Networks = attached.sort((a, b) => (a.Target < b.Target ? -1 : a.Target > b.Target ? 1 : 0));
  if (mounts.length) cs.Mounts = mounts;
  if (has(p, 'init')) cs.Init = true;
  if (has(p, 'tty')) cs.TTY = true;
  if (has(p, 'read-only')) cs.ReadOnly = true;
  if (all(p, 'group').length) cs.Groups = all(p, 'group');
  const dnsConfig: Json = {};
  if (dns.length) dnsConfig.Nameservers = dns;
  if (dnsSearch.length) dnsConfig.Search = dnsSearch;
  if (all(p, 'dns-option').length) dnsConfig.Options = all(p, 'dns-option');
  cs.DNSConfig = dnsConfig;
  if (hosts.length) cs.Hosts = hosts.map((h) => { const i = h.indexOf(':'); return `${h.slice(i + 1)} ${h.slice(0, i)}`; });
  if (one(p, 'isolation')) cs.Isolation = one(p, 'isolation');
  if (all(p, 'sysctl').length) cs.Sysctls = sortedMap(kvMap(all(p, 'sysctl')));
  // EffectiveCapAddCapDrop
  let add = new Set(all(p, 'cap-add').map(normCap));
  let drop = new Set(all(p, 'cap-drop').map(normCap));
  if (add.has('ALL')) add = new Set(['ALL']);
  if (drop.has('ALL')) drop = new Set(['ALL']);
  const capDrop = sortStrings([...drop].filter((x) => !add.has(x) && x !== 'RESET'));
  const capAdd = sortStrings([...add].filter((x) => x !== 'RESET'));
  if (capAdd.length) cs.CapabilityAdd = capAdd;
  if (capDrop.length) cs.CapabilityDrop = capDrop;
  if (ulimits.length) cs.Ulimits = ulimits;
  if (common.oom) cs.OomScoreAdj = common.oom;
  if (common.pids) {
    // ToResourceRequirements: limits and reservations both present
    const res = (tt.Resources ??= {});
    (res.Limits ??= {}).Pids = common.pids;
    res.Reservations ??= {};
  }
  if (one(p, 'log-driver')) tt.LogDriver = { Name: one(p, 'log-driver'), Options: sortedMap(kvMap(common.logOpts)) };
}

/** `service update`: docker's updateService for these flags. */
export async function applyUpdateContainerFlags(c: Client, spec: ServiceSpec, p: Parsed): Promise<void> {
  const common = checkCommon(UPDATE, p);
  const mountsAdd = values(UPDATE, p, 'mount-add', parseMount);
  const netsAdd = values(UPDATE, p, 'network-add', parseNetwork);
  const dnsAdd = values(UPDATE, p, 'dns-add', validateIp);
  const searchAdd = values(UPDATE, p, 'dns-search-add', validateDnsSearch);
  const hostsAdd = values(UPDATE, p, 'host-add', validateExtraHost);
  const ulimitsAdd = ulimitList(UPDATE, p, 'ulimit-add');
  const tt = (spec.TaskTemplate ??= {}) as Json;
  const cs = cspecOf(spec);
  if (changed(p, 'init')) cs.Init = has(p, 'init');
  if (changed(p, 'isolation')) cs.Isolation = one(p, 'isolation');
  // updateMounts: always, the added ones first by target, then sorted by source and target
  const byTarget = new Map<string, Json>();
  for (const m of mountsAdd) {
    if (byTarget.has(m.Target)) throw new Error('duplicate mount target');
    byTarget.set(m.Target, m);
  }
  for (const m of (cs.Mounts ?? []) as Json[]) if (!byTarget.has(m.Target)) byTarget.set(m.Target, m);
  const mountRm = new Set(all(p, 'mount-rm'));
  const mounts = [...byTarget.values()].filter((m) => !mountRm.has(m.Target))
    .sort((a, b) => ((a.Source ?? '') === (b.Source ?? '') ? compareStrings(a.Target, b.Target) : compareStrings(a.Source ?? '', b.Source ?? '')));
  if (mounts.length) cs.Mounts = mounts; else delete cs.Mounts;
  // updateSysCtls
  if (cs.Sysctls && changed(p, 'sysctl-rm')) for (const k of Object.keys(kvMap(all(p, 'sysctl-rm')))) delete cs.Sysctls[k];
  if (changed(p, 'sysctl-add')) cs.Sysctls = { ...(cs.Sysctls ?? {}), ...kvMap(all(p, 'sysctl-add')) };
  if (cs.Sysctls) cs.Sysctls = sortedMap(cs.Sysctls);
  // updateUlimits: always
  const ul = new Map<string, Ulimit>(((cs.Ulimits ?? []) as Ulimit[]).map((u) => [u.Name, u]));
  for (const k of Object.keys(kvMap(all(p, 'ulimit-rm')))) ul.delete(k);
  for (const u of ulimitsAdd) ul.set(u.Name, u);
  if (ul.size) cs.Ulimits = [...ul.values()].sort((a, b) => compareStrings(a.Name, b.Name)); else delete cs.Ulimits;
  if (common.pids !== undefined) {
    const res = (tt.Resources ??= {});
    res.Limits ??= {}; res.Reservations ??= {};
    if (common.pids) res.Limits.Pids = common.pids; else delete res.Limits.Pids;
  }
  if (common.oom !== undefined) { if (common.oom) cs.OomScoreAdj = common.oom; else delete cs.OomScoreAdj; }
  if (changed(p, 'network-add', 'network-rm')) await updateNetworks(c, spec, p, netsAdd);
  if (changed(p, 'group-add', 'group-rm')) {
    const rm = new Set(all(p, 'group-rm'));
    const groups = sortStrings([...(cs.Groups ?? []), ...all(p, 'group-add')].filter((g) => !rm.has(g)));
    if (groups.length) cs.Groups = groups; else delete cs.Groups;
  }
  if (changed(p, 'dns-add', 'dns-rm', 'dns-option-add', 'dns-option-rm', 'dns-search-add', 'dns-search-rm')) {
    const old = (cs.DNSConfig ?? {}) as Json;
    const merge = (had: string[] | undefined, added: string[], rmFlag: string) => {
      const rm = new Set(all(p, rmFlag));
      return sortStrings([...new Set([...(had ?? []), ...added])].filter((x) => !rm.has(x)));
    };
    const cfg: Json = {};
    const ns = merge(old.Nameservers, dnsAdd, 'dns-rm');
    const search = merge(old.Search, searchAdd, 'dns-search-rm');
    const opts = merge(old.Options, all(p, 'dns-option-add'), 'dns-option-rm');
    if (ns.length) cfg.Nameservers = ns;
    if (search.length) cfg.Search = search;
    if (opts.length) cfg.Options = opts;
    cs.DNSConfig = cfg;
  }
  if (changed(p, 'host-add', 'host-rm')) {
    const toRemove = all(p, 'host-rm').map((e) => { const i = e.indexOf(':'); return { host: i < 0 ? e : e.slice(0, i), ip: i < 0 ? '' : e.slice(i + 1) }; });
    const hosts: string[] = [];
    for (const entry of (cs.Hosts ?? []) as string[]) {
      const parts = entry.split(/\s+/).filter(Boolean);
      if (!parts.length) continue;
      const [ip, ...names] = parts;
      let left = names;
      for (const rm of toRemove) if (!rm.ip || rm.ip === ip) left = left.filter((h) => h !== rm.host);
      if (left.length) hosts.push(`${ip} ${left.join(' ')}`);
    }
    for (const h of hostsAdd) { const i = h.indexOf(':'); hosts.push(`${h.slice(i + 1)} ${h.slice(0, i)}`); }
    const unique = [...new Set(hosts)];
    if (unique.length) cs.Hosts = unique; else delete cs.Hosts;
  }
  if (one(p, 'log-driver')) tt.LogDriver = { Name: one(p, 'log-driver'), Options: sortedMap(kvMap(common.logOpts)) };
  if (changed(p, 'tty')) cs.TTY = has(p, 'tty');
  if (changed(p, 'read-only')) cs.ReadOnly = has(p, 'read-only');
  if (changed(p, 'cap-add', 'cap-drop')) {
    let capAdd = new Set<string>((cs.CapabilityAdd ?? []).map(normCap));
    let capDrop = new Set<string>((cs.CapabilityDrop ?? []).map(normCap));
    const toAdd = new Set(all(p, 'cap-add').map(normCap));
    const toDrop = new Set(all(p, 'cap-drop').map(normCap));
    if (toAdd.delete('RESET')) capAdd = new Set();
    if (toDrop.delete('RESET')) capDrop = new Set();
    for (const x of toDrop) if (!toAdd.has(x)) { if (capAdd.has(x)) capAdd.delete(x); else capDrop.add(x); }
    for (const x of toAdd) { if (capDrop.has(x)) capDrop.delete(x); else capAdd.add(x); }
    const list = (s: Set<string>) => (s.size === 0 ? undefined : s.has('ALL') ? ['ALL'] : sortStrings([...s]));
    cs.CapabilityAdd = list(capAdd);
    cs.CapabilityDrop = list(capDrop);
    if (!cs.CapabilityAdd) delete cs.CapabilityAdd;
    if (!cs.CapabilityDrop) delete cs.CapabilityDrop;
  }
}

/** docker's updateNetworks: removals by the ID they name, additions resolved, a second attachment refused, sorted by ID. */
async function updateNetworks(c: Client, spec: ServiceSpec, p: Parsed, added: NetOpt[]): Promise<void> {
  const s = spec as Json;
  const tt = (spec.TaskTemplate ??= {}) as Json;
  const current: NetOpt[] = tt.Networks?.length ? tt.Networks : s.Networks ?? [];
  delete s.Networks;
  const rmIds = new Set<string>();
  for (const ref of new Set(all(p, 'network-rm'))) rmIds.add(await networkId(c, ref));
  const next = current.filter((n) => !rmIds.has(n.Target));
  const have = new Set(next.map((n) => n.Target));
  for (const n of added) {
    const id = await networkId(c, n.Target);
    if (have.has(id)) throw new Error(`service is already attached to network ${n.Target}`);
    next.push({ ...n, Target: id });
    have.add(id);
  }
  next.sort((a, b) => (a.Target < b.Target ? -1 : a.Target > b.Target ? 1 : 0));
  if (next.length) tt.Networks = next; else delete tt.Networks;
}
