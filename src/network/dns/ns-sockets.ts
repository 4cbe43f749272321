import { spawn } from 'node:child_process';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLimit } from '../vip/limit.js';

/** Where Docker's embedded resolver answers in each container. */
export const RESOLVER_ADDRESS = '127.0.0.11';
export const RESOLVER_PORT = 53;

export interface NamespaceSockets { udp: UdpSocket; tcp: Server }

const CHILD = fileURLToPath(new URL('./ns-socket-child.js', import.meta.url));
const TIMEOUT_MS = 15_000;
/** Helpers (a node process each, ~100 ms) running at once. */
const helpers = createLimit(4);

/**
 * A UDP socket and a TCP listener bound at address:port inside the network
 * namespace at netnsPath (e.g. /proc/PID/ns/net, /var/run/netns/NAME), owned
 * by this process. Node cannot setns, so a short-lived child started in the
 * namespace by nsenter binds them and passes them back over IPC (SCM_RIGHTS);
 * it also brings the namespace's lo up, which 127.0.0.11 lives on.
 */
export function openNamespaceSockets(netnsPath: string, address = RESOLVER_ADDRESS, port = RESOLVER_PORT): Promise<NamespaceSockets> {
  return helpers(() => bindInNamespace(netnsPath, address, port));
}

function bindInNamespace(netnsPath: string, address: string, port: number): Promise<NamespaceSockets> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', process.execPath, CHILD, address, String(port)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let udp: UdpSocket | undefined;
    let tcp: Server | undefined;
    let stderr = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!err && udp && tcp) return resolve({ udp, tcp });
      udp?.close();
      tcp?.close();
      child.kill('SIGKILL');
      reject(err ?? new Error(`cannot bind ${address}:${port} in ${netnsPath}: ${stderr.trim() || 'the helper exited'}`));
    };
    const timer = setTimeout(() => finish(new Error(`binding ${address}:${port} in ${netnsPath} timed out`)), TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
    child.on('message', (msg: { kind: string; message?: string }, handle: unknown) => {
      if (msg.kind === 'udp') udp = handle as UdpSocket;
      else if (msg.kind === 'tcp') tcp = handle as Server;
      else if (msg.kind === 'error') finish(new Error(`cannot bind ${address}:${port} in ${netnsPath}: ${msg.message}`));
      if (udp && tcp) finish();
    });
    child.on('error', (err) => finish(err));
    child.on('close', () => finish());
  });
}
