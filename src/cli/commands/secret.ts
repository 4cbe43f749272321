import { readFile } from 'node:fs/promises';
import type { Config, Secret } from '../../types/secrets.js';
import { all, has, one, parseArgs } from '../args.js';
import { q, type Client } from '../client.js';
import { formatRows } from '../format.js';
import { humanDuration } from '../../format/units.js';
import { filtersOf } from './service.js';

type Kind = 'secret' | 'config';
const ago = (ts: string) => `${humanDuration(Date.now() - Date.parse(ts))} ago`;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function labelsOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) { const i = l.indexOf('='); out[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1); }
  return out;
}

/** `tswarm secret|config create/ls/inspect/rm`, with docker's output. */
export async function payloadCommand(kind: Kind, c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  const path = kind === 'secret' ? '/secrets' : '/configs';
  switch (sub) {
    case 'create': {
      const p = parseArgs(rest, { label: { short: 'l', value: true }, 'template-driver': { value: true }, driver: { short: 'd', value: true } });
      const [name, file] = p.args;
      if (!name || !file || p.args.length !== 2) throw new Error(`"tswarm ${kind} create" requires exactly 2 arguments.`);
      const data = file === '-' ? await readAll(process.stdin) : await readFile(file);
      if (data.length === 0) throw new Error(`error reading from ${file}: data is empty`);
      const tpl = one(p, 'template-driver');
      const spec = { Name: name, Labels: labelsOf(all(p, 'label')), Data: data.toString('base64'),
        ...(tpl ? { Templating: { Name: tpl } } : {}), ...(one(p, 'driver') ? { Driver: { Name: one(p, 'driver') } } : {}) };
      const r = await c.post<{ ID: string }>(`${path}/create`, spec);
      out(`${r.ID}\n`);
      return 0;
    }
    case 'ls': case 'list': {
      const p = parseArgs(rest, { quiet: { short: 'q', value: false }, filter: { short: 'f', value: true }, format: { value: true } });
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
    case 'inspect': {
      const p = parseArgs(rest, { format: { short: 'f', value: true }, pretty: { value: false } });
      const found: unknown[] = [];
      let failed: Error | undefined;
      for (const ref of p.args) {
        try { found.push(await c.get(`${path}/${encodeURIComponent(ref)}`)); } catch (e) { failed ??= e as Error; }
      }
      // Go's encoding/json with four spaces, as docker prints an inspected object.
      out(found.length ? `${JSON.stringify(found, null, 4)}\n` : '[]\n');
      if (failed) throw failed;
      return 0;
    }
    case 'rm': case 'remove': {
      let failed: Error | undefined;
      for (const ref of rest) {
        try { await c.del(`${path}/${encodeURIComponent(ref)}`); out(`${ref}\n`); } catch (e) { failed ??= e as Error; process.stderr.write(`Error response from daemon: ${(e as Error).message}\n`); }
      }
      if (failed) return 1;
      return 0;
    }
    default:
      process.stderr.write(`tswarm ${kind}: unknown command ${sub ?? ''}\nUsage: tswarm ${kind} create|ls|inspect|rm\n`);
      return 1;
  }
}
