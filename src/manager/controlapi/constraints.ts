/** A placement constraint: `key == value` or `key != value`. */
export interface Constraint { key: string; op: '==' | '!='; value: string }

const OPERATORS = ['==', '!='] as const;
// swarmkit's patterns (case-insensitive): a key of two characters or more, a value of these characters.
const KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;

/** Parses a constraint as swarmkit's constraint.Parse; throws the message Docker relays. */
export function parseConstraint(expr: string): Constraint {
  for (const op of OPERATORS) {
    const at = expr.indexOf(op);
    if (at < 0) continue;
    // Split at the first occurrence of the first operator found, as strings.SplitN(e, op, 2).
    const key = expr.slice(0, at).trim();
    const value = expr.slice(at + op.length).trim();
    if (!KEY.test(key)) throw new Error(`key '${key}' is invalid`);
    if (!VALUE.test(value)) throw new Error(`value '${value}' is invalid`);
    return { key, op, value };
  }
  throw new Error(`constraint expected one operator from ${OPERATORS.join(', ')}`);
}
