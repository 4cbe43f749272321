import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBody } from '../../src/api/json/decode.js';
import { parseJson } from '../../src/api/json/parse.js';
import { parseFilters } from '../../src/api/http.js';
import { nodeSpec, serviceSpec, swarmInitRequest, swarmSpec } from '../../src/types/schema.js';
import type { ServiceSpec } from '../../src/types/objects.js';

const decode = (schema: Parameters<typeof decodeBody>[0], text: string | Buffer) =>
  decodeBody<any>(schema, Buffer.isBuffer(text) ? text : Buffer.from(text));
const refusal = (schema: Parameters<typeof decodeBody>[0], text: string) => {
  try { decode(schema, text); } catch (e) { return { status: (e as { status: number }).status, message: (e as Error).message }; }
  return undefined;
};

// The messages below are those Docker 20.10's engine answered to the same bodies (recorded by hand; the
// invalid-input integration test compares with a live engine).
test('wrong JSON types are refused with Go\'s message, naming the innermost struct and the full path', () => {
  const cases: [string, string][] = [
    ['{"Mode":{"Replicated":{"Replicas":"2"}}}', 'json: cannot unmarshal string into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64'],
    ['{"Mode":{"Replicated":{"Replicas":-1}}}', 'json: cannot unmarshal number -1 into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64'],
    ['{"Mode":{"Replicated":{"Replicas":1.0}}}', 'json: cannot unmarshal number 1.0 into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64'],
    ['{"Mode":{"Replicated":{"Replicas":1e2}}}', 'json: cannot unmarshal number 1e2 into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64'],
    ['{"Mode":{"Replicated":{"Replicas":true}}}', 'json: cannot unmarshal bool into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64'],
    ['{"Mode":{"Replicated":[1]}}', 'json: cannot unmarshal array into Go struct field ServiceMode.Mode.Replicated of type swarm.ReplicatedService'],
    ['{"Mode":"x"}', 'json: cannot unmarshal string into Go struct field ServiceSpec.Mode of type swarm.ServiceMode'],
    ['{"Name":5}', 'json: cannot unmarshal number into Go struct field ServiceSpec.Name of type string'],
    ['{"Labels":[]}', 'json: cannot unmarshal array into Go struct field ServiceSpec.Labels of type map[string]string'],
    ['{"TaskTemplate":{"ContainerSpec":{"Mounts":[{"Target":5}]}}}', 'json: cannot unmarshal number into Go struct field Mount.TaskTemplate.ContainerSpec.Mounts.Target of type string'],
    ['{"TaskTemplate":{"ContainerSpec":{"StopGracePeriod":"1s"}}}', 'json: cannot unmarshal string into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.StopGracePeriod of type time.Duration'],
    ['{"TaskTemplate":{"ContainerSpec":{"Env":"A"}}}', 'json: cannot unmarshal string into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.Env of type []string'],
    ['{"TaskTemplate":{"ContainerSpec":{"Labels":{"a":1}}}}', 'json: cannot unmarshal number into Go struct field ContainerSpec.TaskTemplate.ContainerSpec.Labels of type string'],
    ['{"TaskTemplate":{"ContainerSpec":{"Healthcheck":{"Retries":"a"}}}}', 'json: cannot unmarshal string into Go struct field HealthConfig.TaskTemplate.ContainerSpec.Healthcheck.Retries of type int'],
    ['{"UpdateConfig":{"MaxFailureRatio":1e100}}', 'json: cannot unmarshal number 1e100 into Go struct field UpdateConfig.UpdateConfig.MaxFailureRatio of type float32'],
    ['[]', 'json: cannot unmarshal array into Go value of type swarm.ServiceSpec'],
    // Go reports the first type error in document order.
    ['{"Mode":{"Replicated":{"Replicas":"x"}},"Name":7}', 'json: cannot unmarshal string into Go struct field ReplicatedService.Mode.Replicated.Replicas of type uint64'],
  ];
  for (const [body, message] of cases) assert.deepEqual(refusal(serviceSpec, body), { status: 400, message }, body);
  assert.equal(refusal(nodeSpec, '{"Role":5}')?.message, 'json: cannot unmarshal number into Go struct field NodeSpec.Role of type swarm.NodeRole');
  assert.equal(refusal(swarmSpec, '{"Raft":{"ElectionTick":"x"}}')?.message, 'json: cannot unmarshal string into Go struct field RaftConfig.Raft.ElectionTick of type int');
});

test('syntax errors carry Go\'s scanner text; an empty body is Docker\'s EOF message', () => {
  const cases: [string, string][] = [
    ['{"Name":"x",', 'unexpected EOF'],
    ['', 'got EOF while reading request body'],
    ['   \n', 'got EOF while reading request body'],
    ['{"Name":"x" "a"}', 'invalid character \'"\' after object key:value pair'],
    ['{"Name":"x\\q"}', 'invalid character \'q\' in string escape code'],
    ['{"Name":tru}', 'invalid character \'}\' in literal true (expecting \'e\')'],
    ['{"Name":-}', 'invalid character \'}\' in numeric literal'],
    ['{"Name":"x"]', 'invalid character \']\' after object key:value pair'],
    ['{"Name":"x\u0001"}', 'invalid character \'\\x01\' in string literal'],
    ['{"Name":"x",}', 'invalid character \'}\' looking for beginning of object key string'],
    ['{"Name" 1}', 'invalid character \'1\' after object key'],
    ['[1 2]', 'invalid character \'2\' after array element'],
    ['{"a":1.}', 'invalid character \'}\' after decimal point in numeric literal'],
    ['{"a":1e}', 'invalid character \'}\' in exponent of numeric literal'],
    ['{"a":"\\u12x4"}', 'invalid character \'x\' in \\u hexadecimal character escape'],
    ['x', 'invalid character \'x\' looking for beginning of value'],
  ];
  for (const [body, message] of cases) assert.deepEqual(refusal(serviceSpec, body), { status: 400, message }, body);
  // Like Go's Decoder, what follows the first value is not read.
  assert.equal(decode(serviceSpec, '{"Name":"x"} trailing').Name, 'x');
});

test('keys match the API\'s field names exactly first, then without regard to case; unknown keys are dropped', () => {
  const s = decode(serviceSpec, JSON.stringify({
    name: 'web', LABELS: { Keep: 'Case' },
    taskTemplate: { containerspec: { image: 'busybox', ENV: ['A=1'], healthcheck: { retries: 3 } }, restartPolicy: { condition: 'none' } },
    mode: { replicated: { Replicas: 2 } }, endpointspec: { ports: [{ targetport: 80, PUBLISHEDPORT: 8080 }] },
    Unknown: { deep: [1, 'x'] }, bogus: 'string where nothing is',
  })) as ServiceSpec;
  assert.deepEqual(s, {
    Name: 'web', Labels: { Keep: 'Case' },
    TaskTemplate: { ContainerSpec: { Image: 'busybox', Env: ['A=1'], HealthCheck: { Retries: 3 } }, RestartPolicy: { Condition: 'none' } },
    Mode: { Replicated: { Replicas: 2 } }, EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] },
  });
  assert.deepEqual(decode(nodeSpec, '{"availability":"drain","ROLE":"worker","labels":{"a":"b"}}'), { Availability: 'drain', Role: 'worker', Labels: { a: 'b' } });
  assert.deepEqual(decode(swarmSpec, '{"orchestration":{"taskhistoryretentionlimit":3},"encryptionconfig":{"autolockmanagers":true}}'),
    { Orchestration: { TaskHistoryRetentionLimit: 3 }, EncryptionConfig: { AutoLockManagers: true } });
  assert.deepEqual(decode(swarmInitRequest, '{"listenaddr":"0.0.0.0:2377","spec":{"raft":{"snapshotinterval":5}}}'),
    { ListenAddr: '0.0.0.0:2377', Spec: { Raft: { SnapshotInterval: 5 } } });
});

test('duplicate keys merge as in Go: objects merge, plain values are replaced, null clears pointers only', () => {
  assert.deepEqual(decode(serviceSpec, '{"Mode":{"Replicated":{"Replicas":2}},"mode":{"Global":{}}}').Mode, { Replicated: { Replicas: 2 }, Global: {} });
  assert.equal(decode(serviceSpec, '{"Name":"a","name":"b"}').Name, 'b');
  assert.equal(decode(serviceSpec, '{"Name":"a","name":null}').Name, 'a');
  assert.equal(decode(serviceSpec, '{"UpdateConfig":{"Parallelism":2},"UpdateConfig":null}').UpdateConfig, undefined);
});

test('UTF-8 survives whatever way the body was cut, and escapes decode as in Go', () => {
  const text = JSON.stringify({ Name: 'x', Labels: { note: 'héllo — 日本 🚀' } });
  const bytes = Buffer.from(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const whole = Buffer.concat([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.equal(decode(serviceSpec, whole).Labels.note, 'héllo — 日本 🚀');
  }
  assert.equal(decode(serviceSpec, '{"Name":"\\u00e9\\ud83d\\ude80\\ud800x\\\\u0041"}').Name, 'é🚀\ufffdx\\u0041');
});

test('filters decode as Docker\'s filters.FromJSON, both forms, with Go\'s errors', () => {
  const q = (f: string) => new URLSearchParams({ filters: f });
  assert.deepEqual(parseFilters(q('{"name":{"web":true,"x":false}}')), { name: ['web'] });
  assert.deepEqual(parseFilters(q('{"name":["web"]}')), { name: ['web'] });
  assert.throws(() => parseFilters(q('xx')), { message: "invalid character 'x' looking for beginning of value" });
  assert.throws(() => parseFilters(q('{"name":"a"}')), { message: 'json: cannot unmarshal string into Go value of type map[string]bool' });
  assert.throws(() => parseFilters(q('{"a":1} x')), { message: "invalid character 'x' after top-level value" });
  assert.throws(() => parseFilters(q('{"a":')), { message: 'unexpected end of JSON input' });
});

test('nesting deeper than Go allows is refused, not a stack overflow', () => {
  assert.throws(() => parseJson(Buffer.from('['.repeat(20000))), /exceeded max depth/);
});

test('a label called __proto__ is a label like any other', () => {
  const s = decode(serviceSpec, '{"Labels":{"__proto__":"x","a":"b"}}');
  assert.deepEqual(Object.keys(s.Labels), ['__proto__', 'a']);
  assert.equal(JSON.stringify(s.Labels), '{"__proto__":"x","a":"b"}');
});
