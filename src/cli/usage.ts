// The docker CLI's words for a command used wrongly (cli/required.go and
// cli/cobra.go's FlagErrorFunc, 28.2), with tswarm as the program's name:
// a wrong number of arguments exits 1, a bad flag 125.
import { parseArgs, type FlagSpec, type Parsed } from './args.js';
import { FormatError } from './format.js';

/** A command as its usage line names it: `secret rm` and `SECRET [SECRET...]`. */
export interface Command { path: string; use: string }

const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
const usage = (c: Command) => `Usage:  tswarm ${c.path} ${c.use}`;

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

/** parseArgs, its errors in FlagErrorFunc's form. */
export function parseCommand(c: Command, argv: string[], spec: FlagSpec, interspersed = true): Parsed {
  try {
    return parseArgs(argv, spec, interspersed);
  } catch (e) {
    throw flagError(c, (e as Error).message);
  }
}

/** cobra's error for an unknown subcommand of a command group (`tswarm service bogus`), exit status 1. */
export function unknownSubcommand(group: string, sub: string | undefined): FormatError {
  const use = group === 'stack' ? 'tswarm stack [OPTIONS]' : `tswarm ${group}`;
  return new FormatError(`tswarm: unknown command: tswarm ${group} ${sub ?? ''}\n\nUsage:  ${use}\n\nRun 'tswarm ${group} --help' for more information`, 1);
}
