import { readFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';

/** What `docker info` says about the node's containers and machine, from whatever runs the tasks. */
export interface HostFacts {
  containers: number;
  running: number;
  paused: number;
  stopped: number;
  images: number;
  ncpu: number;
  memTotal: number;
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  /** The engine's storage driver and data root (docker executor). */
  driver?: string;
  dockerRootDir?: string;
}

/** The machine's operating system as Docker reads it (/etc/os-release PRETTY_NAME and VERSION_ID). */
export async function osRelease(): Promise<{ name: string; version: string }> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { name: field('PRETTY_NAME') || 'Linux', version: field('VERSION_ID') };
}

/** Facts of this machine with the tasks an executor without images runs counted as its containers. */
export async function machineFacts(tasks: readonly { running: boolean }[]): Promise<HostFacts> {
  const os = await osRelease();
  const running = tasks.filter((t) => t.running).length;
  return {
    containers: tasks.length, running, paused: 0, stopped: tasks.length - running, images: 0,
    ncpu: cpus().length, memTotal: totalmem(), kernelVersion: release(), operatingSystem: os.name, osVersion: os.version,
  };
}
