import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/tswarmd.js';

/** An openssl-made CA with certificates for 127.0.0.1 (server and client use), a client, and nothing for strangers. */
export async function makePki(): Promise<(f: string) => string> {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-classic-tls-'));
  const p = (f: string) => join(dir, f);
  const ssl = async (...args: string[]) => {
    const r = await run('openssl', args);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  await ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('ca-key.pem'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=classic-ca');
  // Managers and engines present one certificate both as servers and as clients (docker's swarm TLS guide does the same).
  await writeFile(p('node.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext] of [['node', 'node.ext'], ['client', 'client.ext']]) {
    await ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p(`${name}-key.pem`), '-out', p(`${name}.csr`), '-subj', `/CN=${name}`);
    await ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca-key.pem'), '-CAcreateserial', '-out', p(`${name}-cert.pem`), '-days', '2', '-extfile', p(ext));
  }
  return p;
}
