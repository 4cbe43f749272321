import { execFile } from 'node:child_process';

/** A failed `ip`/`bridge` command, with what it printed. */
export class IpError extends Error {
  constructor(readonly argv: string[], readonly stderr: string, readonly code: number | string | null) {
    super(`${argv.join(' ')}: ${stderr.trim() || `exit ${code}`}`);
  }
}

/**
 * Runs iproute2 (`ip`, `bridge`) and the few other host commands the data
 * plane needs, in the host's network namespace or in a given one (a path:
 * `nsenter --net=PATH`, never `ip netns exec`, which remounts /sys). The one
 * place that spawns them, so tests can point a whole data plane at another
 * namespace (`hostNetns`) and every failure reads the same.
 */
export class IpRunner {
  /** hostNetns: the namespace that stands for "the host" (tests); undefined = this process's own. */
  constructor(readonly hostNetns?: string) {}

  /** Runs `cmd args…` in `netns` (a path) or in the host's namespace; resolves with stdout. */
  run(cmd: string, args: string[], netns?: string, input?: string): Promise<string> {
    const ns = netns ?? this.hostNetns;
    const argv = ns ? ['nsenter', `--net=${ns}`, cmd, ...args] : [cmd, ...args];
    return new Promise((resolve, reject) => {
      const child = execFile(argv[0], argv.slice(1), { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new IpError([cmd, ...args], stderr, (err as NodeJS.ErrnoException).code ?? null));
        else resolve(stdout);
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  ip(args: string[], netns?: string): Promise<string> { return this.run('ip', args, netns); }
  bridge(args: string[], netns?: string): Promise<string> { return this.run('bridge', args, netns); }

  /** Many `ip` commands in one process (`ip -batch`); -force goes on past a failing line and reports it. */
  async ipBatch(lines: string[], netns?: string): Promise<void> {
    if (lines.length) await this.run('ip', ['-force', '-batch', '-'], netns, lines.join('\n') + '\n');
  }

  async bridgeBatch(lines: string[], netns?: string): Promise<void> {
    if (lines.length) await this.run('bridge', ['-force', '-batch', '-'], netns, lines.join('\n') + '\n');
  }

  /** `ip -j …` parsed (an empty answer is an empty list). */
  async ipJson<T>(args: string[], netns?: string): Promise<T[]> {
    const out = await this.ip(['-j', ...args], netns);
    return out.trim() ? (JSON.parse(out) as T[]) : [];
  }
}

/** `ip` says the object is not there (a link, an address, a neighbour). */
export function isMissing(err: unknown): boolean {
  return err instanceof IpError && /Cannot find device|does not exist|No such|not found|Cannot find/i.test(err.stderr);
}
