import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendJson } from '../../src/api/http.js';
import { BULK_MIN_BYTES, bulkWritesDone } from '../../src/api/bulk-writer.js';

// Large plain replies leave through the bulk writer thread; what a client
// sees must be what the event loop would have written: the same bytes, then
// the connection ready for the next request.

const nodes = Array.from({ length: 5000 }, (_, i) => ({ ID: `n${i}`, Description: { Hostname: `sim-${String(i).padStart(4, '0')}` }, pad: 'x'.repeat(400) }));
const small = { ok: true };
let dir: string;
let socketPath: string;
let server: Server;
let busy = true;
const BLOCK_MS = 3000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulk-'));
  socketPath = join(dir, 'api.sock');
  server = createServer((req, res) => {
    sendJson(res, 200, req.url === '/small' ? small : nodes);
    if (req.url === '/big-then-block') {
      // The event loop blocked after the reply started; the marker says when it is free again.
      const t = Date.now();
      while (Date.now() - t < BLOCK_MS);
      writeFileSync(join(dir, 'unblocked'), '');
    }
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  // The event loop busy in 10 ms slices, as a manager converging many tasks.
  const slice = () => { const t = Date.now(); while (Date.now() - t < 10); if (busy) setImmediate(slice); };
  setImmediate(slice);
});

after(async () => {
  busy = false;
  await bulkWritesDone();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, agent: Agent, method = 'GET') {
  return new Promise<{ status: number; length: number; body: Buffer }>((res, rej) => {
    const r = request({ socketPath, path, agent, method }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => res({ status: resp.statusCode!, length: Number(resp.headers['content-length']), body: Buffer.concat(chunks) }));
    });
    r.on('error', rej);
    r.end();
  });
}

test('a large reply arrives whole, and the same connection serves the next requests', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const want = JSON.stringify(nodes);
  assert.ok(want.length > BULK_MIN_BYTES * 4, `${want.length} bytes`);
  for (let i = 0; i < 3; i++) {
    const big = await get('/big', agent);
    assert.equal(big.status, 200);
    assert.equal(big.length, Buffer.byteLength(want));
    assert.equal(big.body.toString(), want);
    const s = await get('/small', agent);
    assert.deepEqual(JSON.parse(s.body.toString()), small);
  }
  const sockets = Object.values(agent.freeSockets).flat().length;
  assert.equal(sockets, 1, 'one keep-alive connection for all six requests');
  agent.destroy();
});

test('HEAD of a large reply has its length and no body', async () => {
  const agent = new Agent({ keepAlive: false });
  const head = await get('/big', agent, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.length, Buffer.byteLength(JSON.stringify(nodes)));
  assert.equal(head.body.length, 0);
});

test('a client that hangs up in the middle of a large reply leaves the server serving others', async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((res, rej) => {
      const c = connect(socketPath, () => c.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = 0;
      c.on('data', (d: Buffer) => { got += d.length; if (got > 300_000) c.destroy(); });
      c.on('close', () => res());
      c.on('error', rej);
    });
  }
  await bulkWritesDone();
  const agent = new Agent({ keepAlive: false });
  const big = await get('/big', agent);
  assert.equal(big.body.toString(), JSON.stringify(nodes));
});

test('the body is written while the event loop is blocked (by the writer thread, not the loop)', async () => {
  // A client in another process notes, when the last byte arrives, whether the server's loop was free again.
  const js = `const http=require('http'),fs=require('fs');` +
    `http.get({socketPath:process.argv[1],path:'/big-then-block'},(r)=>{let n=0;const want=Number(r.headers['content-length']);` +
    `r.on('data',(c)=>{n+=c.length;if(n===want){console.log(JSON.stringify({n,unblocked:fs.existsSync(process.argv[2])}));process.exit(0);}});})`;
  const out = await promisify(execFile)(process.execPath, ['-e', js, socketPath, join(dir, 'unblocked')]);
  const seen = JSON.parse(out.stdout) as { n: number; unblocked: boolean };
  assert.equal(seen.n, Buffer.byteLength(JSON.stringify(nodes)));
  assert.equal(seen.unblocked, false, 'the last byte came only after the event loop was free');
});

test('a client that half-closes after its request gets the whole reply (the server ends the connection after it)', async () => {
  const raw = await new Promise<Buffer>((res, rej) => {
    const c = connect(socketPath, () => c.end('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('close', () => res(Buffer.concat(chunks)));
    c.on('error', rej);
  });
  const end = raw.indexOf('\r\n\r\n');
  assert.equal(raw.subarray(end + 4).toString(), JSON.stringify(nodes));
});

test('pipelined requests on one connection get their replies whole and in order', async () => {
  const raw = await new Promise<Buffer>((res, rej) => {
    const c = connect(socketPath, () => c.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('close', () => res(Buffer.concat(chunks)));
    c.on('error', rej);
  });
  const bodies: string[] = [];
  for (let at = 0; at < raw.length;) {
    const end = raw.indexOf('\r\n\r\n', at);
    assert.ok(end > 0, 'a reply head');
    const length = Number(/content-length: (\d+)/i.exec(raw.subarray(at, end).toString())![1]);
    bodies.push(raw.subarray(end + 4, end + 4 + length).toString());
    at = end + 4 + length;
  }
  assert.deepEqual(bodies, [JSON.stringify(nodes), JSON.stringify(small), JSON.stringify(nodes)]);
});
