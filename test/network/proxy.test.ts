import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { PortProxy } from '../../src/network/proxy.js';
import { desiredPorts } from '../../src/network/ingress.js';
import type { Service, Task } from '../../src/types/objects.js';

function echoServer(name: string): Promise<Server> {
  const s = createServer((c) => c.end(name));
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}
const addr = (s: Server) => `127.0.0.1:${(s.address() as AddressInfo).port}`;
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    let out = '';
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

test('TCP connections are balanced over the backends in turn', async () => {
  const a = await echoServer('a');
  const b = await echoServer('b');
  const proxy = new PortProxy('127.0.0.1');
  const port = await freePort();
  await proxy.set(port, 'tcp', [addr(a), addr(b)]);
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(await ask(port));
  assert.deepEqual(seen.sort(), ['a', 'a', 'b', 'b']);
  await proxy.close();
  a.close(); b.close();
});

test('a refusing backend is skipped; backends follow set()', async () => {
  const a = await echoServer('a');
  const dead = await freePort();
  const proxy = new PortProxy('127.0.0.1');
  const port = await freePort();
  await proxy.set(port, 'tcp', [`127.0.0.1:${dead}`, addr(a)]);
  for (let i = 0; i < 3; i++) assert.equal(await ask(port), 'a');
  const b = await echoServer('b');
  await proxy.set(port, 'tcp', [addr(b)]);
  assert.equal(await ask(port), 'b');
  await proxy.remove(port, 'tcp');
  await assert.rejects(ask(port));
  await proxy.close();
  a.close(); b.close();
});

test('UDP datagrams reach a backend and replies come back', async () => {
  const backend = createSocket('udp4');
  backend.on('message', (m, r) => backend.send(Buffer.from(`pong:${m}`), r.port, r.address));
  await new Promise<void>((r) => backend.bind(0, '127.0.0.1', () => r()));
  const proxy = new PortProxy('127.0.0.1');
  const port = await freePort();
  await proxy.set(port, 'udp', [`127.0.0.1:${backend.address().port}`]);
  const client = createSocket('udp4');
  const reply = new Promise<string>((r) => client.once('message', (m) => r(String(m))));
  client.send('ping', port, '127.0.0.1');
  assert.equal(await reply, 'pong:ping');
  client.close(); backend.close();
  await proxy.close();
});

test('ingress backends are the running tasks of each published port', () => {
  const svc = {
    ID: 's', Spec: {}, Endpoint: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' },
      { Protocol: 'tcp', TargetPort: 81, PublishedPort: 9000, PublishMode: 'host' }] },
  } as unknown as Service;
  const t = (id: string, state: string, desired: string, a: string) => ({
    ID: id, ServiceID: 's', DesiredState: desired, Status: { State: state, Endpoints: [{ TargetPort: 80, Protocol: 'tcp', Addr: a }] },
  }) as unknown as Task;
  const m = desiredPorts([svc], () => [t('1', 'running', 'running', 'x:1'), t('2', 'starting', 'running', 'x:2'),
    t('3', 'running', 'shutdown', 'x:3'), t('4', 'running', 'running', 'x:4')]);
  assert.deepEqual([...m], [['8080/tcp', ['x:1', 'x:4']]]);
});
