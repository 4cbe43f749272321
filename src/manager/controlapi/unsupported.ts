import { badRequest } from '../../types/errors.js';
import type { Field } from '../../types/schema.js';

/** Go's zero value: what a field holds when a client did not set it. */
function isZero(v: unknown, f: Field | undefined): boolean {
  if (v === undefined || v === null) return true;
  // A pointer to a struct is set even when empty ("GlobalJob": {} asks for a job).
  if (f?.ptr && f.kind === 'struct') return false;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    const fields = f?.kind === 'struct' ? f.fields : undefined;
    return Object.entries(v as Record<string, unknown>).every(([k, x]) => isZero(x, fields?.[k]));
  }
  return v === '' || v === 0 || v === false;
}

/**
 * Refuses, with a clear error, any field tswarm does not act on yet that a
 * request sets: such a field is never stored and silently dropped.
 */
export function refuseUnsupported(schema: Field, value: unknown, path: string[] = []): void {
  if (value === undefined || value === null) return;
  if (schema.refused && !isZero(value, schema) && !(schema.allowed ?? []).includes(value)) {
    throw badRequest(`${schema.refused} (${path.join('.')})`);
  }
  if (schema.kind === 'struct' && typeof value === 'object') {
    for (const [k, f] of Object.entries(schema.fields)) refuseUnsupported(f, (value as Record<string, unknown>)[k], [...path, k]);
  } else if (schema.kind === 'slice' && Array.isArray(value)) {
    for (const item of value) refuseUnsupported(schema.of, item, path);
  }
}
