/** A parsed command line: flags by long name (repeatable ones as lists) and the positional words. */
export interface Parsed {
  flags: Map<string, string[]>;
  args: string[];
}

export interface FlagSpec {
  /** long name → short letter (or '') and whether it takes a value. */
  [long: string]: { short?: string; value: boolean };
}

/** docker's flag syntax: --flag value, --flag=value, -f value, -q; flags stop at the first positional when `interspersed` is false. */
export function parseArgs(argv: string[], spec: FlagSpec, interspersed = true): Parsed {
  const flags = new Map<string, string[]>();
  const args: string[] = [];
  const byShort = new Map(Object.entries(spec).filter(([, s]) => s.short).map(([l, s]) => [s.short!, l]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    let name: string | undefined;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value = a.slice(eq + 1);
      if (!spec[name]) throw new Error(`unknown flag: --${name}`);
    } else if (a.startsWith('-') && a.length > 1) {
      name = byShort.get(a[1]);
      if (!name) throw new Error(`unknown shorthand flag: '${a[1]}' in ${a}`);
      if (a.length > 2) value = a.slice(2).replace(/^=/, '');
    } else {
      args.push(a);
      if (!interspersed) { args.push(...argv.slice(i + 1)); break; }
      continue;
    }
    if (spec[name].value) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new Error(`flag needs an argument: --${name}`);
        value = argv[++i];
      }
    } else {
      value = value ?? 'true';
    }
    const list = flags.get(name) ?? [];
    list.push(value);
    flags.set(name, list);
  }
  return { flags, args };
}

export const one = (p: Parsed, name: string) => p.flags.get(name)?.at(-1);
export const all = (p: Parsed, name: string) => p.flags.get(name) ?? [];
export const has = (p: Parsed, name: string) => (p.flags.get(name)?.at(-1) ?? 'false') !== 'false';
