import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContainerConfig, type CreateBody } from '../../src/classic/scheduler/container-config.js';
import { exprMatch, parseExprs } from '../../src/classic/scheduler/expr.js';
import { FILTERS, applyFilters, filtersByName } from '../../src/classic/scheduler/filters.js';
import type { SchedNode } from '../../src/classic/scheduler/node.js';
import { Scheduler } from '../../src/classic/scheduler/scheduler.js';
import { strategyByName } from '../../src/classic/scheduler/strategies.js';

const node = (name: string, o: Partial<SchedNode> = {}): SchedNode => ({
  engine: undefined as never, id: `${name}-id`, name, labels: {}, containers: [], images: [],
  usedMemory: 0, usedCpus: 0, totalMemory: 1000, totalCpus: 4, healthIndicator: 100, ...o,
});
const ctr = (id: string, name: string, labels: Record<string, string> = {}) => ({
  id, names: [name], labels, networkMode: 'default', exposedPorts: [], portBindings: {}, publishedPorts: {},
});

test('expressions as classic Swarm parses and matches them', () => {
  assert.deepEqual(parseExprs(['storage==ssd', 'node!=/n[12]/', 'zone==~west']), [
    { key: 'storage', operator: 0, value: 'ssd', isSoft: false },
    { key: 'node', operator: 1, value: '/n[12]/', isSoft: false },
    { key: 'zone', operator: 0, value: 'west', isSoft: true },
  ]);
  assert.throws(() => parseExprs(['storage']), /^Error: One of operator ==, != is expected$/);
  assert.throws(() => parseExprs(['1x==y']), /^Error: Key '1x' is invalid$/);
  assert.throws(() => parseExprs(['key==a;b']), /^Error: Value 'a;b' is invalid$/);
  assert.throws(() => parseExprs(['k==a']), /^Error: Key 'k' is invalid$/, 'keys have two characters at least');
  const [glob, re, ne] = parseExprs(['name==web*', 'name==/^db-[0-9]+$/', 'name!=web*']);
  assert.ok(exprMatch(glob, 'api', 'web-1') && !exprMatch(glob, 'api'));
  assert.ok(exprMatch(re, 'db-12') && !exprMatch(re, 'db-x'));
  assert.ok(exprMatch(ne, 'api') && !exprMatch(ne, 'web2'));
});

test('scheduling keys leave the environment for com.docker.swarm.* labels (Go JSON)', () => {
  const b: CreateBody = { Env: ['A=1', 'constraint:storage==ssd', 'affinity:container!=<web>', 'reschedule:on-node-failure', 'B=x:y'], Labels: { keep: '1' } };
  buildContainerConfig(b);
  assert.deepEqual(b.Env, ['A=1', 'B=x:y']);
  assert.deepEqual(b.Labels, {
    keep: '1', 'com.docker.swarm.constraints': '["storage==ssd"]', 'com.docker.swarm.affinities': '["container!=\\u003cweb\\u003e"]',
    'com.docker.swarm.reschedule-policies': '["on-node-failure"]',
  });
});

test('spread takes the emptiest node, binpack the fullest that fits, both by reserved resources first', () => {
  const nodes = [node('a', { containers: [ctr('1', 'x')] }), node('b'), node('c', { containers: [ctr('2', 'y'), ctr('3', 'z')] })];
  const cfg: CreateBody = {};
  assert.deepEqual(strategyByName('spread').rank(cfg, nodes).map((n) => n.name), ['b', 'a', 'c']);
  assert.deepEqual(strategyByName('binpack').rank(cfg, nodes).map((n) => n.name), ['c', 'a', 'b']);
  const mem: CreateBody = { HostConfig: { Memory: 600 } };
  const used = [node('a', { usedMemory: 500 }), node('b')];
  assert.deepEqual(strategyByName('binpack').rank(mem, used).map((n) => n.name), ['b'], 'a cannot hold 600 more');
  assert.throws(() => strategyByName('spread').rank({ HostConfig: { Memory: 5000 } }, used), /no resources available to schedule container/);
  assert.equal(strategyByName('binpacking').name, 'binpack');
  assert.throws(() => strategyByName('fastest'), /strategy not supported/);
  assert.throws(() => filtersByName(['health', 'magic']), /filter not supported/);
});

test('nothing fits: classic Swarm\'s message lists the conditions up to the filter that failed', () => {
  const nodes = [node('a', { labels: { storage: 'disk' } }), node('b', { healthIndicator: 0 })];
  const cfg = buildContainerConfig({ Env: ['constraint:storage==ssd', 'affinity:image==~redis'], HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } });
  assert.throws(() => applyFilters(FILTERS, cfg, nodes, true),
    (e: Error) => e.message === 'Unable to find a node that satisfies the following conditions \n[port 8080 (Bridge mode)]\n[available container slots]\n[image==redis (soft=true)]');
  assert.throws(() => new Scheduler(strategyByName('spread'), FILTERS).select(nodes, cfg),
    (e: Error) => e.message === 'Unable to find a node that satisfies the following conditions \n[port 8080 (Bridge mode)]\n[available container slots]\n[image==redis (soft=true)]\n[storage==ssd]');
  assert.throws(() => applyFilters(FILTERS, {}, [node('x', { healthIndicator: 0 })], true), /^Error: No healthy node available in the cluster$/);
});
