/**
 * Classic Swarm's scheduling expressions (`key==value`, `key!=value`, soft
 * `key==~value`; values are globs with `*` or `/regex/`), as its
 * scheduler/filter/expr.go parses and matches them.
 */
export const OPERATORS = ['==', '!='] as const;

export interface Expr {
  key: string;
  operator: 0 | 1;
  value: string;
  isSoft: boolean;
}

const KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE = /^[=!/]?(~)?[a-z0-9:\-_\s.*/()?+[\]\\^$|]+$/i;

export function parseExprs(list: string[]): Expr[] {
  const out: Expr[] = [];
  for (const e of list) {
    const op = OPERATORS.findIndex((o) => e.includes(o));
    if (op < 0) throw new Error('One of operator ==, != is expected');
    const at = e.indexOf(OPERATORS[op]);
    const key = e.slice(0, at);
    const value = e.slice(at + 2);
    if (!KEY.test(key)) throw new Error(`Key '${key}' is invalid`);
    if (!VALUE.test(value)) throw new Error(`Value '${value}' is invalid`);
    out.push({ key, operator: op as 0 | 1, value: value.replace(/^~+/, ''), isSoft: value[0] === '~' });
  }
  return out;
}

export const exprText = (e: Expr) => `${e.key}${OPERATORS[e.operator]}${e.value}`;

/** Whether any of `whats` matches (for ==) or none does (for !=). A bad regex matches nothing. */
export function exprMatch(e: Expr, ...whats: string[]): boolean {
  const v = e.value;
  const pattern = v.length > 1 && v[0] === '/' && v[v.length - 1] === '/' ? v.slice(1, -1) : `^${v.replaceAll('*', '.*')}$`;
  let match = false;
  try {
    const re = new RegExp(pattern);
    match = whats.some((w) => re.test(w));
  } catch { match = false; }
  return e.operator === 0 ? match : !match;
}
