import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../types/objects.js';

/** The agent's assignments on disk (write to temp, rename), so a restart knows its tasks. */
export class AssignmentFile {
  private writing: Promise<void> = Promise.resolve();
  private next?: Task[];

  constructor(private dir: string) {}

  private get path() { return join(this.dir, 'assignments.json'); }

  async load(): Promise<Task[]> {
    try { return JSON.parse(await readFile(this.path, 'utf8')) as Task[]; } catch { return []; }
  }

  /** Saves the newest set; concurrent calls coalesce into one write after the current one. */
  save(tasks: Task[]): Promise<void> {
    const first = this.next === undefined;
    this.next = tasks;
    if (!first) return this.writing;
    this.writing = this.writing.then(async () => {
      const data = this.next!;
      this.next = undefined;
      await mkdir(this.dir, { recursive: true });
      const tmp = this.path + '.tmp';
      await writeFile(tmp, JSON.stringify(data));
      await rename(tmp, this.path);
    });
    return this.writing;
  }
}
