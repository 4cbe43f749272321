// Variable substitution in compose files as the docker CLI does it
// (cli/compose/template): $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}; $$ is a literal $. Values come from the
// environment of the command and the .env file beside the compose file (dotenv.ts).

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

// Values that come out of substitution as text but are numbers or booleans in
// the schema (the docker CLI's interpolateTypeCastMapping): '*' is any key, '[]' any list entry.
const toInt = (v: string) => { if (!/^[+-]?\d+$/.test(v)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`); return Number(v); };
const toFloat = (v: string) => { const n = Number(v); if (v.trim() === '' || Number.isNaN(n)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`); return n; };
const toBool = (v: string) => {
  const l = v.toLowerCase();
  if (['y', 'yes', 'true', 'on'].includes(l)) return true;
  if (['n', 'no', 'false', 'off'].includes(l)) return false;
  throw new Error(`invalid boolean: ${v}`);
};
const CASTS: [string, (v: string) => unknown][] = [
  ...([['configs.[].mode', toInt], ['secrets.[].mode', toInt], ['healthcheck.retries', toInt], ['healthcheck.disable', toBool],
    ['deploy.replicas', toInt], ['deploy.update_config.parallelism', toInt], ['deploy.update_config.max_failure_ratio', toFloat],
    ['deploy.rollback_config.parallelism', toInt], ['deploy.rollback_config.max_failure_ratio', toFloat], ['deploy.restart_policy.max_attempts', toInt],
    ['deploy.placement.max_replicas_per_node', toInt], ['ports.[].target', toInt], ['ports.[].published', toInt], ['ulimits.*', toInt],
    ['ulimits.*.hard', toInt], ['ulimits.*.soft', toInt], ['privileged', toBool], ['read_only', toBool], ['stdin_open', toBool], ['tty', toBool],
    ['volumes.[].read_only', toBool], ['volumes.[].volume.nocopy', toBool]] as const).map(([p, f]): [string, (v: string) => unknown] => [`services.*.${p}`, f]),
  ...['networks.*.external', 'networks.*.internal', 'networks.*.attachable', 'volumes.*.external', 'secrets.*.external', 'configs.*.external']
    .map((p): [string, (v: string) => unknown] => [p, toBool]),
];

function castAt(path: string[], v: string): unknown {
  for (const [pattern, cast] of CASTS) {
    const want = pattern.split('.');
    if (want.length !== path.length || !want.every((w, i) => w === '*' || w === path[i])) continue;
    try {
      return cast(v);
    } catch (e) {
      throw new InterpolationError(`error while interpolating ${path.join('.')}: failed to cast to expected type: ${(e as Error).message}`);
    }
  }
  return v;
}

/** Substitutes in every string value of the sections the docker CLI interpolates (keys stay as written). */
export function interpolate(doc: Record<string, unknown>, env: Record<string, string | undefined>): Record<string, unknown> {
  const walk = (v: unknown, path: string[]): unknown => {
    if (typeof v === 'string') {
      // Only a value that substitution changed is cast (a literal "two" is left for the schema to refuse).
      const out = substitute(v, env, path.join('.'));
      return out === v ? v : castAt(path, out);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, [...path, '[]']));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  const out: Record<string, unknown> = { ...doc };
  for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
    if (doc[section] && typeof doc[section] === 'object') out[section] = walk(doc[section], [section]);
  }
  return out;
}
