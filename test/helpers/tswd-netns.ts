/**
 * Network namespaces for the DNS/VIP tests and bench: tswd<N> with address
 * 10.79.0.N/24 on eth0, joined by veth pairs to the bridge tswd0
 * (10.79.0.254/24) in the root namespace. Run under the machine-wide lock.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const BRIDGE = 'tswd0';
export const NET = '10.79.0';
export const nsPath = (n: number) => `/var/run/netns/tswd${n}`;
export const nsAddr = (n: number) => `${NET}.${n}`;

async function sh(script: string): Promise<void> {
  await exec('sh', ['-c', script]);
}

/** Creates (after removing any leftovers) the bridge and the namespaces tswd<n> for each n. */
export async function namespacesUp(ns: number[]): Promise<void> {
  await namespacesDown(ns);
  await sh(`ip link add ${BRIDGE} type bridge && ip addr add ${NET}.254/24 dev ${BRIDGE} && ip link set ${BRIDGE} up
    # A FORWARD policy of DROP (dockerd sets it) must not stop the bridge between the namespaces.
    if command -v iptables >/dev/null; then iptables -C FORWARD -i ${BRIDGE} -o ${BRIDGE} -j ACCEPT 2>/dev/null || iptables -I FORWARD -i ${BRIDGE} -o ${BRIDGE} -j ACCEPT; fi`);
  for (const n of ns) {
    await sh(`ip netns add tswd${n} && ip link add tswd${n}v type veth peer name eth0 netns tswd${n}
      ip link set tswd${n}v master ${BRIDGE} up
      ip -n tswd${n} addr add ${nsAddr(n)}/24 dev eth0 && ip -n tswd${n} link set eth0 up && ip -n tswd${n} link set lo up`);
  }
}

/** Removes the namespaces, their veths, the bridge and its FORWARD rule (each only if present). */
export async function namespacesDown(ns: number[]): Promise<void> {
  for (const n of ns) await sh(`ip netns del tswd${n} 2>/dev/null; ip link del tswd${n}v 2>/dev/null; true`);
  await sh(`ip link del ${BRIDGE} 2>/dev/null; iptables -D FORWARD -i ${BRIDGE} -o ${BRIDGE} -j ACCEPT 2>/dev/null; true`);
}

/** Runs a command in namespace n; resolves with stdout (and stderr, the exit code) whatever the exit code. */
export async function inNs(n: number, argv: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('nsenter', [`--net=${nsPath(n)}`, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
  });
}

/** Starts a long-running process in namespace n (stopped with stopAll). */
export function startInNs(n: number, argv: string[], started: ChildProcess[]): ChildProcess {
  const c = spawn('nsenter', [`--net=${nsPath(n)}`, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(c);
  return c;
}

/** Kills the processes a test started, by their own pids. */
export function stopAll(started: ChildProcess[]): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  started.length = 0;
}
