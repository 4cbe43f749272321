import { goParseDuration, goParseUint } from '../flagtypes.js';

/** Go's time.ParseDuration → nanoseconds ("1m30s", "500ms", "-5s"), with its error messages; callers refuse what their flag must not be. */
export function parseDuration(s: string): number {
  return Number(goParseDuration(s));
}

/** A uint64 flag's value (checked when parsed, as docker's Uint64Opt: Go's base-0 syntax). */
export function parseUint(flag: string, v: string): number {
  try { return Number(goParseUint(v)); } catch (e) { throw new Error(`invalid argument "${v}" for "--${flag}" flag: ${(e as Error).message}`); }
}

/** encoding/csv's reading of one line. */
export function csvFields(line: string): string[] {
  if (line === '') throw new Error('EOF');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end < 0 ? line.length : end);
      const q = field.indexOf('"');
      if (q >= 0) throw new Error(`parse error on line 1, column ${i + q + 1}: bare " in non-quoted-field`);
      i += field.length;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}
