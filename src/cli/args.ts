/** A parsed command line: flags by long name (repeatable ones as lists) and the positional words. */
export interface Parsed {
  flags: Map<string, string[]>;
  args: string[];
  /** pflag's notes for a deprecated shorthand used, one per use (`Flag shorthand -h has been deprecated, use --help`) */
  warnings?: string[];
}

export interface FlagSpec {
  /**
   * long name → short letter (or '') and whether it takes a value; `check`
   * validates a value as the docker CLI's typed flag does when it is set
   * (throws an Error whose message is the reason, e.g. `strconv.ParseUint: …`);
   * `shortDeprecated` is pflag's message for a shorthand still taken but deprecated.
   */
  [long: string]: { short?: string; value: boolean; check?: (v: string) => void; shortDeprecated?: string };
}

/** Go's %q of a string (printable ASCII and Unicode kept as they are). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Go's strconv.ParseBool. */
export function parseBool(v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(v)}: invalid syntax`);
}

/**
 * docker's flag syntax as spf13/pflag parses it: --flag value, --flag=value,
 * -f value, -fvalue, -f=value, clustered booleans (-qd), `--` ends the flags;
 * flags stop at the first positional when `interspersed` is false. Errors carry
 * pflag's words; a boolean's value is kept as 'true' or 'false'.
 */
export function parseArgs(argv: string[], spec: FlagSpec, interspersed = true): Parsed {
  const flags = new Map<string, string[]>();
  const args: string[] = [];
  const warnings: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([l, s]) => [s.short!, l]));
  const set = (name: string, value: string) => {
    const s = spec[name];
    const what = s.short && !s.shortDeprecated ? `-${s.short}, --${name}` : `--${name}`;
    try {
      if (!s.value) value = String(parseBool(value));
      else s.check?.(value);
    } catch (e) {
      throw new Error(`invalid argument ${goQuote(value)} for ${goQuote(what)} flag: ${(e as Error).message}`);
    }
    const list = flags.get(name) ?? [];
    list.push(value);
    flags.set(name, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.length < 2 || a[0] !== '-') {
      args.push(a);
      if (!interspersed) { args.push(...argv.slice(i + 1)); break; }
      continue;
    }
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const body = a.slice(2);
      if (body[0] === '-' || body[0] === '=') throw new Error(`bad flag syntax: ${a}`);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      if (!Object.hasOwn(spec, name)) throw new Error(`unknown flag: --${name}`);
      let value: string;
      if (eq >= 0) value = body.slice(eq + 1);
      else if (!spec[name].value) value = 'true';
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new Error(`flag needs an argument: ${a}`);
      set(name, value);
      continue;
    }
    // a cluster of shorthands: each a boolean, or the last one takes the rest (or the next word) as its value
    let shorts = a.slice(1);
    while (shorts.length) {
      const c = shorts[0];
      const name = byShort.get(c);
      if (!name) throw new Error(`unknown shorthand flag: '${c}' in -${shorts}`);
      if (spec[name].shortDeprecated) warnings.push(`Flag shorthand -${c} has been deprecated, ${spec[name].shortDeprecated}`);
      let value: string;
      let rest = shorts.slice(1);
      if (shorts.length > 2 && shorts[1] === '=') { value = shorts.slice(2); rest = ''; } else if (!spec[name].value) value = 'true';
      else if (shorts.length > 1) { value = shorts.slice(1); rest = ''; } else if (i + 1 < argv.length) value = argv[++i];
      else throw new Error(`flag needs an argument: '${c}' in -${shorts}`);
      set(name, value);
      shorts = rest;
    }
  }
  return { flags, args, ...(warnings.length ? { warnings } : {}) };
}

export const one = (p: Parsed, name: string) => p.flags.get(name)?.at(-1);
export const all = (p: Parsed, name: string) => p.flags.get(name) ?? [];
export const has = (p: Parsed, name: string) => (p.flags.get(name)?.at(-1) ?? 'false') !== 'false';
