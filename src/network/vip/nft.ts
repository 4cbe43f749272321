import { spawn } from 'node:child_process';
import { createLimit } from './limit.js';

/** nft processes running at once (a change to a network touches every namespace of its tasks on the host). */
const processes = createLimit(8);

/**
 * Runs an nftables script in the network namespace at netnsPath as one
 * atomic transaction (`nsenter --net=PATH nft -f -`): all of it applies or
 * none does.
 */
export function nftInNamespace(netnsPath: string, script: string): Promise<void> {
  return processes(() => runNft(netnsPath, script));
}

function runNft(netnsPath: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`nft in ${netnsPath} failed (exit ${code}): ${stderr.trim()}`));
    });
    child.stdin.on('error', () => { /* the exit code tells */ });
    child.stdin.end(script);
  });
}
