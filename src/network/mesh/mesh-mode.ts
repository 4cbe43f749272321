import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { TaskNetworks } from '../../agent/task-networks.js';
import { logger } from '../../log.js';
import { IngressMesh, removeStaleHostState } from './ingress-mesh.js';
import { nftInNamespace } from '../vip/nft.js';

const log = logger('mesh');

const answers = (cmd: string, args: string[]) => new Promise<boolean>((resolve) => {
  execFile(cmd, args, { timeout: 10_000 }, (err) => resolve(!err));
});

/** The ingress namespace hands frames on with netdev `fwd` (ruleset.ts l2Script): checked by the kernel, nothing committed, in a namespace of its own. */
const FWD_PROBE = 'ip link add tsprobe0 type veth peer name tsprobe1 && nft -c "add table netdev t; add chain netdev t c { type filter hook ingress device tsprobe0 priority 0; }; add rule netdev t c fwd to tsprobe1"';

/**
 * Which routing mesh this node runs: the kernel's (nftables DNAT over the
 * ingress overlay; tasks must be containers, which join the ingress
 * network, and the daemon root with nft and ip at hand), or else the
 * userspace proxy on the managers, over the tasks' reachable endpoints.
 * Said once at start, with the reason for the fallback.
 */
export async function chooseMeshMode(executor: string): Promise<'kernel' | 'userspace'> {
  let why: string | undefined;
  if (executor !== 'docker') why = `tasks of the ${executor} executor are not containers on the ingress network`;
  else if (process.getuid?.() !== 0) why = 'the daemon is not root';
  else if (!(await answers('nft', ['list', 'tables']))) why = 'nftables (nft) is missing or not usable here';
  else if (!(await answers('ip', ['-V']))) why = 'iproute2 (ip) is missing';
  else if (!(await answers('unshare', ['--net', 'sh', '-c', FWD_PROBE]))) why = 'nftables cannot forward at a device\'s ingress here (nft_fwd_netdev)';
  if (why) {
    log.warn(`routing mesh: the userspace proxy (on the managers) serves published ports, as ${why}`);
    return 'userspace';
  }
  log.info('routing mesh: nftables in the kernel on every node, over the ingress overlay');
  return 'kernel';
}

/** Adds the kernel routing mesh to the agent's task networks (before the agent starts), after clearing what a dead daemon left. */
export async function useKernelMesh(networks: TaskNetworks, o: { dataRoot: string; addr: string; nodeId: () => string | undefined }): Promise<IngressMesh> {
  const runner = networks.overlay.runner;
  const nft = (ns: string | undefined, script: string) => nftInNamespace(ns ?? runner.hostNetns ?? `/proc/${process.pid}/ns/net`, script);
  await removeStaleHostState(runner, nft, o.nodeId() ?? '').catch((err) => log.warn({ err: String(err) }, 'clearing stale routing mesh state failed'));
  const mesh = new IngressMesh({ root: join(o.dataRoot, 'agent', 'ingress'), localAddr: o.addr, nodeId: o.nodeId, runner, nft });
  networks.use(mesh);
  return mesh;
}
