import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageWithDefaultTag } from '../../src/cli/image-ref.js';

// What docker CLI 28.2 sends for each (read from `docker stack deploy --resolve-image never` against a daemon); an
// upper-case name the CLI refuses before sending, the client library sends as written.
test('stack images are sent as the docker client sends them', () => {
  const cases: [string, string][] = [
    ['busybox', 'busybox:latest'], ['busybox:1', 'busybox:1'], ['docker.io/library/busybox', 'busybox:latest'],
    ['docker.io/user/app:2', 'user/app:2'], ['localhost:5000/app', 'localhost:5000/app:latest'], ['reg.example/a/b:c', 'reg.example/a/b:c'],
    ['busybox@sha256:' + 'a'.repeat(64), 'busybox@sha256:' + 'a'.repeat(64)], ['Busybox', 'Busybox'],
  ];
  for (const [given, sent] of cases) assert.equal(imageWithDefaultTag(given), sent, given);
});
