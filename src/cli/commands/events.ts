import { all, one } from '../args.js';
import { T } from '../flagtypes.js';
import { checkArgs, parseCommand } from '../usage.js';
import type { Client } from '../client.js';
import { render } from '../format.js';
import { apiTimestamp, rfc3339NanoFixed } from '../timestamp.js';
import { filtersOf } from './service.js';

interface Message {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time?: number;
}

/** Docker's prettyPrintEvent: time, type, action, actor, then the attributes sorted. */
function pretty(line: string, m: Message): string {
  const nano = /"timeNano":(\d+)/.exec(line)?.[1];
  let s = nano ? `${rfc3339NanoFixed(BigInt(nano))} ` : m.time ? `${rfc3339NanoFixed(BigInt(m.time) * 1_000_000_000n)} ` : '';
  s += `${m.Type} ${m.Action} ${m.Actor.ID}`;
  const attrs = Object.keys(m.Actor.Attributes ?? {}).sort().map((k) => `${k}=${m.Actor.Attributes![k]}`);
  if (attrs.length) s += ` (${attrs.join(', ')})`;
  return `${s}\n`;
}

/** `events [--since] [--until] [--filter k=v]… [--format]`, as the docker CLI prints them. */
export async function eventsCommand(c: Client, args: string[], out: (s: string) => void, path = 'events'): Promise<number> {
  const cmd = { path, use: '[OPTIONS]' };
  const p = parseCommand(cmd, args, { since: { value: true }, until: { value: true }, filter: { short: 'f', value: true, check: T.filter }, format: { value: true } });
  checkArgs(cmd, p.args, 0, 0);
  const query = new URLSearchParams();
  const since = one(p, 'since');
  const until = one(p, 'until');
  if (since) query.set('since', apiTimestamp(since));
  if (until) query.set('until', apiTimestamp(until));
  const filters = filtersOf(all(p, 'filter'));
  if (Object.keys(filters).length) query.set('filters', JSON.stringify(filters));
  const format = one(p, 'format');
  let rest = '';
  await c.stream(`/events${query.size ? `?${query}` : ''}`, (chunk) => {
    rest += chunk.toString('utf8');
    let i;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (!line.trim()) continue;
      // The daemon's JSON is already Go's encoding of the message (field order, exact timeNano).
      if (format === '{{json .}}' || format === 'json') out(`${line}\n`);
      else if (format) out(`${render(format, JSON.parse(line))}\n`);
      else out(pretty(line, JSON.parse(line) as Message));
    }
  });
  return 0;
}
