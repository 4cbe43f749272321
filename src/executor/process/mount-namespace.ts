import { access, mkdir, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Task } from '../../types/objects.js';

const TMPFS_MAGIC = 0x01021994;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const exists = (p: string) => access(p).then(() => true, () => false);

/** The deepest directory of p that exists on the host. */
async function existingAncestor(p: string): Promise<string> {
  let a = dirname(p);
  while (a !== '/' && !(await exists(a))) a = dirname(a);
  return a;
}

/**
 * The shell lines that, run first in the task's own mount namespace (unshare
 * --mount, private propagation), show the task's bind mounts at their
 * targets, as a container would see them. A missing mount point is made
 * where it costs the host nothing: on a memory-backed parent (/run) it is
 * created there; elsewhere the nearest existing directory gets an overlay
 * whose upper layer holds the mount point, for this namespace only. Nothing
 * of it outlives the task's processes.
 */
export async function mountScript(t: Task, scratch: string): Promise<string> {
  const binds = (t.Spec.ContainerSpec?.Mounts ?? []).filter((m) => m.Type === 'bind' && m.Source && m.Target);
  if (binds.length === 0) return '';
  const lines: string[] = [];
  const overlays = new Map<string, string>();
  for (const m of binds) {
    const target = posix.normalize(m.Target!);
    const isDir = (await stat(m.Source!)).isDirectory();
    if (await exists(target)) continue;
    const anc = await existingAncestor(target);
    if ((await statfs(anc)).type === TMPFS_MAGIC) {
      lines.push(isDir ? `mkdir -p ${q(target)}` : `mkdir -p ${q(dirname(target))} && touch ${q(target)}`);
      continue;
    }
    if (anc === '/') throw new Error(`the process executor cannot make ${target} for the task: its directory does not exist on this host`);
    let upper = overlays.get(anc);
    if (!upper) {
      upper = join(scratch, `overlay-${overlays.size}`);
      overlays.set(anc, upper);
      await mkdir(join(upper, 'upper'), { recursive: true });
      await mkdir(join(upper, 'work'), { recursive: true });
    }
    const inUpper = join(upper, 'upper', posix.relative(anc, target));
    if (isDir) await mkdir(inUpper, { recursive: true });
    else { await mkdir(dirname(inUpper), { recursive: true }); await writeFile(inUpper, ''); }
  }
  // The sources are reached through a descriptor opened before any overlay: an overlay on
  // an ancestor of theirs (/run) would hide the tmpfs they live on.
  const root = commonAncestor(binds.map((m) => posix.normalize(m.Source!)));
  const src = (p: string) => q(posix.join('/proc/self/fd/3', posix.relative(root, posix.normalize(p))));
  const ordered = [...overlays].sort(([a], [b]) => a.split('/').length - b.split('/').length);
  const out = [`exec 3< ${q(root)}`, ...ordered.map(([anc, dir]) =>
    `mount -t overlay overlay -o ${q(`lowerdir=${anc},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`)} ${q(anc)}`)];
  out.push(...lines);
  for (const m of binds) out.push(`mount --bind${m.ReadOnly ? ' -o ro' : ''} ${src(m.Source!)} ${q(posix.normalize(m.Target!))}`);
  out.push('exec 3<&-');
  return out.join(' && ');
}

function commonAncestor(paths: string[]): string {
  let parts = posix.dirname(paths[0]).split('/');
  for (const p of paths.slice(1)) {
    const other = p.split('/');
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/') || '/';
}
