import { statSync } from 'node:fs';
import { arch } from 'node:os';
import { fileURLToPath } from 'node:url';

/** tswarm's version: the daemon's /version and /info, and the CLI's own. */
export const VERSION = '0.1.0';

/** Go's GOARCH for this machine, as Docker's /version (and the docker CLI's client section) spell it. */
export function goArch(a: string = arch()): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' } as Record<string, string>)[a] ?? a;
}

/** The runtime in Go's runtime.Version() shape ("go1.24.3" there, "node20.19.2" here). */
export const runtimeVersion = () => `node${process.versions.node}`;

/** When this build was made (RFC 3339): this compiled file's time, as Docker reports its build's. */
export const BUILD_TIME: string = statSync(fileURLToPath(import.meta.url)).mtime.toISOString();
