// The `.env` file beside the compose file: variables for interpolation, as
// docker compose reads it (compose-spec "Interpolation"): KEY=VALUE lines,
// `#` comments, an optional `export `, 'single quotes' taken as written,
// "double quotes" with \n \t \" \\ escapes and ${VAR} expanded, unquoted
// values trimmed, cut at ` #`, with ${VAR} expanded. The command's
// environment wins over the file. (The docker CLI's `stack deploy` reads no
// .env at all — checked with 28.2 — so this is tswarm's CLI only.)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function expand(v: string, lookup: (k: string) => string | undefined): string {
  return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_w, braced, dflt, bare) => {
    const got = lookup(braced ?? bare);
    return got !== undefined && got !== '' ? got : dflt ?? '';
  });
}

/** Parses a .env text; `outer` is consulted for ${VAR} in values that the file has not set (yet). */
export function parseDotEnv(text: string, outer: Env = {}, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  const lookup = (k: string) => out[k] ?? outer[k];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (!KEY.test(key)) throw new Error(`failed to read ${file}: line ${i + 1}: unexpected character in variable name ${JSON.stringify(key)}`);
    if (eq < 0) return; // a bare name sets nothing (compose leaves it to the environment)
    const v = body.slice(eq + 1).trim();
    if (v.startsWith("'")) {
      const end = v.indexOf("'", 1);
      if (end < 0) throw new Error(`failed to read ${file}: line ${i + 1}: unterminated quoted value`);
      out[key] = v.slice(1, end);
    } else if (v.startsWith('"')) {
      const m = /^"((?:[^"\\]|\\.)*)"/.exec(v);
      if (!m) throw new Error(`failed to read ${file}: line ${i + 1}: unterminated quoted value`);
      const unescaped = m[1].replace(/\\(.)/g, (_w, c: string) => ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c);
      out[key] = expand(unescaped, lookup);
    } else {
      out[key] = expand(v.replace(/\s+#.*$/, ''), lookup);
    }
  });
  return out;
}

/** The variables for interpolating compose files in `dir`: its .env (if any) under the environment. */
export async function interpolationEnv(dir: string, env: Env): Promise<Env> {
  let text: string;
  try {
    text = await readFile(join(dir, '.env'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw e;
  }
  return { ...parseDotEnv(text, env, join(dir, '.env')), ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
}
