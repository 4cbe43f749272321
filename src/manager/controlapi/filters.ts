import { badRequest } from '../../types/errors.js';
import type { Filters } from './api.js';

/** Checks that only the given filter keys are used, as Docker's filters.Validate (20.10's wording). */
export function validateFilters(f: Filters, allowed: string[]) {
  for (const k of Object.keys(f)) if (!allowed.includes(k)) throw badRequest(`Invalid filter '${k}'`);
}

/** A filter whose values must be one of `values` (Docker: "Invalid role filter: 'x'"; 400 here, 500 in Docker 20.10). */
export function validateFilterValues(f: Filters, key: string, values: string[], word = key) {
  for (const v of f[key] ?? []) if (!values.includes(v)) throw badRequest(`Invalid ${word} filter: '${v}'`);
}

/** True when the filter is absent or any of its values matches. */
export function anyOf(f: Filters, key: string, test: (v: string) => boolean): boolean {
  const vals = f[key];
  return !vals || vals.length === 0 || vals.some(test);
}

/** `label=k` or `label=k=v` against a label map. */
export function labelsMatch(f: Filters, key: string, labels: Record<string, string> | undefined): boolean {
  const vals = f[key];
  if (!vals || vals.length === 0) return true;
  return vals.every((v) => {
    const i = v.indexOf('=');
    if (i < 0) return labels?.[v] !== undefined;
    return labels?.[v.slice(0, i)] === v.slice(i + 1);
  });
}
