/** Go's time.Time.Format: the reference-time layout ("2006-01-02 15:04:05.999999999 -0700 MST"). */

/** What a layout reads of a time (gotime.ts's GoTime): its wall clock fields, nanoseconds and zone. */
export interface LayoutTime {
  wall(): { year: number; month: number; day: number; hour: number; min: number; sec: number; yday: number; wday: number };
  nsec: number;
  offset: number;
  zone: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Layout chunks, longest first where one is a prefix of another (nextStdChunk's order of tests). */
const CHUNKS = [
  'January', 'Jan', 'Monday', 'Mon', 'MST', '002', '01', '02', '03', '04', '05', '06', '15', '1', '2006', '2',
  '__2', '_2', '3', '4', '5', 'PM', 'pm',
  '-07:00:00', '-070000', '-07:00', '-0700', '-07', 'Z07:00:00', 'Z070000', 'Z07:00', 'Z0700', 'Z07',
];

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const lowerNext = (s: string) => /^[a-z]/.test(s);

export function formatGoLayout(t: LayoutTime, layout: string): string {
  const w = t.wall();
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const rest = layout.slice(i);
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(rest);
    if (frac) {
      const n = frac[1].length;
      const digits = pad(t.nsec, 9).slice(0, Math.min(n, 9));
      if (frac[1][0] === '0') out += rest[0] + digits;
      else if (/[1-9]/.test(digits)) out += rest[0] + digits.replace(/0+$/, '');
      i += frac[0].length;
      continue;
    }
    if (rest.startsWith('_2006')) { out += '_' + pad(w.year, 4); i += 5; continue; }
    const chunk = CHUNKS.find((c) => rest.startsWith(c) && !((c === 'Jan' || c === 'Mon') && lowerNext(rest.slice(3))));
    if (!chunk) { out += rest[0]; i++; continue; }
    out += chunkValue(chunk, t, w);
    i += chunk.length;
  }
  return out;
}

function chunkValue(c: string, t: LayoutTime, w: ReturnType<LayoutTime['wall']>): string {
  switch (c) {
    case 'January': return MONTHS[w.month - 1];
    case 'Jan': return MONTHS[w.month - 1].slice(0, 3);
    case 'Monday': return DAYS[w.wday];
    case 'Mon': return DAYS[w.wday].slice(0, 3);
    case 'MST': return t.zone || zone(t.offset, false, false);
    case '002': return pad(w.yday, 3);
    case '__2': return String(w.yday).padStart(3, ' ');
    case '01': return pad(w.month, 2);
    case '1': return String(w.month);
    case '02': return pad(w.day, 2);
    case '2': return String(w.day);
    case '_2': return String(w.day).padStart(2, ' ');
    case '03': return pad(w.hour % 12 || 12, 2);
    case '3': return String(w.hour % 12 || 12);
    case '15': return pad(w.hour, 2);
    case '04': return pad(w.min, 2);
    case '4': return String(w.min);
    case '05': return pad(w.sec, 2);
    case '5': return String(w.sec);
    case '06': return pad(w.year % 100, 2);
    case '2006': return pad(w.year, 4);
    case 'PM': return w.hour >= 12 ? 'PM' : 'AM';
    case 'pm': return w.hour >= 12 ? 'pm' : 'am';
  }
  const iso = c[0] === 'Z';
  if (iso && t.offset === 0) return 'Z';
  const body = c.slice(1);
  const colon = body.includes(':');
  const s = zone(t.offset, colon, body.length > 5);
  return body === '07' ? s.slice(0, 3) : s;
}

/** "+0200", "+02:00", with seconds when asked and present. */
function zone(offset: number, colon: boolean, secs: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const z = Math.abs(offset);
  const sep = colon ? ':' : '';
  return `${sign}${pad(Math.floor(z / 3600), 2)}${sep}${pad(Math.floor(z / 60) % 60, 2)}${secs ? sep + pad(z % 60, 2) : ''}`;
}
