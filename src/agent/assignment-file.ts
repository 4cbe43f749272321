import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../types/objects.js';

/** The agent's assignments on disk (write to temp, rename), so a restart knows its tasks. */
export class AssignmentFile {
  /** The last write queued; it never rejects, so one failed write cannot stop the ones after it. */
  private tail: Promise<void> = Promise.resolve();
  /** A write queued behind the current one: later saves replace its tasks and share its outcome. */
  private queued?: { tasks: Task[]; done: Promise<void> };

  constructor(private dir: string) {}

  private get path() { return join(this.dir, 'assignments.json'); }

  async load(): Promise<Task[]> {
    try { return JSON.parse(await readFile(this.path, 'utf8')) as Task[]; } catch { return []; }
  }

  /**
   * Saves the newest set; calls made while a write runs coalesce into one
   * write after it. Rejects when the write carrying `tasks` fails; the next
   * save writes again.
   */
  save(tasks: Task[]): Promise<void> {
    if (this.queued) {
      this.queued.tasks = tasks;
      return this.queued.done;
    }
    const q: { tasks: Task[]; done: Promise<void> } = { tasks, done: Promise.resolve() };
    q.done = this.tail.then(() => {
      // From here on, saves queue a new write: this one may already have read its tasks.
      this.queued = undefined;
      return this.write(q.tasks);
    });
    this.queued = q;
    this.tail = q.done.catch(() => undefined);
    return q.done;
  }

  private async write(tasks: Task[]) {
    await mkdir(this.dir, { recursive: true });
    const tmp = this.path + '.tmp';
    await writeFile(tmp, JSON.stringify(tasks));
    await rename(tmp, this.path);
  }
}
