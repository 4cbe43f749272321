import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { EspTunnel, type TunnelKey } from '../../../src/network/encryption/esp-tunnel.js';
import { freePort } from '../../helpers/tswarmd.js';

// Two ESP endpoints on loopback addresses (ports of their own): a VXLAN datagram handed to one comes out of the
// other's VXLAN port, whatever key of the ring the sender uses, and nothing else does.

const VNI = 4242;
const MAC_B = '02420a000903';
const ring = (tags: number[], keys: Map<number, Buffer>): TunnelKey[] => tags.map((tag) => {
  if (!keys.has(tag)) keys.set(tag, randomBytes(16));
  return { tag, key: keys.get(tag)! };
});

/** A VXLAN datagram (header + an Ethernet frame to `mac`). */
function vxlan(vni: number, mac: string, body: string): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUIntBE(vni, 4, 3);
  return Buffer.concat([h, Buffer.from(mac, 'hex'), Buffer.alloc(6), Buffer.from([0x08, 0x00]), Buffer.from(body)]);
}

async function udp(addr: string, port: number): Promise<{ s: dgram.Socket; next: (ms?: number) => Promise<Buffer | undefined> }> {
  const s = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  s.on('message', (m) => { const w = waiters.shift(); if (w) w(m); else got.push(m); });
  await new Promise<void>((r) => s.bind(port, addr, () => r()));
  const next = (ms = 500) => new Promise<Buffer | undefined>((resolve) => {
    const b = got.shift();
    if (b) { resolve(b); return; }
    const t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); resolve(undefined); }, ms);
    const w = (m: Buffer) => { clearTimeout(t); resolve(m); };
    waiters.push(w);
  });
  return { s, next };
}

test('a VXLAN datagram crosses two ESP endpoints in ESP, across a key rotation, and only from the right host and VNI', async () => {
  const esp = await freePort('127.0.0.2');
  const vx = await freePort('127.0.0.3');
  const a = new EspTunnel('127.0.0.2', { esp, vxlan: vx, inner: 0 });
  const b = new EspTunnel('127.0.0.3', { esp, vxlan: vx, inner: 0 });
  const keys = new Map<number, Buffer>();
  const sink = await udp('127.0.0.3', vx);
  const sender = dgram.createSocket('udp4');
  try {
    const innerA = await a.start();
    await b.start();
    // a's frames to MAC_B on VNI go to b; b knows a as the peer of VNI (for its own frames).
    a.setRoutes(new Map([[VNI, new Map([[MAC_B, '127.0.0.3']])]]));
    b.setRoutes(new Map([[VNI, new Map([['02420a000902', '127.0.0.2']])]]));
    a.setKeys(ring([1, 2, 3], keys), 2);
    b.setKeys(ring([1, 2, 3], keys), 2);
    const send = (m: Buffer) => new Promise<void>((r) => sender.send(m, innerA, '127.0.0.2', () => r()));
    await send(vxlan(VNI, MAC_B, 'one'));
    assert.deepEqual(await sink.next(), vxlan(VNI, MAC_B, 'one'), 'delivered to the VXLAN port as sent');
    assert.equal(a.states().filter((s) => s.dir === 'out').length, 1);
    assert.equal(b.states().filter((s) => s.dir === 'in').length, 3, 'b receives under each key of the ring');
    // Rotation: a moves first (its primary is now 3); b still holds 1, 2, 3, so nothing is lost.
    a.setKeys(ring([2, 3, 4], keys), 3);
    await send(vxlan(VNI, MAC_B, 'two'));
    assert.deepEqual(await sink.next(), vxlan(VNI, MAC_B, 'two'), 'the new primary is already known to b');
    b.setKeys(ring([2, 3, 4], keys), 3);
    await send(vxlan(VNI, MAC_B, 'three'));
    assert.deepEqual(await sink.next(), vxlan(VNI, MAC_B, 'three'));
    // Frames for a MAC or VNI with no encrypted route are dropped, not sent.
    const dropped = a.counters.dropped;
    await send(vxlan(VNI + 1, MAC_B, 'x'));
    await send(vxlan(VNI, '02420a0009ff', 'x'));
    assert.equal(await sink.next(300), undefined);
    assert.equal(a.counters.dropped, dropped + 2);
    // ESP that does not verify (replayed from another host, or garbage) is dropped by b.
    const bad = b.counters.dropped;
    const forged = dgram.createSocket('udp4');
    await new Promise<void>((r) => forged.bind(0, '127.0.0.4', () => r()));
    await new Promise<void>((r) => forged.send(randomBytes(80), esp, '127.0.0.3', () => r()));
    assert.equal(await sink.next(300), undefined);
    assert.equal(b.counters.dropped, bad + 1);
    forged.close();
    // Without keys a host sends nothing.
    a.setKeys([], undefined);
    await send(vxlan(VNI, MAC_B, 'four'));
    assert.equal(await sink.next(300), undefined);
  } finally {
    a.close();
    b.close();
    sink.s.close();
    sender.close();
  }
});
