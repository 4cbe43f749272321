import { readFile } from 'node:fs/promises';
import type { Config, Secret } from '../../types/secrets.js';
import { all, has, one } from '../args.js';
import { daemonErrorText, q, type Client } from '../client.js';
import { FormatError, formatInspect, formatRows } from '../format.js';
import { humanDuration } from '../../format/units.js';
import { compact, indent } from '../../format/gojson.js';
import { compareStrings } from '../../format/values.js';
import { checkArgs, parseCommand, subcommand, unknownSubcommand, type Command } from '../usage.js';
import { T } from '../flagtypes.js';
import { prettyPayload } from './payload-pretty.js';
import { filtersOf } from './service.js';

type Kind = 'secret' | 'config';
const ago = (ts: string) => `${humanDuration(Date.now() - Date.parse(ts))} ago`;
const upper = (k: Kind) => k.toUpperCase();

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** docker's ConvertKVStringsToMap, sent in key order as Go marshals a map (the daemon keeps the order it gets). */
function labelsOf(list: string[]): Record<string, string> {
  const m = new Map<string, string>();
  for (const l of list) { const i = l.indexOf('='); m.set(i < 0 ? l : l.slice(0, i), i < 0 ? '' : l.slice(i + 1)); }
  return Object.fromEntries([...m].sort(([a], [b]) => compareStrings(a, b)));
}

/** Go's os error text for a file that cannot be read. */
function osError(file: string, e: NodeJS.ErrnoException): string {
  const why: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' };
  const text = why[e.code ?? ''] ?? e.message;
  return e.code === 'EISDIR' ? `read ${file}: ${text}` : `open ${file}: ${text}`;
}

/** docker's readSecretData / readConfigData: STDIN for '-', never empty. */
async function readData(file: string): Promise<Buffer> {
  if (file === '-') {
    const data = await readAll(process.stdin);
    if (data.length === 0) throw new Error('error reading from STDIN: data is empty');
    return data;
  }
  let data: Buffer;
  try { data = await readFile(file); } catch (e) { throw new Error(`error reading from ${file}: ${osError(file, e as NodeJS.ErrnoException)}`); }
  if (data.length === 0) throw new Error(`error reading from ${file}: data is empty`);
  return data;
}

async function create(kind: Kind, c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const cmd: Command = { path: `${kind} create`, use: kind === 'secret' ? '[OPTIONS] SECRET [file|-]' : '[OPTIONS] CONFIG file|-' };
  const p = parseCommand(cmd, argv, { label: { short: 'l', value: true, check: T.label }, 'template-driver': { value: true },
    ...(kind === 'secret' ? { driver: { short: 'd', value: true } } : {}) });
  if (kind === 'secret') checkArgs(cmd, p.args, 1, 2); else checkArgs(cmd, p.args, 2, 2);
  const [name, file = ''] = p.args;
  const driver = one(p, 'driver');
  let data: Buffer | undefined;
  if (kind === 'secret') {
    if (driver) {
      if (file) throw new FormatError('When using secret driver secret data must be empty');
    } else {
      if (!file) throw new FormatError('secret file is required');
      try { data = await readData(file); } catch (e) { throw new FormatError((e as Error).message); }
    }
  } else {
    try { data = await readData(file); } catch (e) { throw new FormatError(`Error reading content from ${JSON.stringify(file)}: ${(e as Error).message}`); }
  }
  const tpl = one(p, 'template-driver');
  const spec = { Name: name, Labels: labelsOf(all(p, 'label')), ...(data ? { Data: data.toString('base64') } : {}),
    ...(driver ? { Driver: { Name: driver } } : {}), ...(tpl ? { Templating: { Name: tpl } } : {}) };
  const r = await c.post<{ ID: string }>(`/${kind}s/create`, spec);
  out(`${r.ID}\n`);
  return 0;
}

/** `inspect [--format F | --pretty] NAME...`: --pretty wins over a format; pretty prints nothing if one is missing. */
async function inspect(kind: Kind, c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const cmd: Command = { path: `${kind} inspect`, use: `[OPTIONS] ${upper(kind)} [${upper(kind)}...]` };
  const p = parseCommand(cmd, argv, { format: { short: 'f', value: true }, pretty: { value: false } });
  checkArgs(cmd, p.args, 1);
  const f = has(p, 'pretty') ? 'pretty' : one(p, 'format') ?? '';
  if (f.startsWith('pretty') && f !== 'pretty') throw new FormatError('cannot supply extra formatting options to the pretty template');
  // the answer's own bytes: docker prints a secret's or config's JSON as the daemon sent it, only re-indented
  const get = (ref: string) => c.text('GET', `/${kind}s/${encodeURIComponent(ref)}`).catch((e) => { throw new Error(daemonErrorText(e)); });
  if (f === 'pretty') {
    let text = '';
    for (const ref of p.args) {
      try { text += `${prettyPayload(kind, JSON.parse(await get(ref)))}\n`; } catch (e) { throw new FormatError((e as Error).message); }
    }
    out(text);
    return 0;
  }
  const found: string[] = [];
  const errors: string[] = [];
  for (const ref of p.args) {
    try { found.push(await get(ref)); } catch (e) { errors.push((e as Error).message); }
  }
  if (f === '' || f === 'json') {
    const all = `[${found.join(',')}]`;
    out(found.length === 0 ? '[]\n' : `${f === 'json' ? compact(all, false) : indent(all, '    ')}\n`);
  } else {
    try {
      formatInspect(found.map((t) => JSON.parse(t)), f, kind === 'secret' ? 'swarm.Secret' : 'swarm.Config', out, true);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      errors.push(e.message);
    }
  }
  if (errors.length) throw new FormatError(errors.join('\n'));
  return 0;
}

/** `tswarm secret|config create/ls/inspect/rm`, with docker's output. */
export async function payloadCommand(kind: Kind, c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, rest] = subcommand(kind, argv);
  const path = kind === 'secret' ? '/secrets' : '/configs';
  switch (sub) {
    case 'create': return create(kind, c, rest, out);
    case 'ls': case 'list': {
      const cmd: Command = { path: `${kind} ls`, use: '[OPTIONS]' };
      const p = parseCommand(cmd, rest, { quiet: { short: 'q', value: false }, filter: { short: 'f', value: true, check: T.filter }, format: { value: true } });
      checkArgs(cmd, p.args, 0, 0);
      const list = await c.get<(Secret | Config)[]>(`${path}?filters=${q(filtersOf(all(p, 'filter')))}`);
      list.sort((a, b) => ((a.Spec.Name ?? '') < (b.Spec.Name ?? '') ? -1 : 1));
      if (has(p, 'quiet')) { out(list.map((o) => `${o.ID}\n`).join('')); return 0; }
      const rows = list.map((o) => ({
        ID: o.ID, Name: o.Spec.Name ?? '', CreatedAt: ago(o.CreatedAt), UpdatedAt: ago(o.UpdatedAt),
        Labels: Object.entries(o.Spec.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        ...(kind === 'secret' ? { Driver: (o as Secret).Spec.Driver?.Name ?? '' } : {}),
      }));
      const table = kind === 'secret' ? 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}' : 'table {{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}';
      out(formatRows(rows, one(p, 'format'), table, { CreatedAt: 'CREATED', UpdatedAt: 'UPDATED' }));
      return 0;
    }
    case 'inspect': return inspect(kind, c, rest, out);
    case 'rm': case 'remove': {
      const cmd: Command = { path: `${kind} rm`, use: `${upper(kind)} [${upper(kind)}...]` };
      const p = parseCommand(cmd, rest, {});
      checkArgs(cmd, p.args, 1);
      // each name in turn, as docker: the removed ones printed, every failure on stderr, exit 1 if any failed
      let failed = false;
      for (const ref of p.args) {
        try { await c.del(`${path}/${encodeURIComponent(ref)}`); out(`${ref}\n`); } catch (e) {
          failed = true;
          process.stderr.write(`${daemonErrorText(e)}\n`);
        }
      }
      return failed ? 1 : 0;
    }
    default: throw unknownSubcommand(kind, sub); // not reached: subcommand() knows the names
  }
}
