import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseFilters, type ApiRequest, type Reply } from './http.js';
import type { DaemonBackend } from './backend.js';
import { badRequest } from '../types/errors.js';
import { eventJson, nanosOfMs, type EventMessage } from '../manager/events/event-message.js';
import { includeEvent, type EventFilters } from '../manager/events/event-filter.js';

const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64), with its error text. */
function parseInt64(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * `since`/`until` as Docker reads them (timetypes.ParseTimestamps): seconds
 * with an optional fraction; empty or -1 means none. In nanoseconds.
 * Docker answers a bad value with 500; here it is the client's error (400), same words.
 */
export function eventTime(v: string | null): bigint | undefined {
  if (!v) return undefined;
  const [secText, fracText] = splitOnce(v, '.');
  const secs = parseInt64(secText);
  let nanos = 0n;
  if (fracText !== undefined) {
    const f = parseInt64(fracText);
    // Go scales by the fraction's length, a sign included.
    const digits = fracText.length;
    nanos = digits <= 9 ? f * 10n ** BigInt(9 - digits) : f / 10n ** BigInt(digits - 9);
  }
  if (secs === -1n) return undefined;
  return secs * 1_000_000_000n + nanos;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** One line of an engine's /events stream and its time, kept as the engine wrote it. */
interface EngineLine { text: string; timeNano: bigint }

function engineLine(text: string): EngineLine {
  const m = /"timeNano":(\d+)/.exec(text);
  return { text, timeNano: m ? BigInt(m[1]) : 0n };
}

/** The engine's own events (containers, images, …) with the same parameters, line by line. */
function engineEvents(socketPath: string, query: string, onLine: (l: EngineLine) => void, onEnd: () => void): () => void {
  let done = false;
  const end = () => { if (!done) { done = true; onEnd(); } };
  const req = request({ socketPath, method: 'GET', path: `/events${query ? `?${query}` : ''}` }, (r: IncomingMessage) => {
    if (r.statusCode !== 200) { r.resume(); end(); return; }
    let rest = '';
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => {
      rest += chunk;
      let i;
      while ((i = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        if (line.trim()) onLine(engineLine(line));
      }
    });
    r.on('end', end);
    r.on('error', end);
  });
  req.on('error', end);
  req.end();
  return () => { done = true; req.destroy(); };
}

/**
 * GET /events as Docker serves it: with `since` or `until`, the kept events
 * in that window first; then, unless `until` is already past, new events as
 * they come until `until` (or until the client goes). Swarm events come from
 * this manager's ring; the local engine's events (docker executor) are
 * merged in, as a Docker engine in swarm mode shows both.
 */
export function events(req: ApiRequest, b: DaemonBackend): Reply {
  const q = req.query;
  const since = eventTime(q.get('since'));
  const until = eventTime(q.get('until'));
  if (until !== undefined && until < (since ?? 0n)) {
    throw badRequest(`\`since\` time (${q.get('since')}) cannot be after \`until\` time (${q.get('until')})`);
  }
  const filters: EventFilters = parseFilters(q);
  const engine = b.engineSocket();
  const query = new URLSearchParams([...q].filter(([k]) => k === 'since' || k === 'until' || k === 'filters')).toString();
  return {
    stream: async (res: ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      const ring = b.swarmEvents?.();
      const now = nanosOfMs(Date.now());
      const onlyPast = until !== undefined && until < now;
      const past: EventMessage[] = since !== undefined || until !== undefined ? ring?.past(since, until, filters) ?? [] : [];
      if (onlyPast) {
        const lines: EngineLine[] = past.map((e) => ({ text: eventJson(e), timeNano: e.timeNano }));
        if (engine) await new Promise<void>((resolve) => { engineEvents(engine, query, (l) => lines.push(l), resolve); });
        // Both replays, in time order, as one engine's ring would give them.
        lines.sort((a, z) => (a.timeNano < z.timeNano ? -1 : a.timeNano > z.timeNano ? 1 : 0));
        res.end(lines.map((l) => `${l.text}\n`).join(''));
        return;
      }
      await new Promise<void>((resolve) => {
        for (const e of past) res.write(`${eventJson(e)}\n`);
        const unsubscribe = ring?.subscribe((e) => {
          if (includeEvent(filters, e)) res.write(`${eventJson(e)}\n`);
        });
        const stopEngine = engine ? engineEvents(engine, query, (l) => res.write(`${l.text}\n`), () => undefined) : undefined;
        const timer = until !== undefined ? setTimeout(finish, Number((until - now) / 1_000_000n)) : undefined;
        res.on('close', finish);
        function finish() {
          unsubscribe?.();
          stopEngine?.();
          if (timer) clearTimeout(timer);
          res.end();
          resolve();
        }
      });
    },
  };
}
