// The docker CLI's words for a command used wrongly (cli/required.go and
// cli/cobra.go's FlagErrorFunc, 28.2), with tswarm as the program's name:
// a wrong number of arguments exits 1, a bad flag 125.
import { has, parseArgs, type FlagSpec, type Parsed } from './args.js';
import { FormatError } from './format.js';
import { commandHelp, groupHelp, subcommandNames } from './help.js';
import { GROUPS } from './help-data.js';

/** A command as its usage line names it: `secret rm` and `SECRET [SECRET...]`. */
export interface Command { path: string; use: string }

const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
const usage = (c: Command) => `Usage:  tswarm ${c.path}${c.use ? ` ${c.use}` : ''}`;

/** Checks the count of positional arguments as cobra's checkers do. */
export function checkArgs(c: Command, args: string[], min: number, max = Infinity): void {
  const n = args.length;
  if (n >= min && n <= max) return;
  const cmd = `tswarm ${c.path}`;
  let text: string;
  if (max === 0) text = `tswarm: '${cmd}' accepts no arguments\n\n${usage(c)}\n\nRun '${cmd} --help' for more information`;
  else if (min === max) text = `tswarm: '${cmd}' requires ${min} ${plural(min)}\n\n${usage(c)}\n\nRun '${cmd} --help' for more information`;
  else if (max === Infinity) text = `tswarm: '${cmd}' requires at least ${min} ${plural(min)}\n\n${usage(c)}\n\nSee '${cmd} --help' for more information`;
  else text = `tswarm: '${cmd}' requires at least ${min} and at most ${max} ${plural(max)}\n\n${usage(c)}\n\nRun '${cmd} --help' for more information`;
  throw new FormatError(text, 1);
}

/** A flag's error followed by the usage, exit status 125. */
export function flagError(c: Command, message: string): FormatError {
  return new FormatError(`${message}\n\n${usage(c)}\n\nRun 'tswarm ${c.path} --help' for more information`, 125);
}

/** cobra's --help, on every command: -h too, when the command has no -h of its own (docker deprecates that shorthand). */
function withHelp(spec: FlagSpec): FlagSpec {
  const ownH = Object.values(spec).some((s) => s.short === 'h');
  return { help: ownH ? { value: false } : { short: 'h', value: false, shortDeprecated: 'use --help' }, ...spec };
}

/**
 * parseArgs, its errors in FlagErrorFunc's form. Flags parsed, pflag's
 * warnings go to stdout as cobra prints them, and --help (anywhere among the
 * flags, `=false` aside) throws the command's help (help.ts) instead of running it.
 */
export function parseCommand(c: Command, argv: string[], spec: FlagSpec, interspersed = true): Parsed {
  let p: Parsed;
  try {
    p = parseArgs(argv, withHelp(spec), interspersed);
  } catch (e) {
    throw flagError(c, (e as Error).message);
  }
  for (const w of p.warnings ?? []) process.stdout.write(`${w}\n`);
  if (has(p, 'help')) throw Object.hasOwn(GROUPS, c.path) ? groupHelp(c.path) : commandHelp(c, spec, p);
  return p;
}

/** A command group as its usage line names it (docker's `stack` has a flag of its own, hidden). */
const groupCommand = (group: string): Command => ({ path: group, use: group === 'stack' ? '[OPTIONS]' : '' });

/** cobra's error for an unknown subcommand of a command group (`tswarm service bogus`), exit status 1. */
export function unknownSubcommand(group: string, sub: string | undefined): FormatError {
  return new FormatError(`tswarm: unknown command: tswarm ${group} ${sub ?? ''}\n\n${usage(groupCommand(group))}\n\nRun 'tswarm ${group} --help' for more information`, 1);
}

/**
 * A command group's subcommand and the words for it, as cobra finds it: the
 * first word that is neither a flag nor a flag's value (a flag other than the
 * group's boolean --help takes the next word), the flags around it left to the
 * subcommand (`service --help create` is create's help). Without a subcommand
 * tswarm has, the group parses its own flags and answers with its help (on
 * stderr when run bare, exit status 0), a flag's error or an unknown command.
 */
export function subcommand(group: string, argv: string[]): [string, string[]] {
  const names = subcommandNames(group);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '' || a === '-') continue;
    if (a[0] !== '-') {
      if (names.includes(a)) return [a, [...argv.slice(0, i), ...argv.slice(i + 1)]];
      break;
    }
    const takesValue = !a.includes('=') && (a.startsWith('--') ? a !== '--help' : a.length === 2 && a !== '-h');
    if (takesValue) i++;
  }
  const p = parseCommand(groupCommand(group), argv, {});
  if (p.args.length) throw unknownSubcommand(group, p.args[0]);
  throw groupHelp(group, true);
}
