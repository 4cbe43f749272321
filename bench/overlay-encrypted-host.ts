/**
 * One host's overlay data plane for bench/overlay-encrypted, run inside the
 * host's namespace (nsenter) so its ESP endpoint's sockets are the host's:
 * it installs the keys and views it is given, joins each task namespace to
 * its network, prints "ready", and removes everything on SIGTERM.
 *   node overlay-encrypted-host.js SPEC.json
 * SPEC: { root, localAddr, nodeId, keys, views, tasks: [{ id, netns, networkId, addr }] }
 */
import { readFile } from 'node:fs/promises';
import { OverlayHost } from '../src/network/overlay/overlay-host.js';
import type { EncryptionKey } from '../src/types/network-keys.js';
import type { NetworkView } from '../src/types/network-view.js';
import type { Task } from '../src/types/objects.js';

interface Spec { root: string; localAddr: string; nodeId: string; keys: EncryptionKey[]; views: NetworkView[]; tasks: { id: string; netns: string; networkId: string; addr: string }[] }

async function main() {
  const spec = JSON.parse(await readFile(process.argv[2], 'utf8')) as Spec;
  const host = new OverlayHost({ root: spec.root, localAddr: spec.localAddr, nodeId: () => spec.nodeId });
  await host.setKeys(spec.keys);
  for (const v of spec.views) await host.setView(v);
  for (const t of spec.tasks) {
    const task = { ID: t.id, NetworksAttachments: [{ Network: { ID: t.networkId, Spec: { Name: t.networkId } }, Addresses: [`${t.addr}/24`] }] } as unknown as Task;
    await host.attach(task, t.netns);
  }
  console.log('ready');
  const stop = () => { host.removeAll().finally(() => process.exit(0)).catch(() => undefined); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setInterval(() => undefined, 1 << 30);
}

main().catch((err) => { console.error(err); process.exit(1); });
