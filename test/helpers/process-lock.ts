import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';

/**
 * Locks shared by test files (node --test runs each file in a process of its
 * own, two at once): a directory holding the owner's PID and its start time.
 * A lock whose owner is gone is taken over; the start time tells a PID that
 * another process got later (a machine restored from a snapshot keeps /tmp,
 * not its processes) from the owner itself.
 */
function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat, after the command name in parentheses.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19];
  } catch {
    return undefined;
  }
}

const me = () => `${process.pid} ${startTime(process.pid) ?? ''}`;

async function ownerAlive(dir: string): Promise<boolean> {
  const [pid, started] = (await readFile(`${dir}/owner`, 'utf8').catch(() => '')).trim().split(' ');
  if (!Number(pid)) return true; // being written: wait
  return startTime(Number(pid)) === started;
}

/** Waits for the lock at dir; resolves with its release. */
export async function acquire(dir: string): Promise<() => Promise<void>> {
  for (let seen = 0; ; seen++) {
    try {
      await mkdir(dir);
      await writeFile(`${dir}/owner`, me());
      return () => rm(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A directory without an owner for a few seconds was left half made.
      if (!(await ownerAlive(dir)) || (seen > 25 && !(await readFile(`${dir}/owner`, 'utf8').catch(() => '')))) {
        await rm(dir, { recursive: true, force: true });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const held = new Map<string, Promise<void>>();

/** Takes the lock at dir for the rest of this process (a test file; again: already held): released when it exits. */
export function holdUntilExit(dir: string): Promise<void> {
  let h = held.get(dir);
  if (!h) {
    h = acquire(dir).then(() => { process.once('exit', () => rmSync(dir, { recursive: true, force: true })); });
    held.set(dir, h);
  }
  return h;
}
