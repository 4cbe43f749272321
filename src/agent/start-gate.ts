import { randomBytes } from 'node:crypto';
import { access, chmod, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../log.js';

const log = logger('start-gate');

/** Where the gate is seen inside the container (read-only). */
export const GATE_MOUNT = '/.tswarm-netwait';
/** A statically linked busybox: its sh runs the wait in any image, whatever the image has. */
const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];
/** How long the container's process waits for its networks before going on without them (tswarm gone). */
const WAIT_LIMIT_S = 60;

/**
 * Waits for the gate file named $0, then runs the container's own command.
 * busybox's sh prefers its applets to the image's programs (`exec ls` would
 * run busybox's ls), so a bare command name is looked up in the image's PATH
 * here and run by its path.
 */
const SCRIPT = [
  `i=0; while [ ! -e "${GATE_MOUNT}/$0" ] && [ $i -lt ${WAIT_LIMIT_S * 100} ]; do usleep 10000; i=$((i+1)); done`,
  'case "$1" in */*) exec "$@";; esac',
  'IFS=:; for d in ${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}; do',
  '  if [ -f "$d/$1" ] && [ -x "$d/$1" ]; then p="$d/$1"; shift; exec "$p" "$@"; fi',
  'done',
  'echo "exec: \\"$1\\": executable file not found in \\$PATH" >&2; exit 127',
].join('\n');

/** What the container was to run, as Docker would show it (the engine's view of it is the gate's). */
export interface GatedCommand { token: string; entrypoint: string[] | null; cmd: string[] | null }

type StrSlice = string | string[] | null | undefined;
const slice = (v: StrSlice): string[] | null | undefined => (v === undefined ? undefined : v === null ? null : typeof v === 'string' ? [v] : v);

interface CreateBody {
  Image?: unknown;
  Entrypoint?: StrSlice;
  Cmd?: StrSlice;
  HostConfig?: { Mounts?: unknown[] | null; NetworkMode?: string };
}

/**
 * Holds a plain container's process until its swarm networks are in its
 * namespace (Docker sets up a container's networks before its process runs;
 * through the Engine API tswarm can only join them after the engine started
 * it): the container's command is wrapped by a wait on a file that tswarm
 * writes once the container is joined. The wait runs with a static busybox
 * bound read-only into the container with the gate files.
 */
export class StartGate {
  private readonly dir: string;
  private ready?: Promise<boolean>;
  private gates = new Map<string, GatedCommand>();
  private loaded?: Promise<void>;

  constructor(stateDir: string) { this.dir = join(stateDir, 'netwait'); }

  private get file() { return join(this.dir, '..', 'container-gates.json'); }

  /** The gate directory with its busybox; false when this host has no static busybox (then no gate). */
  private prepareDir(): Promise<boolean> {
    this.ready ??= (async () => {
      for (const src of BUSYBOX_CANDIDATES) {
        try {
          await access(src, constants.X_OK);
          await mkdir(this.dir, { recursive: true, mode: 0o755 });
          await chmod(this.dir, 0o755);
          const dst = join(this.dir, 'busybox');
          await copyFile(src, `${dst}.tmp`);
          await chmod(`${dst}.tmp`, 0o755);
          await rename(`${dst}.tmp`, dst);
          return true;
        } catch { /* the next one */ }
      }
      log.warn('no static busybox on this host: attached containers start before their swarm networks are joined');
      return false;
    })();
    return this.ready;
  }

  /**
   * A create body whose process waits for the gate, and the gate's record;
   * undefined (the body stays as it is) when it cannot be gated.
   * image: the image's Entrypoint and Cmd (the engine's defaults).
   */
  async wrap<T extends CreateBody>(body: T, image: { Entrypoint?: StrSlice; Cmd?: StrSlice }): Promise<{ body: T; gate: GatedCommand } | undefined> {
    const given = slice(body.Entrypoint);
    const entrypoint = given !== undefined ? (given?.length === 1 && given[0] === '' ? null : given) : slice(image.Entrypoint) ?? null;
    // As the engine: an entrypoint given without a command drops the image's command.
    const cmd = slice(body.Cmd) ?? (given !== undefined ? null : slice(image.Cmd) ?? null);
    const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
    if (argv.length === 0 || !(await this.prepareDir())) return undefined;
    const token = randomBytes(12).toString('hex');
    const mount = { Type: 'bind', Source: this.dir, Target: GATE_MOUNT, ReadOnly: true };
    const wrapped = {
      ...body,
      Entrypoint: [`${GATE_MOUNT}/busybox`, 'sh', '-c', SCRIPT, token],
      Cmd: argv,
      HostConfig: { ...(body.HostConfig ?? {}), Mounts: [...(body.HostConfig?.Mounts ?? []), mount] },
    };
    return { body: wrapped, gate: { token, entrypoint, cmd } };
  }

  /** Remembers a created container's gate (kept in a file: a restarted daemon opens it at the next start). */
  async remember(containerId: string, gate: GatedCommand): Promise<void> {
    await this.load();
    this.gates.set(containerId, gate);
    await this.save();
  }

  async gateOf(containerId: string): Promise<GatedCommand | undefined> {
    await this.load();
    return this.gates.get(containerId);
  }

  /** The container is on its networks: its process goes on. */
  async open(containerId: string): Promise<void> {
    const g = await this.gateOf(containerId);
    if (g) await writeFile(join(this.dir, g.token), '');
  }

  /** The container stopped: its next start waits again. */
  async close(containerId: string): Promise<void> {
    const g = await this.gateOf(containerId);
    if (g) await rm(join(this.dir, g.token), { force: true });
  }

  /** The container is gone. */
  async forget(containerId: string): Promise<void> {
    await this.close(containerId);
    if (this.gates.delete(containerId)) await this.save();
  }

  private load(): Promise<void> {
    this.loaded ??= readFile(this.file, 'utf8').then((s) => {
      for (const [id, g] of Object.entries(JSON.parse(s) as Record<string, GatedCommand>)) this.gates.set(id, g);
    }, () => undefined);
    return this.loaded;
  }

  private async save(): Promise<void> {
    await mkdir(join(this.dir, '..'), { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.gates)));
    await rename(`${this.file}.tmp`, this.file);
  }
}

/** The engine's inspect of a gated container, showing the command the user gave (as Docker would). */
export function ungatedInspect<T extends { Path?: string; Args?: string[]; Config?: { Entrypoint?: unknown; Cmd?: unknown }; Mounts?: { Destination?: string }[] | null; HostConfig?: { Mounts?: { Target?: string }[] | null } }>(
  c: T, gate: GatedCommand | undefined): T {
  if (!gate) return c;
  const argv = [...(gate.entrypoint ?? []), ...(gate.cmd ?? [])];
  const mounts = c.Mounts?.filter((m) => m.Destination !== GATE_MOUNT);
  const hostMounts = c.HostConfig?.Mounts?.filter((m) => m.Target !== GATE_MOUNT);
  return {
    ...c, Path: argv[0] ?? '', Args: argv.slice(1),
    ...(c.Config ? { Config: { ...c.Config, Entrypoint: gate.entrypoint, Cmd: gate.cmd } } : {}),
    ...(c.Mounts ? { Mounts: mounts } : {}),
    ...(c.HostConfig ? { HostConfig: withMounts(c.HostConfig, hostMounts) } : {}),
  };
}

/** HostConfig.Mounts is left out when empty, as Docker's (omitempty). */
function withMounts<H extends { Mounts?: unknown[] | null }>(h: H, mounts: unknown[] | undefined): H {
  const { Mounts: _drop, ...rest } = h;
  return (mounts?.length ? { ...rest, Mounts: mounts } : rest) as H;
}
