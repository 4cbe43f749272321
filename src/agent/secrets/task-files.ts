import { execFile } from 'node:child_process';
import { chmod, chown, link, mkdir, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { Mount, NodeDescription, Task } from '../../types/objects.js';
import type { FileTarget } from '../../types/objects.js';
import type { DependencyStore } from '../dependencies.js';
import { expandPayload } from '../../template/payload-template.js';

const run = promisify(execFile);
/** statfs f_type of tmpfs. */
export const TMPFS_MAGIC = 0x01021994;
/** Where a task finds its secrets, as in a Docker container. */
export const SECRETS_DIR = '/run/secrets';

/** One reference of the task's spec: which secret or config, and where the task sees it. */
interface Ref { kind: 'secret' | 'config'; id: string; target: string }
/** One file on this node: a secret or config the task references (once or more), with the last reference's owner and mode. */
interface FileEntry { kind: 'secret' | 'config'; id: string; file: FileTarget; hostPath: string }

/**
 * The files of a task's secrets and configs on this node: one memory-backed
 * directory per task (a tmpfs of its own, under the daemon's run
 * directory), written when the task is prepared and gone when it ends.
 * As Docker 20.10, a secret or config is one file however many times the
 * task refers to it (its owner and mode the last reference's), shown at each
 * reference's target: a secret's relative target under /run/secrets, a
 * config's at the root. `bindEachFile` (the docker executor): each target is
 * a read-only bind of its own and /run/secrets an ordinary directory of the
 * container, as Docker shows it; otherwise (the process executor, whose
 * tasks share the host's file system) a directory of links to those files
 * is bound read-only at /run/secrets.
 */
export class TaskFiles {
  private mounted = new Set<string>();

  constructor(private runDir: string, private deps: DependencyStore, private node: () => NodeDescription | undefined,
    private opts: { bindEachFile?: boolean } = {}) {}

  dir(taskId: string) { return join(this.runDir, 'task-files', taskId); }

  private refs(t: Task): Ref[] {
    const cs = t.Spec.ContainerSpec ?? {};
    return [
      ...(cs.Secrets ?? []).map((r) => ({ kind: 'secret' as const, id: r.SecretID ?? '', target: r.File?.Name ?? '' })),
      ...(cs.Configs ?? []).map((r) => ({ kind: 'config' as const, id: r.ConfigID ?? '', target: r.File?.Name ?? '' })),
    ];
  }

  /** Where the task sees a reference. */
  private static targetOf(r: Ref): string {
    if (posix.isAbsolute(r.target)) return r.target;
    return r.kind === 'secret' ? posix.join(SECRETS_DIR, r.target) : `/${r.target}`;
  }

  private hostPath(taskId: string, kind: string, id: string) { return join(this.dir(taskId), 'files', `${kind}-${id}`); }

  /** The task's files, one per secret or config, with the owner and mode of its last reference. */
  private entries(t: Task): FileEntry[] {
    const cs = t.Spec.ContainerSpec ?? {};
    const byKey = new Map<string, FileEntry>();
    const add = (kind: 'secret' | 'config', id: string, file: FileTarget) => {
      const key = `${kind}-${id}`;
      byKey.delete(key);
      byKey.set(key, { kind, id, file, hostPath: this.hostPath(t.ID, kind, id) });
    };
    for (const r of cs.Secrets ?? []) add('secret', r.SecretID ?? '', r.File ?? {});
    for (const r of cs.Configs ?? []) add('config', r.ConfigID ?? '', r.File ?? {});
    return [...byKey.values()];
  }

  /** A secret's relative target in the directory bound at /run/secrets (process executor). */
  private linkPath(taskId: string, r: Ref) { return join(this.dir(taskId), 'secrets', r.target); }
  private static inSecretsDir(r: Ref) { return r.kind === 'secret' && !posix.isAbsolute(r.target); }

  /** The bind mounts that show the task its files (paths only: known again after a restart). */
  mountsOf(t: Task): Mount[] {
    const refs = this.refs(t);
    const mounts: Mount[] = [];
    const bindDir = !this.opts.bindEachFile && refs.some(TaskFiles.inSecretsDir);
    if (bindDir) mounts.push({ Type: 'bind', Source: join(this.dir(t.ID), 'secrets'), Target: SECRETS_DIR, ReadOnly: true });
    for (const r of refs) {
      if (bindDir && TaskFiles.inSecretsDir(r)) continue;
      mounts.push({ Type: 'bind', Source: this.hostPath(t.ID, r.kind, r.id), Target: TaskFiles.targetOf(r), ReadOnly: true });
    }
    return mounts;
  }

  /** Writes the task's files into a fresh tmpfs; throws (the task is rejected) when a payload is missing or its template fails. */
  async materialize(t: Task): Promise<Mount[]> {
    const entries = this.entries(t);
    if (entries.length === 0) return [];
    const raw = (kind: 'secret' | 'config', id: string) => {
      const o = kind === 'secret' ? this.deps.secret(id) : this.deps.config(id);
      return o ? Buffer.from(o.Spec.Data ?? '', 'base64') : undefined;
    };
    const payloads: Buffer[] = [];
    for (const e of entries) {
      const o = e.kind === 'secret' ? this.deps.secret(e.id) : this.deps.config(e.id);
      if (!o) throw new Error(`${e.kind} ${e.id} not found`);
      let data: Buffer = Buffer.from(o.Spec.Data ?? '', 'base64');
      if (o.Spec.Templating) {
        if (o.Spec.Templating.Name !== 'golang') throw new Error(`failed to expand templated ${e.kind} ${e.id}: unrecognized template type`);
        try {
          data = expandPayload(data, t, this.node(), { secret: (id) => raw('secret', id), config: (id) => raw('config', id) });
        } catch (err) {
          throw new Error(`failed to expand templated ${e.kind} ${e.id}: ${(err as Error).message}`);
        }
      }
      payloads.push(data);
    }
    await this.release(t.ID);
    const dir = this.dir(t.ID);
    await this.mountTmpfs(dir, payloads.reduce((n, p) => n + p.length, 0));
    await mkdir(join(dir, 'secrets'), { mode: 0o755 });
    await mkdir(join(dir, 'files'), { mode: 0o755 });
    for (const [i, e] of entries.entries()) {
      await writeFile(e.hostPath, payloads[i], { mode: 0o600 });
      if (process.getuid?.() === 0) await chown(e.hostPath, Number(e.file.UID ?? 0) || 0, Number(e.file.GID ?? 0) || 0);
      await chmod(e.hostPath, e.file.Mode ?? 0o444);
    }
    if (!this.opts.bindEachFile) {
      // The names under /run/secrets: hard links, so every name of a secret is the same file (owner, mode).
      for (const r of this.refs(t).filter(TaskFiles.inSecretsDir)) {
        const at = this.linkPath(t.ID, r);
        await mkdir(posix.dirname(at), { recursive: true, mode: 0o755 });
        await rm(at, { force: true });
        await link(this.hostPath(t.ID, r.kind, r.id), at);
      }
    }
    return this.mountsOf(t);
  }

  /** A tmpfs of the task's own (root); otherwise the run directory must already be memory-backed. */
  private async mountTmpfs(dir: string, bytes: number) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    if (process.getuid?.() === 0) {
      const sizeKiB = Math.ceil(bytes / 1024) * 2 + 1024;
      await run('mount', ['-t', 'tmpfs', '-o', `mode=0755,size=${sizeKiB}k,nosuid,nodev,noexec`, 'tmpfs', dir]);
      this.mounted.add(dir);
      return;
    }
    if ((await statfs(dir)).type !== TMPFS_MAGIC) {
      throw new Error(`secrets and configs need a memory-backed directory: ${dir} is not on tmpfs (run tswarm as root)`);
    }
  }

  /**
   * Files a daemon killed before its tasks ended left behind (a SIGKILL runs no
   * release): each task directory made before `before` (ms) whose task is not
   * in `keep` is unmounted and removed. Returns the task IDs swept.
   */
  async sweep(keep: Set<string>, before: number): Promise<string[]> {
    const root = join(this.runDir, 'task-files');
    const ids = await readdir(root).catch(() => [] as string[]);
    const swept: string[] = [];
    for (const id of ids) {
      if (keep.has(id)) continue;
      const st = await stat(join(root, id)).catch(() => undefined);
      if (!st || st.mtimeMs >= before) continue;
      await this.release(id);
      swept.push(id);
    }
    return swept;
  }

  /** Unmounts and removes the task's files; nothing to do for a task without any. */
  async release(taskId: string): Promise<void> {
    const dir = this.dir(taskId);
    if (this.mounted.has(dir) || await isMountPoint(dir)) {
      await run('umount', ['-l', dir]).catch(() => undefined);
      this.mounted.delete(dir);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

async function isMountPoint(dir: string): Promise<boolean> {
  try {
    await run('mountpoint', ['-q', dir]);
    return true;
  } catch {
    return false;
  }
}
