import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSWARM_BIN, freePort, run, startTswarmd } from '../helpers/tswarmd.js';

/** openssl-made PKI: a CA, the daemon's certificate for 127.0.0.1, a client of that CA, and a client of another CA. */
async function makePki() {
  const dir = await mkdtemp(join(tmpdir(), 'tswarm-tls-'));
  const ssl = async (...args: string[]) => {
    const r = await run('openssl', args);
    assert.equal(r.code, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const p = (f: string) => join(dir, f);
  for (const ca of ['ca', 'rogue-ca']) {
    await ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p(`${ca}-key.pem`), '-out', p(`${ca}.pem`), '-days', '2', '-subj', `/CN=${ca}`);
  }
  await writeFile(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  const issue = async (name: string, ca: string, ext: string) => {
    await ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p(`${name}-key.pem`), '-out', p(`${name}.csr`), '-subj', `/CN=${name}`);
    await ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p(`${ca}.pem`), '-CAkey', p(`${ca}-key.pem`), '-CAcreateserial', '-out', p(`${name}-cert.pem`), '-days', '2', '-extfile', p(ext));
  };
  await issue('server', 'ca', 'server.ext');
  await issue('client', 'ca', 'client.ext');
  await issue('rogue', 'rogue-ca', 'client.ext');
  return p;
}

const dockerTcp = (port: number, ...args: string[]) => run('docker', ['-H', `tcp://127.0.0.1:${port}`, ...args], { DOCKER_HOST: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });

test('the Engine API on TCP: refused without TLS unless said so, TLS with client verification as dockerd', { timeout: 120_000 }, async (t) => {
  const p = await makePki();

  await t.test('tcp:// without TLS flags: the daemon refuses to start, with dockerd\'s words', async () => {
    const port = await freePort();
    const dataRoot = await mkdtemp(join(tmpdir(), 'tswarmd-'));
    const r = await run(process.execPath, [TSWARM_BIN, 'daemon', '--data-root', dataRoot, '--executor', 'sim', '--host', `tcp://127.0.0.1:${port}`], {}, 20_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network\./);
    assert.match(r.stderr, /--tls=false/);
    assert.equal((await dockerTcp(port, 'version')).code, 1, 'nothing listens');
  });

  await t.test('--tlsverify: clients need a certificate from the CA', async () => {
    const port = await freePort();
    const d = await startTswarmd({ executor: 'sim', extra: ['--host', `tcp://127.0.0.1:${port}`, '--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('server-cert.pem')}`, `--tlskey=${p('server-key.pem')}`] });
    t.after(() => d.stop('SIGKILL'));
    const ok = await dockerTcp(port, '--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('client-cert.pem')}`, `--tlskey=${p('client-key.pem')}`, 'version', '--format', '{{.Server.Os}}/{{.Server.Arch}}');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`);
    const init = await dockerTcp(port, '--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('client-cert.pem')}`, `--tlskey=${p('client-key.pem')}`, 'swarm', 'init', '--advertise-addr', '127.0.0.1');
    assert.equal(init.code, 0, init.stderr);
    // DOCKER_HOST/DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, as users set them (the CLI reads ca.pem, cert.pem, key.pem there).
    const certDir = await mkdtemp(join(tmpdir(), 'tswarm-cli-'));
    for (const [from, to] of [['ca.pem', 'ca.pem'], ['client-cert.pem', 'cert.pem'], ['client-key.pem', 'key.pem']]) {
      await writeFile(join(certDir, to), await (await import('node:fs/promises')).readFile(p(from)));
    }
    const env = await run('docker', ['node', 'ls', '--format', '{{.Self}}'], { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stdout.trim(), 'true');

    // The tswarm CLI: the same flags and environment, the same answers.
    const tswarmTcp = (...args: string[]) => run(process.execPath, [TSWARM_BIN, '-H', `tcp://127.0.0.1:${port}`, ...args], { DOCKER_HOST: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });
    const own = await tswarmTcp('--tlsverify', `--tlscacert=${p('ca.pem')}`, '--tlscert', p('client-cert.pem'), `--tlskey=${p('client-key.pem')}`, 'version', '--format', '{{.Server.Os}}/{{.Server.Arch}}');
    assert.deepEqual([own.code, own.stdout], [0, ok.stdout], own.stderr);
    const ownEnv = await run(process.execPath, [TSWARM_BIN, 'node', 'ls', '--format', '{{.Self}}'], { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir, TSWARM_HOST: '' });
    assert.deepEqual([ownEnv.code, ownEnv.stdout], [0, 'true\n'], ownEnv.stderr);
    for (const refused of [['--tlsverify', `--tlscacert=${p('ca.pem')}`], ['--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('rogue-cert.pem')}`, `--tlskey=${p('rogue-key.pem')}`],
      ['--tlsverify', `--tlscacert=${p('rogue-ca.pem')}`, `--tlscert=${p('client-cert.pem')}`, `--tlskey=${p('client-key.pem')}`], []]) {
      const r = await tswarmTcp(...refused, 'node', 'ls');
      assert.equal(r.code, 1, `tswarm ${refused.join(' ')} node ls: ${r.stdout}`);
      assert.match(r.stderr, /^Cannot connect to the tswarm daemon at tcp:\/\/127\.0\.0\.1:\d+\./);
    }
    assert.equal((await tswarmTcp('--tls=maybe', 'node', 'ls')).code, 125);

    const noCert = await dockerTcp(port, '--tlsverify', `--tlscacert=${p('ca.pem')}`, 'node', 'ls');
    assert.notEqual(noCert.code, 0, 'a client without a certificate is refused');
    assert.match(noCert.stderr, /tls: certificate required/);
    // The docker CLI offers only certificates of the CAs the server names; curl presents the other CA's anyway.
    const rogue = await dockerTcp(port, '--tlsverify', `--tlscacert=${p('ca.pem')}`, `--tlscert=${p('rogue-cert.pem')}`, `--tlskey=${p('rogue-key.pem')}`, 'node', 'ls');
    assert.notEqual(rogue.code, 0, 'a certificate of another CA is refused');
    const curl = (...a: string[]) => run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', p('ca.pem'), ...a, `https://127.0.0.1:${port}/v1.47/nodes`]);
    const rogueCurl = await curl('--cert', p('rogue-cert.pem'), '--key', p('rogue-key.pem'));
    assert.notEqual(rogueCurl.code, 0, 'curl with the other CA\'s certificate: the handshake fails');
    assert.equal(rogueCurl.stdout, '000');
    const goodCurl = await curl('--cert', p('client-cert.pem'), '--key', p('client-key.pem'));
    assert.equal(goodCurl.stdout, '200');
    const plain = await dockerTcp(port, 'node', 'ls');
    assert.notEqual(plain.code, 0, 'plain HTTP gets nothing');
    assert.equal((await curl()).stdout, '000', 'curl without a client certificate gets no answer');
  });

  await t.test('--tls without verification: TLS, any client; --tls=false: plain TCP, knowingly', async () => {
    const port = await freePort();
    const d = await startTswarmd({ executor: 'sim', extra: ['--host', `tcp://127.0.0.1:${port}`, '--tls', `--tlscert=${p('server-cert.pem')}`, `--tlskey=${p('server-key.pem')}`] });
    t.after(() => d.stop('SIGKILL'));
    const r = await dockerTcp(port, '--tls', `--tlscacert=${p('rogue-ca.pem')}`, 'version', '--format', '{{.Server.APIVersion}}');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.47');
    const own = await run(process.execPath, [TSWARM_BIN, '-H', `tcp://127.0.0.1:${port}`, '--tls', `--tlscacert=${p('rogue-ca.pem')}`, 'version', '--format', '{{.Server.APIVersion}}'], { DOCKER_HOST: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });
    assert.deepEqual([own.code, own.stdout], [0, '1.47\n'], own.stderr);
    const port2 = await freePort();
    const d2 = await startTswarmd({ executor: 'sim', extra: ['--host', `tcp://127.0.0.1:${port2}`, '--tls=false'] });
    t.after(() => d2.stop('SIGKILL'));
    const r2 = await dockerTcp(port2, 'version', '--format', '{{.Server.APIVersion}}');
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(d2.log(), /Binding to IP address without --tlsverify is insecure/);
  });
});
