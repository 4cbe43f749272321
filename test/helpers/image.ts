import { mkdtemp, mkdir, copyFile, symlink, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './tswarmd.js';

export const TEST_IMAGE = 'tswarm-busybox:latest';
const APPLETS = ['sh', 'httpd', 'sleep', 'echo', 'cat', 'mkdir', 'hostname', 'true', 'false', 'ls', 'env', 'nc', 'wget'];

/** Imports a busybox image into the engine (no registry here): busybox-static plus the usual dirs. */
export async function ensureBusyboxImage(host: string): Promise<string> {
  const has = await run('docker', ['image', 'inspect', TEST_IMAGE], { DOCKER_HOST: host });
  if (has.code === 0) return TEST_IMAGE;
  const root = await mkdtemp(join(tmpdir(), 'tswarm-rootfs-'));
  for (const d of ['bin', 'tmp', 'etc', 'proc', 'sys', 'dev', 'www']) await mkdir(join(root, d));
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const a of APPLETS) await symlink('busybox', join(root, 'bin', a));
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const r = await run('sh', ['-c', `tar -C ${root} -c . | docker import - ${TEST_IMAGE}`], { DOCKER_HOST: host });
  await rm(root, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`docker import failed: ${r.stderr}`);
  return TEST_IMAGE;
}
