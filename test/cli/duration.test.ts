import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/cli/commands/util.js';

// The CLI's duration flags read as Go's time.ParseDuration reads them, with its error messages.
test('durations as Go parses them, and Go\'s words for the bad ones', () => {
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('1.5h'), 5400e9);
  assert.equal(parseDuration('500ms'), 500e6);
  assert.equal(parseDuration('2us'), 2000);
  assert.equal(parseDuration('2µs'), 2000);
  assert.equal(parseDuration('.5s'), 500e6);
  assert.throws(() => parseDuration('1'), { message: 'time: missing unit in duration "1"' });
  assert.throws(() => parseDuration('00'), { message: 'time: missing unit in duration "00"' });
  assert.throws(() => parseDuration('1x'), { message: 'time: unknown unit "x" in duration "1x"' });
  assert.throws(() => parseDuration('soon'), { message: 'time: invalid duration "soon"' });
  assert.throws(() => parseDuration(''), { message: 'time: invalid duration ""' });
  assert.throws(() => parseDuration('1s.'), { message: 'time: invalid duration "1s."' });
});
