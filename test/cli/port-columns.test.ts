import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servicePortsColumn, taskErrorColumn, taskPortsColumn } from '../../src/cli/commands/port-columns.js';
import type { PortConfig } from '../../src/types/objects.js';

const port = (pub: number, target: number, extra: Partial<PortConfig> = {}): PortConfig => ({ Protocol: 'tcp', PublishedPort: pub, TargetPort: target, PublishMode: 'ingress', ...extra });

test('service ls PORTS: mesh ports only, by protocol then port, consecutive ones as ranges (docker CLI formatter)', () => {
  assert.equal(servicePortsColumn(undefined), '');
  assert.equal(servicePortsColumn([port(8080, 80)]), '*:8080->80/tcp');
  assert.equal(servicePortsColumn([port(8081, 81), port(8080, 80)]), '*:8080-8081->80-81/tcp');
  assert.equal(servicePortsColumn([port(8080, 80), port(9000, 90, { PublishMode: 'host' })]), '*:8080->80/tcp');
  assert.equal(servicePortsColumn([port(53, 53, { Protocol: 'udp' }), port(8080, 80)]), '*:8080->80/tcp, *:53->53/udp');
  assert.equal(servicePortsColumn([port(8080, 80), port(8082, 82)]), '*:8080->80/tcp, *:8082->82/tcp');
  // a range's targets would overlap: a new range
  assert.equal(servicePortsColumn([port(8080, 80), port(8081, 81), port(8082, 80)]), '*:8080-8081->80-81/tcp, *:8082->80/tcp');
  // one published port after another onto the same target: joined (the target is not past the single port's)
  assert.equal(servicePortsColumn([port(8080, 80), port(8081, 80)]), '*:8080-8081->80/tcp');
});

test('service ps PORTS and ERROR as docker: every port joined by a comma; the error quoted, cut to 30 columns', () => {
  assert.equal(taskPortsColumn([port(9000, 90, { PublishMode: 'host' }), port(9001, 91, { PublishMode: 'host' })]), '*:9000->90/tcp,*:9001->91/tcp');
  assert.equal(taskErrorColumn(undefined, true), '');
  assert.equal(taskErrorColumn('short', true), '"short"');
  assert.equal(taskErrorColumn('x'.repeat(30), true), `"${'x'.repeat(30)}"`);
  assert.equal(taskErrorColumn('task: non-zero exit (1): something long', true), '"task: non-zero exit (1): some…"');
  assert.equal(taskErrorColumn('task: non-zero exit (1): something long', false), '"task: non-zero exit (1): something long"');
});
