/** A placement constraint: `key == value` or `key != value`. */
export interface Constraint { key: string; op: '==' | '!='; value: string }

/** Parses constraints as swarmkit does; throws the message Docker prints. */
export function parseConstraint(expr: string): Constraint {
  const ops = ['==', '!='] as const;
  const found = ops.filter((op) => expr.includes(op));
  if (found.length !== 1 || expr.split(found[0]).length !== 2) {
    throw new Error('constraint expected one operator from ==, !=');
  }
  const op = found[0];
  const [k, v] = expr.split(op).map((s) => s.trim());
  if (!/^[a-zA-Z0-9._-]+$/.test(k)) throw new Error(`key '${k}' is invalid`);
  if (!/^[^=!\s][^=!]*$/.test(v) && v !== '') throw new Error(`value '${v}' is invalid`);
  if (v === '') throw new Error(`value '' is invalid`);
  return { key: k, op, value: v };
}
