// Simulated engines in a process of their own, so the bench's timing client
// does not share an event loop (or a core's turn) with the engines that
// `manage` refreshes. Prints the engines' addresses as one JSON line; stops
// when its stdin closes.
//   node dist/bench/classic/sim-engines-process.js N CONTAINERS
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimEngines } from './sim-engine.js';

/** Starts the engines in a child process; resolves with their addresses and its stop. */
export function startSimEnginesProcess(n: number, containers: number): Promise<{ addrs: string[]; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(n), String(containers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`simulated engines exited (${code})`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (!out.includes('\n')) return;
      resolve({ addrs: JSON.parse(out.slice(0, out.indexOf('\n'))) as string[], stop: async () => { child.stdin!.end(); await exited; } });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const engines = await startSimEngines(Number(process.argv[2]), Number(process.argv[3]));
  process.stdout.write(`${JSON.stringify(engines.map((e) => e.addr))}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => { Promise.all(engines.map((e) => e.stop())).finally(() => process.exit(0)).catch(() => undefined); });
}
