/**
 * The CLI's TLS to the daemon, as the docker CLI sets it up (cli/flags
 * options.go): `--tlsverify` (default: DOCKER_TLS_VERIFY set) verifies the
 * daemon against `--tlscacert` and implies `--tls`; `--tls` alone encrypts
 * without verifying; the files default to ca.pem, cert.pem and key.pem in
 * DOCKER_CERT_PATH (else ~/.docker), and a default client certificate that
 * is not there is simply not offered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface TlsFlags { tls?: boolean; tlsverify?: boolean; tlscacert?: string; tlscert?: string; tlskey?: string }
export interface ClientTls { ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean }

const read = (what: string, path: string) => {
  try { return readFileSync(path); } catch (e) { throw new Error(`Could not read ${what} "${path}": ${(e as Error).message}`); }
};

/** The TLS settings the flags and the environment ask for; undefined: plain HTTP. */
export function resolveTls(f: TlsFlags, env: NodeJS.ProcessEnv = process.env): ClientTls | undefined {
  const verify = f.tlsverify ?? Boolean(env.DOCKER_TLS_VERIFY);
  // Naming --tlsverify at all, even =false, turns TLS on (docker's SetDefaultOptions).
  if (!(f.tls || verify || f.tlsverify !== undefined)) return undefined;
  const dir = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
  const ca = f.tlscacert ?? join(dir, 'ca.pem');
  const cert = f.tlscert ?? (existsSync(join(dir, 'cert.pem')) ? join(dir, 'cert.pem') : undefined);
  const key = f.tlskey ?? (existsSync(join(dir, 'key.pem')) ? join(dir, 'key.pem') : undefined);
  return {
    verify,
    // Without verification the CA is not needed; a default one that is not there is not an error then.
    ...(verify || f.tlscacert || existsSync(ca) ? { ca: read('CA certificate', ca) } : {}),
    ...(cert ? { cert: read('client certificate', cert) } : {}),
    ...(key ? { key: read('client key', key) } : {}),
  };
}
