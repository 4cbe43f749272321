import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { docker, eventually, freePort, run, startTswarmd } from '../helpers/tswarmd.js';

/** GET on the daemon's socket: status, headers and the raw body bytes. */
function rawGet(socket: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; encoding?: string; body: Buffer }>((res, rej) => {
    const r = request({ socketPath: socket, method: 'GET', path, headers }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => res({ status: resp.statusCode!, encoding: resp.headers['content-encoding'], body: Buffer.concat(chunks) }));
    });
    r.on('error', rej);
    r.end();
  });
}

test('large replies go in gzip to clients that ask (the docker CLI over TCP), plain to others', { timeout: 120_000 }, async () => {
  const port = await freePort();
  // 400 simulated nodes: GET /nodes is ~190 KB of JSON, over the 128 KiB from which replies are packed.
  const d = await startTswarmd({ executor: 'sim', extra: ['--sim-nodes', '400', '--host', `tcp://127.0.0.1:${port}`, '--tls=false'] });
  try {
    assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
    await eventually(async () => (await docker(d.host, 'node', 'ls', '-q')).stdout.trim().split('\n').length === 401, 60_000, '401 nodes');

    const plain = await rawGet(d.socket, '/v1.47/nodes', {});
    const packed = await rawGet(d.socket, '/v1.47/nodes', { 'Accept-Encoding': 'gzip' });
    assert.equal(plain.status, 200);
    assert.equal(plain.encoding, undefined, 'no gzip unless asked');
    assert.ok(plain.body.length > 128 * 1024, `${plain.body.length} bytes`);
    assert.equal(packed.encoding, 'gzip');
    assert.ok(packed.body.length < plain.body.length / 4, `${packed.body.length} vs ${plain.body.length} bytes`);
    assert.deepEqual(JSON.parse(gunzipSync(packed.body).toString()), JSON.parse(plain.body.toString()));

    const small = await rawGet(d.socket, '/v1.47/services', { 'Accept-Encoding': 'gzip' });
    assert.equal(small.encoding, undefined, 'a small reply stays plain');

    // The docker CLI over TCP asks for gzip (Go's client; over a unix socket it does not) and unpacks it.
    const tcp = await run('docker', ['-H', `tcp://127.0.0.1:${port}`, 'node', 'ls', '--format', '{{.Hostname}}'], { DOCKER_HOST: '', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });
    assert.equal(tcp.code, 0, tcp.stderr);
    const names = tcp.stdout.trim().split('\n');
    assert.equal(names.length, 401);
    assert.ok(names.includes('sim-0399'), names.slice(0, 3).join(','));
  } finally {
    await d.stop('SIGKILL');
  }
});
