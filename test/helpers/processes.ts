import { readdir, readFile } from 'node:fs/promises';

/**
 * PIDs of the process executor's task wrappers whose command line contains
 * marker, by the data root of the daemon that started them (the wrapper's
 * TSWARM_EXIT_FILE lives under it).
 */
export async function taskProcesses(marker: string): Promise<{ pid: number; dataRoot: string }[]> {
  const out: { pid: number; dataRoot: string }[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
      if (cmd[0] !== '/bin/sh' || !cmd.includes(marker)) continue;
      const env = (await readFile(`/proc/${name}/environ`, 'utf8')).split('\0');
      const exit = env.find((e) => e.startsWith('TSWARM_EXIT_FILE='))?.slice('TSWARM_EXIT_FILE='.length);
      if (exit) out.push({ pid: Number(name), dataRoot: exit.replace(/\/executor\/.*$/, '') });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** How many task processes with marker each data root runs. */
export async function countByDataRoot(marker: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const p of await taskProcesses(marker)) m.set(p.dataRoot, (m.get(p.dataRoot) ?? 0) + 1);
  return m;
}

/**
 * Kills the tasks with marker of the daemons with these data roots, wrapper and command together (each wrapper
 * leads its own process group); the same test file run elsewhere on the machine at the same time keeps its own.
 */
export async function killTaskProcesses(marker: string, dataRoots: Iterable<string>): Promise<void> {
  const roots = new Set(dataRoots);
  for (const p of (await taskProcesses(marker)).filter((x) => roots.has(x.dataRoot))) {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
