import { request } from 'node:http';
import type { Executor } from './executor.js';
import { DockerExecutor } from './docker/docker.js';
import { ProcessExecutor } from './process/process.js';
import { SimExecutor } from './sim/sim.js';

const DEFAULT_ENGINE = 'unix:///var/run/docker.sock';

function pingEngine(host: string): Promise<boolean> {
  if (!host.startsWith('unix://')) return Promise.resolve(false);
  return new Promise((res) => {
    const r = request({ socketPath: host.slice('unix://'.length), path: '/_ping', timeout: 1000 }, (resp) => { resp.resume(); res(resp.statusCode === 200); });
    r.on('error', () => res(false));
    r.on('timeout', () => { r.destroy(); res(false); });
    r.end();
  });
}

/**
 * Chooses the executor: the one asked for, else docker when an engine
 * answers, else process. `reason` is the line the daemon prints about it.
 */
export async function selectExecutor(o: { kind?: 'docker' | 'process' | 'sim'; dockerHost?: string; stateDir: string }):
  Promise<{ executor: Executor; reason: string; engineHost?: string }> {
  if (o.kind === 'sim') return { executor: new SimExecutor(), reason: 'using the sim executor (simulated tasks)' };
  if (o.kind === 'process') return { executor: new ProcessExecutor(o.stateDir), reason: 'using the process executor (tasks run as host processes)' };
  const host = o.dockerHost ?? DEFAULT_ENGINE;
  const answers = await pingEngine(host);
  if (answers) return { executor: new DockerExecutor(host.slice('unix://'.length)), reason: `using the docker executor on ${host}`, engineHost: host };
  if (o.kind === 'docker') throw new Error(`no Docker engine answered at ${host}`);
  return { executor: new ProcessExecutor(o.stateDir), reason: `no Docker engine answered at ${host}: using the process executor (tasks run as host processes)` };
}
