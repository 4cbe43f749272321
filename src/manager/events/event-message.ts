/**
 * An event as Docker's /events streams it (moby api/types/events.Message).
 * timeNano is a bigint: nanoseconds since 1970 exceed a double's precision.
 */
export interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  /** "swarm" for cluster events, "local" for the engine's own. */
  scope: string;
  timeNano: bigint;
}

/** Nanoseconds since 1970 of an RFC 3339 time with up to nine fraction digits (Go's time.Parse of CreatedAt/UpdatedAt). */
export function nanosOf(rfc3339: string | undefined): bigint | undefined {
  if (!rfc3339) return undefined;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return undefined;
  const secMs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secMs)) return undefined;
  return BigInt(secMs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}

export const nanosOfMs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

/** Go's encoding/json string escaping (HTML-safe, as json.Encoder writes it). */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One line of the /events stream, as Docker's json.Encoder writes an
 * events.Message: fields in struct order, attribute keys sorted, time and
 * timeNano exact.
 */
export function eventJson(e: EventMessage): string {
  const attrs = Object.keys(e.Actor.Attributes).sort().map((k) => `${goString(k)}:${goString(e.Actor.Attributes[k])}`).join(',');
  const secs = e.timeNano / 1_000_000_000n;
  return `{"Type":${goString(e.Type)},"Action":${goString(e.Action)},"Actor":{"ID":${goString(e.Actor.ID)},"Attributes":{${attrs}}},`
    + `${e.scope ? `"scope":${goString(e.scope)},` : ''}"time":${secs},"timeNano":${e.timeNano}}`;
}
