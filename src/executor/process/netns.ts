import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';

const exec = (cmd: string, args: string[]) => new Promise<void>((resolve, reject) => {
  execFile(cmd, args, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve()));
});

async function mounted(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === path);
}

/**
 * A network namespace tswarm makes for a process task on overlay networks,
 * bound to a file in the task's directory: it exists before the command
 * starts (the agent joins it to the overlays), so the command sees its
 * networks from its first instruction, and a restarted daemon finds it.
 */
export async function makeTaskNetns(path: string): Promise<void> {
  if (await mounted(path)) return;
  await writeFile(path, '');
  await exec('unshare', [`--net=${path}`, 'true']);
}

export async function taskNetnsExists(path: string): Promise<boolean> { return mounted(path); }

/** Unbinds and deletes the namespace file (the namespace goes with its last process). */
export async function removeTaskNetns(path: string): Promise<void> {
  if (await mounted(path)) await exec('umount', [path]);
  await rm(path, { force: true });
}
