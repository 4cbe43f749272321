import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayMtu } from '../../../src/network/overlay/mtu.js';

const view = (MTU: string | undefined, Encrypted = false) => ({ MTU, Encrypted, Subnet: '10.0.16.0/24' });

test('the overlay MTU from com.docker.network.driver.mtu, as Docker 20.10 sizes it, and its errors on the node in Docker\'s words', () => {
  // Docker 20.10, measured: --opt com.docker.network.driver.mtu=1400 gives the task's overlay interface 1350.
  assert.equal(overlayMtu(view('1400')), 1350);
  assert.equal(overlayMtu(view(undefined)), 1450);
  assert.equal(overlayMtu(view('0')), 1450, '0: the default');
  assert.equal(overlayMtu(view('+9000')), 8950);
  assert.equal(overlayMtu(view(undefined, true)), 1408, 'encrypted: ESP\'s overhead too (as before the option)');
  assert.equal(overlayMtu(view('1400', true)), 1308);
  assert.equal(overlayMtu(view('1403', true)), 1308, 'encrypted: a multiple of 4, as Docker');
  // The messages Docker 20.10's tasks are rejected with (service ps --no-trunc on the reference engine).
  assert.throws(() => overlayMtu(view('abc')), { message: 'failed to parse abc: strconv.Atoi: parsing "abc": invalid syntax' });
  assert.throws(() => overlayMtu(view('14.5')), { message: 'failed to parse 14.5: strconv.Atoi: parsing "14.5": invalid syntax' });
  assert.throws(() => overlayMtu(view('-5')), { message: 'invalid MTU value: -5' });
  for (const bad of ['100', '100000']) {
    assert.throws(() => overlayMtu(view(bad)), { message: 'network sandbox join failed: subnet sandbox join failed for "10.0.16.0/24": error creating vxlan interface: invalid argument' }, bad);
  }
  assert.equal(overlayMtu(view('118')), 68, 'the smallest a VXLAN device takes');
});
