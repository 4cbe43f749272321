import { jsonBytes } from './json-text.js';
import { GZIP_MIN_BYTES, acceptsGzip, sendGzippedJson } from './gzip-reply.js';
import { canBulkWrite, sendBulk } from './bulk-writer.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from '../types/errors.js';
import type { Filters } from '../manager/controlapi/api.js';
import { parseJson, type JsonNode } from './json/parse.js';
import { setOwn } from './json/decode.js';

export const API_VERSION = '1.47';

/**
 * One Engine API request as a route sees it: from a client, or forwarded by
 * a follower (then there is no live response: routes return a Reply).
 */
export interface ApiRequest {
  method: string;
  /** The path without its /vX.Y prefix. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The body, bounded (MAX_BODY_BYTES). */
  body(): Promise<Buffer>;
}

/** What a route answers: JSON, an empty 200, or a stream written to the live response (reads only). */
export type Reply =
  | { status: number; json: unknown }
  | { status: number; empty: true }
  | { stream: (res: ServerResponse) => Promise<void> };

export const empty = (status = 200): Reply => ({ status, empty: true });
export const json = (body: unknown, status = 200): Reply => ({ status, json: body });

export function sendReply(res: ServerResponse, r: Reply): Promise<void> | void {
  if ('stream' in r) return r.stream(res);
  if ('empty' in r) { res.writeHead(r.status, { 'Content-Length': 0 }); res.end(); return; }
  sendJson(res, r.status, r.json);
}
export const MIN_API_VERSION = '1.24';

/**
 * The largest request body the swarm routes take: swarmkit's gRPC message
 * limit, which bounds every spec Docker accepts.
 */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const bodyTooLarge = (n: number) =>
  new ApiError(413, `rpc error: code = ResourceExhausted desc = grpc: received message larger than max (${n} vs. ${MAX_BODY_BYTES})`);

/** Reads a request body as Buffers (UTF-8 split across chunks stays whole), refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) { req.resume(); throw bodyTooLarge(declared); }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) { req.destroy(); throw bodyTooLarge(n); }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const bytes = jsonBytes(body);
  if (bytes.length >= GZIP_MIN_BYTES && acceptsGzip(res.req)) { sendGzippedJson(res, status, bytes); return; }
  if (canBulkWrite(res, bytes)) { sendBulk(res, status, { 'Content-Type': 'application/json' }, bytes); return; }
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.end(bytes);
}

export function sendError(res: ServerResponse, e: ApiError) {
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, e.status, { message: e.message });
}

/**
 * Docker's `filters` query parameter, decoded as its filters.FromJSON does:
 * `{"name":{"web":true}}`, else the legacy `{"name":["web"]}`; when neither
 * fits, the first form's Go error.
 */
export function parseFilters(q: URLSearchParams): Filters {
  const raw = q.get('filters');
  if (!raw) return {};
  let node: JsonNode;
  try { node = parseJson(Buffer.from(raw), { whole: true }); } catch (e) { throw badRequest((e as Error).message); }
  const refuse = (what: string, go: string) => badRequest(`json: cannot unmarshal ${what} into Go value of type ${go}`);
  if (node.t === 'null') return {};
  if (node.t !== 'object') throw refuse(node.t, 'map[string]map[string]bool');
  const out: Filters = {};
  let firstErr: Error | undefined;
  let legacyErr: Error | undefined;
  for (const [k, v] of node.entries) {
    if (v.t === 'null') { setOwn(out, k, []); continue; }
    if (v.t === 'object') {
      const bad = v.entries.find(([, b]) => b.t !== 'bool' && b.t !== 'null');
      if (bad) firstErr ??= refuse(bad[1].t, 'bool');
      setOwn(out, k, v.entries.filter(([, b]) => b.t === 'bool' && b.v).map(([x]) => x));
      legacyErr ??= refuse('object', '[]string');
    } else if (v.t === 'array') {
      firstErr ??= refuse('array', 'map[string]bool');
      const bad = v.items.find((x) => x.t !== 'string' && x.t !== 'null');
      if (bad) legacyErr ??= refuse(bad.t, 'string');
      setOwn(out, k, v.items.flatMap((x) => (x.t === 'string' ? [x.v] : [])));
    } else {
      firstErr ??= refuse(v.t, 'map[string]bool');
      legacyErr ??= refuse(v.t, '[]string');
    }
  }
  if (firstErr && legacyErr) throw firstErr;
  return out;
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** `?version=` as Docker parses it (strconv.ParseUint), with its message; `kind` is "service", "node", "swarm". */
export function versionParam(q: URLSearchParams, kind: string): number {
  const v = q.get('version') ?? '';
  if (!/^[0-9]+$/.test(v)) throw badRequest(`invalid ${kind} version '${v}': strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  if (BigInt(v) > 0xffffffffffffffffn) throw badRequest(`invalid ${kind} version '${v}': strconv.ParseUint: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(v);
}

export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}
