import { createServer, type AddressInfo } from 'node:net';
import type { Task } from '../../types/objects.js';
import type { RuntimeStatus, TaskEndpoint } from '../executor.js';

/** A port the kernel says is free now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * Host ports for a process task: host-mode ports keep their published number,
 * every other target port gets a free host port. The task finds them in its
 * environment as PORT (the first) and PORT_<target>.
 */
export async function assignPorts(t: Task): Promise<{ env: string[]; endpoints: TaskEndpoint[]; hostPorts: NonNullable<RuntimeStatus['hostPorts']> }> {
  const env: string[] = [];
  const endpoints: TaskEndpoint[] = [];
  const hostPorts: NonNullable<RuntimeStatus['hostPorts']> = [];
  for (const p of t.Endpoint?.Ports ?? []) {
    if (!p.TargetPort || endpoints.some((e) => e.TargetPort === p.TargetPort && e.Protocol === (p.Protocol ?? 'tcp'))) continue;
    const protocol = p.Protocol ?? 'tcp';
    const host = p.PublishMode === 'host' && p.PublishedPort ? p.PublishedPort : await freePort();
    if (env.length === 0) env.push(`PORT=${host}`);
    env.push(`PORT_${p.TargetPort}=${host}`);
    endpoints.push({ TargetPort: p.TargetPort, Protocol: protocol, Addr: `127.0.0.1:${host}` });
    if (p.PublishMode === 'host') hostPorts.push({ Protocol: protocol, TargetPort: p.TargetPort, PublishedPort: host, PublishMode: 'host' });
  }
  return { env, endpoints, hostPorts };
}
