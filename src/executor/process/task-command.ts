import type { Task } from '../../types/objects.js';
import { mountScript } from './mount-namespace.js';

/**
 * The command line that runs `wrapper` in a mount namespace of the task's own
 * (root only): its bind mounts are set up there, then it drops to the task's
 * user and becomes the wrapper (same pid, so the executor's bookkeeping holds).
 * Undefined when not root; a task that needs mounts then cannot run here.
 */
export async function inOwnMountNamespace(t: Task, wrapper: string[], user: { uid: number; gid: number } | undefined, scratch: string): Promise<string[] | undefined> {
  const setup = await mountScript(t, scratch);
  if (process.getuid?.() !== 0) {
    if (setup) throw new Error('secrets and configs need the process executor to run as root (a mount namespace per task)');
    return undefined;
  }
  const drop = user ? `setpriv --reuid=${user.uid} --regid=${user.gid} --clear-groups -- ` : '';
  const failed = `{ echo "tswarm: setting up the task's mounts failed" >&2; echo 126 > "$TSWARM_EXIT_FILE"; exit 126; }`;
  const script = `${setup ? `{ ${setup}; } || ${failed}; ` : ''}exec ${drop}"$@"`;
  return ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', ...wrapper];
}
