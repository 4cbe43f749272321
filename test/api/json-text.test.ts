import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonBytes } from '../../src/api/json-text.js';

const frozenList = (n: number, tag: string): { ID: string; Spec: { Name: string } }[] => Array.from({ length: n }, (_, i) => Object.freeze({ ID: `${tag}${i}`, Spec: Object.freeze({ Name: `n${i}` }) }));

test('a list of the same frozen objects reuses the reply bytes; a changed object gives new bytes', () => {
  const items = frozenList(100, 'a');
  const first = jsonBytes(items);
  assert.deepEqual(JSON.parse(first.toString()), items);
  assert.equal(jsonBytes(items.slice()), first, 'the same objects in a new array: the cached bytes');
  const changed = items.slice();
  changed[7] = Object.freeze({ ID: 'a7', Spec: Object.freeze({ Name: 'renamed' }) });
  const second = jsonBytes(changed);
  assert.notEqual(second, first);
  assert.equal(JSON.parse(second.toString())[7].Spec.Name, 'renamed');
  assert.equal(JSON.parse(jsonBytes(items).toString())[7].Spec.Name, 'n7', 'the earlier list is still answered with its own text');
});

test('objects that are not frozen (they may change) are serialized on every reply', () => {
  const items = Array.from({ length: 100 }, (_, i) => ({ ID: `m${i}` }));
  const first = jsonBytes(items);
  items[3].ID = 'changed';
  assert.equal(JSON.parse(jsonBytes(items).toString())[3].ID, 'changed');
  assert.notEqual(jsonBytes(items), first);
});
