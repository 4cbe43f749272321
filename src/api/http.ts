import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from '../types/errors.js';
import type { Filters } from '../manager/controlapi/api.js';

export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
}

export async function readJson<T>(req: IncomingMessage): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw badRequest(`invalid JSON: ${(e as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, e: ApiError) {
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, e.status, { message: e.message });
}

/** Docker's `filters` query parameter, in either of its JSON forms. */
export function parseFilters(q: URLSearchParams): Filters {
  const raw = q.get('filters');
  if (!raw) return {};
  let obj: unknown;
  try { obj = JSON.parse(raw); } catch { throw badRequest(`invalid filter: ${raw}`); }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest(`invalid filter: ${raw}`);
  const out: Filters = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object') out[k] = Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]);
    else throw badRequest(`invalid filter: ${raw}`);
  }
  return out;
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function versionParam(q: URLSearchParams): number {
  const v = q.get('version');
  const n = Number(v);
  if (v === null || !Number.isInteger(n) || n < 0) throw badRequest(`invalid version: ${v}`);
  return n;
}

export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}
