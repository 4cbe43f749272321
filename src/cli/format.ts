import { tabwrite } from './table.js';

/**
 * A small subset of Go templates as docker's --format uses them:
 * `{{.Field.Sub}}`, `{{json .X}}`, `{{json .}}`, `{{upper .X}}`, `{{lower .X}}`,
 * and the `table` prefix with the command's column headers.
 */
function field(obj: unknown, path: string): unknown {
  if (path === '.') return obj;
  let v: unknown = obj;
  for (const part of path.slice(1).split('.')) {
    if (v === null || v === undefined) return undefined;
    v = (v as Record<string, unknown>)[part];
    if (typeof v === 'function') v = (v as () => unknown)();
  }
  return v;
}

/** Go's fmt %v for the common shapes. */
function goString(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(v);
}

/** Go's encoding/json escapes <, > and & in strings. */
export function goJson(v: unknown): string {
  return JSON.stringify(v ?? null).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function render(tpl: string, obj: unknown): string {
  return tpl.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => {
    const parts = expr.split(/\s+/);
    if (parts.length === 1) return goString(field(obj, parts[0]));
    const [fn, arg] = parts;
    const v = field(obj, arg);
    if (fn === 'json') return goJson(v);
    if (fn === 'upper') return goString(v).toUpperCase();
    if (fn === 'lower') return goString(v).toLowerCase();
    if (fn === 'index' && parts[2]) return goString((v as Record<string, unknown> | undefined)?.[parts[2].replace(/^"|"$/g, '')]);
    throw new Error(`template: function "${fn}" not defined`);
  });
}

/** Prints rows with a --format (raw, `table …` or `json`) or the command's default table. */
export function formatRows(rows: Record<string, unknown>[], format: string | undefined, defaultTable: string, headers: Record<string, string>): string {
  const f = format ?? defaultTable;
  if (f === 'json') return rows.map((r) => goJson(r) + '\n').join('');
  if (f.startsWith('table')) {
    const tpl = f.slice(5).trim() || defaultTable.slice(5).trim();
    const header = tpl.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k) => headers[k] ?? k.toUpperCase());
    const lines = [header, ...rows.map((r) => render(tpl, r))].map((l) => l.replace(/\\t/g, '\t').split('\t'));
    return tabwrite(lines);
  }
  return rows.map((r) => render(f, r) + '\n').join('');
}
