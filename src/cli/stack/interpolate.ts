// Variable substitution in compose files as the docker CLI does it
// (cli/compose/template): $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}; $$ is a literal $. Values come from the
// environment of the command (the docker CLI reads no .env file for stacks).

export class InterpolationError extends Error {}

const PATTERN = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?])([^}]*))?\}|(\{[^}]*\}?|))/g;

function substitute(s: string, env: Record<string, string | undefined>, path: string): string {
  return s.replace(PATTERN, (whole, dollar, named, braced, op, arg, invalid) => {
    if (dollar) return '$';
    if (invalid !== undefined && named === undefined && braced === undefined) {
      throw new InterpolationError(`invalid interpolation format for ${path}: ${JSON.stringify(s)}; you may need to escape any $ with another $`);
    }
    const name = named ?? braced;
    const v = env[name];
    switch (op) {
      case ':-': return v ? v : arg;
      case '-': return v !== undefined ? v : arg;
      case ':?': case '?':
        if (op === ':?' ? !v : v === undefined) {
          throw new InterpolationError(`invalid interpolation format for ${path}: ${JSON.stringify(`required variable ${name} is missing a value: ${arg}`)}; you may need to escape any $ with another $`);
        }
        return v!;
      default: return v ?? '';
    }
  });
}

/** Substitutes in every string value of the sections the docker CLI interpolates (keys stay as written). */
export function interpolate(doc: Record<string, unknown>, env: Record<string, string | undefined>): Record<string, unknown> {
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') return substitute(v, env, path);
    if (Array.isArray(v)) return v.map((x) => walk(x, path));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`)]));
    return v;
  };
  const out: Record<string, unknown> = { ...doc };
  for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
    if (doc[section] && typeof doc[section] === 'object') out[section] = walk(doc[section], section);
  }
  return out;
}
