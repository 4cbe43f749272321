import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TSWARM_BIN, run } from '../helpers/tswarmd.js';
import { COMMANDS, GROUPS } from '../../src/cli/help-data.js';

// `--help` and `-h` on every command and command group tswarm has: what the docker CLI (28.2) prints, `tswarm`
// for `docker` in the usage lines and command references, on stdout, exit status 0. docker needs no daemon for
// this: both are pointed at a socket that does not exist, and stdin is a pipe, so docker lays out at its width
// without a terminal.

// Where tswarm's help is docker's less what tswarm does not take: the flags its parser refuses for the command
// (each flag's line and the lines its description wraps onto), and the subcommands it does not have. Any other
// difference fails.
const FLAGS_NOT_TAKEN: Record<string, string[]> = {
  'service create': ['--credential-spec', '--generic-resource', '--health-start-interval'],
  'service update': ['--credential-spec', '--generic-resource-add', '--generic-resource-rm', '--health-start-interval'],
};
const SUBCOMMANDS_NOT_THERE: Record<string, string[]> = {
  stack: ['config'],
  system: ['df', 'prune'],
};

const host = 'unix:///nonexistent/tswarm-help-test.sock';
const env = { DOCKER_HOST: host, TSWARM_HOST: host, DOCKER_CONTEXT: '' };
const DEPRECATED_H = 'Flag shorthand -h has been deprecated, use --help\n';

/** docker's words with tswarm's name: `docker ` starts a command, `docker:` an error (the docs.docker.com links stay). */
const asTswarm = (s: string) => s.replace(/\bdocker(?=[ :])/g, 'tswarm');

/**
 * docker's help less the lines of the given flags (a flag's line starts `  -x, --name` or `      --name`), and
 * less the "Options:" heading when no flag is left (as docker prints a command without flags).
 */
function withoutFlags(help: string, flags: string[]): string {
  const lines = help.split('\n');
  const out: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const head = /^(?: {2}-\S, | {6})(--\S+)/.exec(line);
    if (head) dropping = flags.includes(head[1]);
    else if (!/^ {8}/.test(line)) dropping = false;
    if (!dropping) out.push(line);
  }
  const gone = flags.filter((f) => !lines.some((l) => new RegExp(`^(?: {2}-\\S, | {6})${f}( |$)`).test(l)));
  assert.deepEqual(gone, [], 'a flag listed as not taken is not in docker\'s help any more');
  return out.join('\n').replace(/\n\nOptions:\n$/, '\n');
}

/** A group's help less the lines of the given subcommands. */
function withoutSubcommands(help: string, subs: string[]): string {
  for (const s of subs) assert.match(help, new RegExp(`^  ${s} `, 'm'), `docker's group has no ${s} any more`);
  return help.split('\n').filter((l) => !subs.some((s) => l.startsWith(`  ${s} `))).join('\n');
}

const expected = (words: string[], dockerOut: string) => {
  const path = words.join(' ');
  let text = asTswarm(dockerOut);
  if (FLAGS_NOT_TAKEN[path]) text = withoutFlags(text, FLAGS_NOT_TAKEN[path]);
  if (SUBCOMMANDS_NOT_THERE[path]) text = withoutSubcommands(text, SUBCOMMANDS_NOT_THERE[path]);
  return text;
};

const tswarmRun = (args: string[]) => run(process.execPath, [TSWARM_BIN, ...args], env);
const dockerRun = (args: string[]) => run('docker', args, env);

const LEAVES = [...Object.entries(GROUPS).flatMap(([g, { commands }]) => commands.map((s) => [g, s])), ['events'], ['info'], ['version']];

test('the commands with a help are the ones checked here', () => {
  assert.deepEqual(LEAVES.map((w) => w.join(' ')).sort(), Object.keys(COMMANDS).sort());
  assert.equal(LEAVES.length, 49);
  assert.deepEqual(Object.keys(GROUPS).sort(), ['config', 'network', 'node', 'secret', 'service', 'stack', 'swarm', 'system']);
});

test('--help and -h: docker\'s help on stdout, exit status 0', { timeout: 300_000 }, async (t) => {
  for (const words of [...Object.keys(GROUPS).map((g) => [g]), ...LEAVES]) {
    await t.test(words.join(' '), async () => {
      const [d, s, dh, sh] = await Promise.all([
        dockerRun([...words, '--help']), tswarmRun([...words, '--help']), dockerRun([...words, '-h']), tswarmRun([...words, '-h']),
      ]);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stderr, '');
      assert.deepEqual(s, { code: 0, stdout: expected(words, d.stdout), stderr: '' });
      // -h: the same, after pflag's note that the shorthand is deprecated (on stdout, as docker prints it)
      assert.ok(dh.stdout.startsWith(DEPRECATED_H));
      assert.deepEqual(sh, { code: 0, stdout: DEPRECATED_H + expected(words, dh.stdout.slice(DEPRECATED_H.length)), stderr: '' });
    });
  }
});

// Where --help is, and what comes with it, as cobra takes it.
const PLACES: { args: string[]; help: string[] }[] = [
  // a flag of docker's own value type given with --help: pflag shows its default, "(default )" or "(default 0)"
  { args: ['service', 'create', '--replicas', '2', '--help'], help: ['service', 'create'] },
  { args: ['service', 'create', '--replicas', '0', '--help'], help: ['service', 'create'] },
  { args: ['service', 'create', '-l', 'a=b', '-e', 'X=1', '--limit-memory', '1m', '--stop-grace-period', '3s', '--update-max-failure-ratio', '0.5', '--help'], help: ['service', 'create'] },
  { args: ['service', 'update', '--dns-search-add', 'example.com', '--reserve-cpu', '1', '-h'], help: ['service', 'update'] },
  { args: ['node', 'ls', '-f', 'role=manager', '--help'], help: ['node', 'ls'] },
  { args: ['service', 'create', '-dh'], help: ['service', 'create'] },
  { args: ['service', 'ls', '-qh'], help: ['service', 'ls'] },
  { args: ['service', 'ls', 'extra', '--help'], help: ['service', 'ls'] }, // the help before the arguments' check
  { args: ['service', 'ls', '--help=true'], help: ['service', 'ls'] },
  { args: ['service', 'list', '--help'], help: ['service', 'ls'] }, // an alias
  { args: ['service', '--help', 'create'], help: ['service', 'create'] }, // a group's flags go to its subcommand
  { args: ['service', '--help', 'bogus'], help: ['service'] },
  { args: ['node', 'bogus', '--help'], help: ['node'] },
  { args: ['swarm', 'update'], help: ['swarm', 'update'] }, // no flag at all: the help
  { args: ['network', 'rm', '--help', 'n1'], help: ['network', 'rm'] },
  { args: ['stack', 'down', '-h'], help: ['stack', 'rm'] },
];

test('--help among other words', { timeout: 120_000 }, async (t) => {
  for (const { args, help } of PLACES) {
    await t.test(args.join(' '), async () => {
      const [d, s] = await Promise.all([dockerRun(args), tswarmRun(args)]);
      assert.equal(d.code, 0, d.stderr);
      assert.deepEqual(s, { code: 0, stdout: expected(help, d.stdout), stderr: asTswarm(d.stderr) });
    });
  }
});

// Not the help: docker's words and exit status, the same on both (stderr, tswarm for docker).
const NOT_HELP: string[][] = [
  ['service'], ['node'], ['swarm'], ['stack'], ['network'], ['secret'], ['config'], // a group alone: its help on stderr, status 0
  ['service', 'create', '--help', '--bogus'], // a flag's error first, nothing on stdout
  ['service', 'create', '-h', '--bogus'],
  ['service', 'create', '--replicas=x', '--help'],
  ['service', 'ls', '--help=x'],
  ['service', 'ls', '-h=maybe'],
  ['service', 'ls', '--', '--help'], // after `--`, an argument
  ['service', '--bogus', 'ls'], // the group's flag error: `ls` was the flag's value
  ['stack', '--bogus'],
  ['network', '--bogus'],
  ['swarm', 'unlock', '--bogus'],
  ['version', 'x'],
];

test('--help that is not a request for help, and groups run bare', { timeout: 120_000 }, async (t) => {
  for (const args of NOT_HELP) {
    await t.test(args.join(' '), async () => {
      const [d, s] = await Promise.all([dockerRun(args), tswarmRun(args)]);
      assert.doesNotMatch(d.stderr, /Cannot connect to the Docker daemon/, 'docker connected');
      const group = args.length === 1 && Object.hasOwn(GROUPS, args[0]) ? args : undefined;
      assert.deepEqual(s, { code: d.code, stdout: asTswarm(d.stdout), stderr: group ? expected(group, d.stderr) : asTswarm(d.stderr) });
    });
  }
});
