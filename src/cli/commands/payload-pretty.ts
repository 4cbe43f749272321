// `secret inspect --pretty` and `config inspect --pretty`: the text of
// docker/cli's secret and config pretty templates (28.2), line by line.
import { parseTime } from '../../format/gotime.js';
import { formatGoLayout } from '../../format/timefmt.js';
import { compareStrings } from '../../format/values.js';
import type { Config, Secret } from '../../types/secrets.js';

/** formatter.PrettyPrint of a time: time.Time's String with its first letter capitalized and the rest lowercased. */
function prettyTime(ts: string): string {
  const s = formatGoLayout(parseTime(ts), '2006-01-02 15:04:05.999999999 -0700 MST');
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

function labels(l: Record<string, string> | undefined): string {
  const entries = Object.entries(l ?? {}).sort(([a], [b]) => compareStrings(a, b));
  return entries.length ? `\nLabels:${entries.map(([k, v]) => `\n - ${k}${v ? `=${v}` : ''}`).join('')}` : '';
}

/** One object's text (the caller adds the newline that follows each). */
export function prettyPayload(kind: 'secret' | 'config', o: Secret | Config): string {
  if (kind === 'secret') {
    const s = o as Secret;
    return `ID:              ${s.ID}\nName:              ${s.Spec.Name ?? ''}${labels(s.Spec.Labels)}\nDriver:            ${s.Spec.Driver?.Name ?? ''}`
      + `\nCreated at:        ${prettyTime(s.CreatedAt)}\nUpdated at:        ${prettyTime(s.UpdatedAt)}`;
  }
  const data = o.Spec.Data ? Buffer.from(o.Spec.Data, 'base64').toString('utf8') : '';
  return `ID:\t\t\t${o.ID}\nName:\t\t\t${o.Spec.Name ?? ''}${labels(o.Spec.Labels)}\nCreated at:            \t${prettyTime(o.CreatedAt)}`
    + `\nUpdated at:            \t${prettyTime(o.UpdatedAt)}\nData:\n${data}`;
}
