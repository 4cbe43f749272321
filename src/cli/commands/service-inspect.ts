import { one, has } from '../args.js';
import { checkArgs, parseCommand } from '../usage.js';
import { ClientError, type Client } from '../client.js';
import { FormatError, formatInspect } from '../format.js';
import { prettyService } from './service-pretty.js';

/** A service as docker's inspect reads it: with the defaults filled in; "Error: no such service: X" when there is none. */
async function getService(c: Client, ref: string): Promise<Record<string, any>> {
  try {
    return await c.get<Record<string, any>>(`/services/${encodeURIComponent(ref)}?insertDefaults=true`);
  } catch (e) {
    if (e instanceof ClientError && e.status === 404) throw new Error(`Error: no such service: ${ref}`);
    if (e instanceof ClientError && e.status) throw new Error(`Error response from daemon: ${e.message}`);
    throw e;
  }
}

/** Network IDs → names for the targets of a service's networks (swarm scope); a target not found stays as it is. */
async function networkNames(c: Client, svc: Record<string, any>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const n of svc.Spec?.TaskTemplate?.Networks ?? []) {
    try {
      const net = await c.get<{ Id?: string; ID?: string; Name: string }>(`/networks/${encodeURIComponent(n.Target)}?scope=swarm`);
      names.set(net.Id ?? net.ID ?? '', net.Name);
    } catch { /* docker ignores a network it cannot inspect */ }
  }
  return names;
}

/**
 * `service inspect [--format F | --pretty] SERVICE...` as docker 28.2 runs it:
 * `--format pretty` is --pretty, a `raw` prefix is dropped, JSON by default.
 * Pretty prints nothing at all if one service is missing; JSON and templates
 * print what was found, then every error.
 */
export async function inspectServices(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const cmd = { path: 'service inspect', use: '[OPTIONS] SERVICE [SERVICE...]' };
  const p = parseCommand(cmd, argv, { format: { short: 'f', value: true }, pretty: { value: false } });
  checkArgs(cmd, p.args, 1);
  const format = one(p, 'format') ?? '';
  if (has(p, 'pretty') && format) throw new FormatError('--format is incompatible with human friendly format');
  const f = has(p, 'pretty') ? 'pretty' : format || 'raw';
  if (f.startsWith('pretty') && f !== 'pretty') throw new FormatError('Cannot supply extra formatting options to the pretty template');
  if (f === 'pretty') {
    let text = '';
    for (const ref of p.args) {
      let svc: Record<string, any>;
      try { svc = await getService(c, ref); } catch (e) { throw new FormatError((e as Error).message); }
      text += `${prettyService(svc, await networkNames(c, svc))}\n`;
    }
    out(text);
    return 0;
  }
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const ref of p.args) {
    try { found.push(await getService(c, ref)); } catch (e) { errors.push((e as Error).message); }
  }
  try {
    formatInspect(found, f.startsWith('raw') ? f.slice(3) : f, 'swarm.Service', out);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    errors.push(e.message);
  }
  if (errors.length) throw new FormatError(errors.join('\n'));
  return 0;
}
