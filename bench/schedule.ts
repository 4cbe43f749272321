// bench/schedule: N tasks onto M simulated nodes (sim executor, in-process agents through
// the dispatcher), time to all RUNNING, tasks per second and the daemon's peak memory.
// Usage: node dist/bench/schedule.js [tasks=10000] [nodes=1000]
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { startTswarmd } from '../test/helpers/tswarmd.js';

const tasks = Number(process.argv[2] ?? 10000);
const nodes = Number(process.argv[3] ?? 1000);

function api<T>(socket: string, method: string, path: string, body?: unknown): Promise<T> {
  return new Promise((res, rej) => {
    const r = request({ socketPath: socket, method, path: `/v1.47${path}`, headers: { 'Content-Type': 'application/json' } }, (resp) => {
      let b = '';
      resp.on('data', (c) => (b += c));
      resp.on('end', () => (resp.statusCode! >= 400 ? rej(new Error(b)) : res(b ? JSON.parse(b) : undefined)));
    });
    r.on('error', rej);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const peakKiB = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const d = await startTswarmd({ executor: 'sim', extra: ['--sim-nodes', String(nodes)] });
try {
  const t0 = Date.now();
  await api(d.socket, 'POST', '/swarm/init', { AdvertiseAddr: '127.0.0.1' });
  for (;;) {
    const list = await api<unknown[]>(d.socket, 'GET', '/nodes');
    if (list.length >= nodes + 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const registered = Date.now();
  await api(d.socket, 'POST', '/services/create', {
    Name: 'bench', TaskTemplate: { ContainerSpec: { Image: 'sim', Args: ['run'] } }, Mode: { Replicated: { Replicas: tasks } },
  });
  const created = Date.now();
  let running = 0;
  while (running < tasks) {
    await new Promise((r) => setTimeout(r, 250));
    const [s] = await api<{ ServiceStatus: { RunningTasks: number } }[]>(d.socket, 'GET', '/services?status=true');
    running = s.ServiceStatus.RunningTasks;
  }
  const done = Date.now();
  const secs = (done - created) / 1000;
  console.log(`nodes registered: ${nodes + 1} in ${((registered - t0) / 1000).toFixed(1)} s`);
  console.log(`tasks running:    ${tasks} in ${secs.toFixed(1)} s (${Math.round(tasks / secs)} tasks/s from create to RUNNING)`);
  console.log(`daemon peak RSS:  ${(peakKiB(d.proc.pid!) / 1024).toFixed(0)} MiB`);
} finally {
  await d.stop('SIGKILL');
}
