/** A compose mapping as the YAML library reads it. */
export type Dict = Record<string, any>;

export const isDict = (v: unknown): v is Dict => !!v && typeof v === 'object' && !Array.isArray(v);

/** environment / labels as a mapping, whichever form the file used. */
export function toDict(v: unknown): Record<string, string | null> {
  if (Array.isArray(v)) {
    return Object.fromEntries(v.map((e) => { const s = String(e); const i = s.indexOf('='); return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)]; }));
  }
  return isDict(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null || x === undefined ? null : String(x)])) : {};
}
