import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * Each line of a task's output is stored with the time it was written, as
 * Docker's json-file driver stores it: `<unix nanoseconds> <line>` per line.
 * The stamper is a small perl process between the task and its log file,
 * detached like the task, so both outlive a daemon that stops or dies (a pipe
 * read by the daemon itself would break the task's writes then). It ignores
 * the stop signals sent to the task and ends when the task's side closes.
 */
const STAMPER = [
  'use Time::HiRes qw(gettimeofday);',
  '$SIG{$_} = "IGNORE" for qw(TERM INT HUP QUIT PIPE);',
  '$| = 1;',
  'while (my $l = <STDIN>) { my ($s, $u) = gettimeofday(); $l .= "\\n" unless $l =~ /\\n\\z/; print sprintf("%d%06d000 ", $s, $u), $l; }',
].join(' ');

let perlWorks: boolean | undefined;
/** Perl with Time::HiRes is on every Debian with git; without it the files keep bare lines. */
function canStamp(): boolean {
  perlWorks ??= spawnSync('perl', ['-MTime::HiRes', '-e', '1'], { stdio: 'ignore' }).status === 0;
  return perlWorks;
}

/** Where a task's stdout or stderr goes: a stamper's stdin, or the file itself. */
export type LogSink = { kind: 'stamper'; child: ChildProcess } | { kind: 'file'; fd: number };

/** Opens `path` for appending, behind a stamper where one can run. */
export async function openLogSink(path: string): Promise<LogSink> {
  const fd = openSync(path, 'a');
  if (!canStamp()) return { kind: 'file', fd };
  try {
    const child = spawn('perl', ['-e', STAMPER], { detached: true, stdio: ['pipe', fd, 'ignore'] });
    await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
    child.unref();
    child.on('exit', () => undefined); // reap
    return { kind: 'stamper', child };
  } finally {
    closeSync(fd);
  }
}

/** What spawn's stdio takes for the sink. */
export function sinkStdio(s: LogSink) {
  return s.kind === 'stamper' ? s.child.stdin! : s.fd;
}

/** After the task was spawned (or failed to): only the task holds the sink now. */
export function releaseLogSink(s: LogSink): void {
  if (s.kind === 'stamper') s.child.stdin?.destroy();
  else closeSync(s.fd);
}

const STAMPED = /^(\d{10,20}) /;

/** RFC 3339 with nanoseconds from unix nanoseconds, as Docker prints a log line's time. */
export function nanosIso(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/** One stored line: its own time when stamped, else `fallback` (files written before lines were stamped). */
export function readStampedLine(raw: string, fallback: string): { timestamp: string; nanos?: bigint; line: string } {
  const m = STAMPED.exec(raw);
  if (!m) return { timestamp: fallback, line: raw };
  const nanos = BigInt(m[1]);
  return { timestamp: nanosIso(nanos), nanos, line: raw.slice(m[0].length) };
}
