import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ingressMtu } from '../../src/network/mesh/ingress-sandbox.js';
import type { IpRunner } from '../../src/network/overlay/ip-runner.js';

/** `ip -j addr show` of a namespace of its own with veths of 9000 and 1500 bytes and loopback. */
const addrs = JSON.parse(execFileSync('unshare', ['--net', 'sh', '-c',
  'ip link set lo up && ip link add big mtu 9000 type veth peer name big1 && ip addr add 10.9.9.1/24 dev big && ' +
  'ip link add std type veth peer name std1 && ip addr add 10.8.8.1/24 dev std && ip -j addr show'], { encoding: 'utf8' })) as unknown[];
const runner = { ipJson: async () => addrs } as unknown as IpRunner;

test('the ingress overlay\'s MTU is the host link\'s less VXLAN\'s 50 bytes; loopback or an unknown address: 1450', async () => {
  assert.equal(await ingressMtu(runner, '10.9.9.1'), 8950);
  assert.equal(await ingressMtu(runner, '10.8.8.1'), 1450);
  assert.equal(await ingressMtu(runner, '127.0.0.1'), 1450);
  assert.equal(await ingressMtu(runner, '10.7.7.7'), 1450);
  const failing = { ipJson: async () => { throw new Error('ip: not found'); } } as unknown as IpRunner;
  assert.equal(await ingressMtu(failing, '10.9.9.1'), 1450);
});
