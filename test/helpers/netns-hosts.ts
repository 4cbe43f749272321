import { execFile } from 'node:child_process';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdUntilExit } from './process-lock.js';

const repo = resolvePath(fileURLToPath(import.meta.url), '../../../..');

/** A simulated host of scripts/netns-hosts.sh: its namespace, underlay address and Docker engine. */
export interface NetnsHost { name: string; ip: string; dockerHost: string; netns: string }

/** The overlay tests' own set of hosts (tswh1…, 10.77.0.0/24), started if needed (the script is idempotent). */
export const HOSTS_ENV = { TSWARM_HOSTS_NAME: 'tswh', TSWARM_HOSTS_NET: '10.77.0' };
/** The routing mesh tests' and bench's own set (tswm1…, 10.81.0.0/24). */
export const MESH_HOSTS_ENV = { TSWARM_HOSTS_NAME: 'tswm', TSWARM_HOSTS_NET: '10.81.0' };

/**
 * A set of simulated hosts belongs to one test file at a time (its engines,
 * namespaces and what its swarm leaves there are the file's: its after()
 * removes every task container on them). Sets of their own run side by side:
 * two swarms on two sets share nothing (overlay-multihost failing beside
 * overlay-encrypted was that test's own assumption about which host a
 * scale-down leaves a task on; fixed in the test).
 */
const setLock = (hostsEnv: Record<string, string>) => `/tmp/tswarm-test-netns-${hostsEnv.TSWARM_HOSTS_NAME ?? 'tswh'}.lock`;

/** hostsEnv: another set's TSWARM_HOSTS_NAME/TSWARM_HOSTS_NET (a test file of its own that must not share hosts). */
export async function netnsHosts(n: number, hostsEnv: Record<string, string> = HOSTS_ENV): Promise<NetnsHost[]> {
  await holdUntilExit(setLock(hostsEnv));
  return new Promise((resolve, reject) => {
    execFile('bash', [join(repo, 'scripts', 'netns-hosts.sh'), 'up', String(n)], { env: { ...process.env, ...hostsEnv }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`netns-hosts.sh up ${n} failed: ${stderr}`)); return; }
      resolve(stdout.trim().split('\n').map((l) => {
        const [name, ip, dockerHost] = l.split(' ');
        return { name, ip, dockerHost, netns: `/var/run/netns/${name}` };
      }));
    });
  });
}

/** Runs a command in a namespace (a path; undefined: this process's own), resolving with its output and exit code. */
export function inNetns(netns: string | undefined, argv: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const full = netns ? ['nsenter', `--net=${netns}`, ...argv] : argv;
  return new Promise((resolve) => {
    execFile(full[0], full.slice(1), { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** As inNetns, for a step that must work: a failure throws with the command and its stderr. */
export async function mustInNetns(netns: string | undefined, argv: string[]): Promise<string> {
  const r = await inNetns(netns, argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
