import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonText } from '../../src/api/json-text.js';
import { deepFreeze } from '../../src/store/table.js';

test('a list is the same JSON as JSON.stringify gives, with frozen items serialized once', () => {
  const frozen = deepFreeze({ ID: 'a', Spec: { Name: 'x', Labels: { k: 'v"' } } });
  const live = { ID: 'b', n: 1 };
  const body = [frozen, live, frozen];
  assert.equal(jsonText(body), JSON.stringify(body));
  live.n = 2;
  assert.equal(jsonText(body), JSON.stringify(body), 'objects that may change are serialized each time');
  assert.equal(jsonText({ one: 1 }), '{"one":1}');
  assert.equal(jsonText([]), '[]');
});
