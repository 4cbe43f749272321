// `--help` as the docker CLI (28.2) prints it: cobra's help for a command and
// for a command group, flags listed as pflag's FlagUsagesWrapped lays them out
// at docker's width when stdin is not a terminal. The words come from
// help-data.ts; which flags are listed comes from the command's own FlagSpec,
// so a flag tswarm does not accept is never shown.
import type { FlagSpec, Parsed } from './args.js';
import { FormatError } from './format.js';
import { COMMANDS, GROUPS, type CommandHelp } from './help-data.js';

/** docker's width without a terminal (80), less the one column its wrappedFlagUsages keeps free. */
const FLAG_COLUMNS = 79;
/** cobra's smallest padding of a subcommand's name in a group's "Commands:" list. */
const MIN_NAME_PADDING = 11;

/** The help text the CLI prints and exits 0 with: on stdout, or on stderr for a group run without a subcommand. */
export class HelpText extends FormatError {
  constructor(text: string, readonly toStderr = false) { super(text, 0); }
}

/** pflag's wrapN: a head of at most n characters broken at whitespace (a newline in it first), and the rest; all of s if it fits in n + slop. */
function splitLine(n: number, slop: number, s: string): [string, string] {
  if (n + slop > s.length) return [s, ''];
  const head = s.slice(0, n);
  const ws = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (ws <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  const at = nl > 0 && nl < ws ? nl : ws;
  return [s.slice(0, at), s.slice(at + 1)];
}

/** pflag's wrap: s in lines of at most `width` columns, each after the first indented by `indent` (5 columns of slop keep a short last word on its line). */
export function wrapText(indent: number, width: number, s: string): string {
  let room = width - indent;
  let text = '';
  if (room < 24) { // too narrow beside the flags: the text goes under them, as a block
    indent = 16;
    room = width - indent;
    text = `\n${' '.repeat(indent)}`;
  }
  const pad = `\n${' '.repeat(indent)}`;
  if (room < 24) return s.replaceAll('\n', text);
  const slop = 5;
  let [line, rest] = splitLine(room - slop, slop, s);
  text += line.replaceAll('\n', pad);
  while (rest !== '') {
    [line, rest] = splitLine(room - slop, slop, rest);
    text += pad + line.replaceAll('\n', pad);
  }
  return text;
}

/** pflag's test of a value that is not its type's zero (then a flag of docker's own type shows its default). */
const notZero = (v: string | undefined) => v !== undefined && !['', '0', 'false'].includes(v);

/**
 * The "Options:" lines: the flags docker lists that `spec` accepts, sorted,
 * the shorthand and value type before the description; `given` are the flags
 * on the command line with the --help.
 */
export function flagLines(help: CommandHelp, spec: FlagSpec, given?: Parsed): string {
  const rows = Object.keys(help.flags).filter((name) => Object.hasOwn(spec, name)).sort().map((name) => {
    const [type, text, def] = help.flags[name];
    const short = spec[name].short;
    const head = `${short ? `  -${short}, ` : '      '}--${name}${type ? ` ${type}` : ''}`;
    const shown = typeof def === 'string' ? def : def && notZero(given?.flags.get(name)?.at(-1)) ? def.custom : undefined;
    return { head, text: shown === undefined ? text : `${text} (default ${shown})` };
  });
  const width = Math.max(0, ...rows.map((r) => r.head.length));
  return rows.map((r) => `${r.head.padEnd(width)}   ${wrapText(width + 3, FLAG_COLUMNS, r.text)}\n`).join('');
}

const commandPath = (path: string) => (path ? `tswarm ${path}` : 'tswarm');

/** A command's help: usage line, description, aliases, options (`given`: the flags that came with --help). */
export function commandHelp(c: { path: string; use: string }, spec: FlagSpec, given?: Parsed): HelpText {
  const help = COMMANDS[c.path];
  if (!help) throw new Error(`no help for tswarm ${c.path}`);
  let text = `Usage:  ${commandPath(c.path)}${c.use ? ` ${c.use}` : ''}\n\n${help.short}\n`;
  if (help.aliases) text += `\nAliases:\n  ${help.aliases.map(commandPath).join(', ')}\n`;
  const flags = flagLines(help, spec, given);
  if (flags) text += `\nOptions:\n${flags}`;
  return new HelpText(text);
}

/** The names a group's subcommand answers to (its aliases included). */
export function subcommandNames(group: string): string[] {
  return GROUPS[group].commands.flatMap((sub) => [sub, ...(COMMANDS[`${group} ${sub}`].aliases ?? [])
    .filter((a) => a.startsWith(`${group} `)).map((a) => a.slice(group.length + 1))]);
}

/** A group's help: its subcommands that tswarm has, each with its description. */
export function groupHelp(group: string, toStderr = false): HelpText {
  const g = GROUPS[group];
  const pad = Math.max(MIN_NAME_PADDING, ...g.commands.map((s) => s.length));
  const list = [...g.commands].sort().map((s) => `  ${s.padEnd(pad)} ${COMMANDS[`${group} ${s}`].short}\n`).join('');
  return new HelpText(`Usage:  tswarm ${group} COMMAND\n\n${g.short}\n\nCommands:\n${list}\nRun 'tswarm ${group} COMMAND --help' for more information on a command.\n`, toStderr);
}
