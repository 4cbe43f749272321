import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, formatInspect, formatRows, goJson, render } from '../../src/cli/format.js';
import { decode } from '../../src/format/decode.js';
import { SERVICE } from '../../src/format/dockertypes.js';
import { DOCKER_FUNCS } from '../../src/format/funcs.js';
import { Template } from '../../src/format/template.js';
import { NODE_JSON, SERVICE_INSPECT_DEFAULT, SERVICE_JSON } from './template-fixtures.js';

// Expected strings below are what the docker 28.2 binary printed for the same objects.

function inspect(list: unknown[], format: string | undefined, type = 'swarm.Service'): { stdout: string; error?: string } {
  let stdout = '';
  try { formatInspect(list, format, type, (s) => { stdout += s; }); } catch (e) {
    assert.ok(e instanceof FormatError, String(e));
    return { stdout, error: e.message };
  }
  return { stdout };
}

test('inspect without --format prints the typed struct as indented JSON (fields, order, omitempty as Go)', () => {
  assert.equal(inspect([SERVICE_JSON], undefined).stdout, SERVICE_INSPECT_DEFAULT);
  assert.equal(inspect([], undefined).stdout, '[]\n');
});

test('inspect --format json is compact JSON of the typed structs', () => {
  assert.equal(inspect([NODE_JSON], 'json', 'swarm.Node').stdout,
    '[{"ID":"ckaf2omb2fdm4rgfb6zb8158u","Version":{"Index":2},"CreatedAt":"2026-11-23T09:46:33.357Z","UpdatedAt":"2026-11-23T09:46:33.393Z","Spec":{"Labels":{},"Role":"manager","Availability":"active"},"Description":{"Hostname":"vm","Platform":{"Architecture":"x86_64","OS":"linux"},"Resources":{"NanoCPUs":4000000000,"MemoryBytes":8589934592},"Engine":{"EngineVersion":"tswarm-sim"},"TLSInfo":{}},"Status":{"State":"ready","Addr":"127.0.0.1"},"ManagerStatus":{"Leader":true,"Reachability":"reachable","Addr":"127.0.0.1:23977"}}]\n');
});

test('typed fields print as Go prints them: Stringers, durations, times, pointers followed', () => {
  assert.equal(inspect([SERVICE_JSON], '{{.Version}} {{.CreatedAt}} {{.Spec.Mode.Replicated.Replicas}}').stdout, '4 2026-11-23 09:46:33.443 +0000 UTC 2\n');
  assert.equal(inspect([SERVICE_JSON], '{{.Spec.TaskTemplate.ContainerSpec.StopGracePeriod}} {{.Spec.UpdateConfig}}').stdout, '10s {1 0s pause 5s 0 stop-first}\n');
  assert.equal(inspect([SERVICE_JSON], '{{json .Spec.TaskTemplate}}').stdout,
    '{"ContainerSpec":{"Image":"busybox:latest","Args":["sleep","100"],"Env":["FOO=bar"],"Init":false,"StopGracePeriod":10000000000,"DNSConfig":{}},"Resources":{"Limits":{},"Reservations":{}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{},"ForceUpdate":0,"Runtime":"container"}\n');
  assert.equal(inspect([SERVICE_JSON], '{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}};{{end}} {{len .Spec.Labels}} {{.Spec.Labels.zz}}|{{index .Spec.Labels "zz"}}|').stdout, 'a=1;b=two; 2 <no value>||\n');
  assert.equal(inspect([SERVICE_JSON], '{{.CreatedAt.Format "2006-01-02T15:04"}} {{.CreatedAt.Month}} {{.Spec.TaskTemplate.RestartPolicy.Delay.Seconds}}').stdout, '2026-11-23T09:46 November 5\n');
  assert.equal(inspect([SERVICE_JSON], '{{printf "%T %T %T" .Spec.Mode .Version .Spec.Labels}}').stdout, 'swarm.ServiceMode swarm.Version map[string]string\n');
  assert.equal(inspect([SERVICE_JSON], '{{with .UpdateStatus}}x{{else with .Spec.Name}}{{.}}{{end}} {{.Endpoint.Ports}}').stdout, 'web [{ tcp 80 18080 ingress}]\n');
});

test('inspect errors: Go type names, stdout gets a lone newline, exit status 1', () => {
  assert.deepEqual(inspect([SERVICE_JSON], '{{.Spec.Foo}}'), {
    stdout: '\n', error: 'template parsing error: template: :1:7: executing "" at <.Spec.Foo>: can\'t evaluate field Foo in type swarm.ServiceSpec',
  });
  assert.deepEqual(inspect([SERVICE_JSON], '{{if eq .Spec.Mode.Replicated.Replicas 2}}two{{end}}'), {
    stdout: '\n', error: 'template parsing error: template: :1:5: executing "" at <eq .Spec.Mode.Replicated.Replicas 2>: error calling eq: incompatible types for comparison',
  });
  assert.deepEqual(inspect([NODE_JSON], '{{.Status.State}} {{upper .Status.State}}', 'swarm.Node'), {
    stdout: '\n', error: 'template parsing error: template: :1:33: executing "" at <.Status.State>: wrong type for value; expected string; got swarm.NodeState',
  });
  assert.deepEqual(inspect([SERVICE_JSON], '{{.Spec.Mode.Global.Foo}}'), {
    stdout: '\n', error: 'template parsing error: template: :1:7: executing "" at <.Spec.Mode.Global.Foo>: can\'t evaluate field Foo in type *swarm.GlobalService',
  });
  assert.deepEqual(inspect([SERVICE_JSON], '{{'), { stdout: '', error: 'template parsing error: template: :1: unclosed action' });
});

const ROWS = [
  { ID: '4dv2m6ghpro9', Name: 'g', Mode: 'global', Replicas: '1/1', Image: 'busybox:latest', Ports: '' },
  { ID: '0s9fopvycrv8', Name: 'web', Mode: 'replicated', Replicas: '2/2', Image: 'busybox:latest', Ports: '*:18080->80/tcp' },
];
const LS = 'table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}';
const ls = (format?: string) => formatRows(ROWS, format, LS, {}, 'service.serviceContext');

test('list tables: header from the column names, docker\'s tabwriter, trailing cell unpadded', () => {
  const table = 'ID             NAME      MODE         REPLICAS   IMAGE            PORTS\n'
    + '4dv2m6ghpro9   g         global       1/1        busybox:latest   \n'
    + '0s9fopvycrv8   web       replicated   2/2        busybox:latest   *:18080->80/tcp\n';
  assert.equal(ls(), table);
  assert.equal(ls('table'), table);
  assert.equal(ls(''), table);
  assert.equal(ls('table\\t{{.Name}}\\t'), '          NAME      \n          g         \n          web       \n');
  assert.equal(ls('table {{.Name | upper}}\\t{{pad .Mode 1 2}}\\t{{truncate .ID 5}}'), 'NAME       MODE           ID\nG          global         4dv2m\nWEB        replicated     0s9fo\n');
  assert.equal(ls('table {{.Name}}\\t{{.Header}}\\t{{.FullHeader}}x'), 'NAME      <no value>   <no value>x\ng         <no value>   <no value>x\nweb       <no value>   <no value>x\n');
  assert.equal(formatRows([], undefined, LS, {}, 'service.serviceContext'), 'ID        NAME      MODE      REPLICAS   IMAGE     PORTS\n');
});

test('a header that fails to render keeps what it printed', () => {
  assert.equal(ls('table {{.Name}} {{json .}}|{{.Mode}}'), 'NAME \n'
    + 'g {"ID":"4dv2m6ghpro9","Image":"busybox:latest","Mode":"global","Name":"g","Ports":"","Replicas":"1/1"}|global\n'
    + 'web {"ID":"0s9fopvycrv8","Image":"busybox:latest","Mode":"replicated","Name":"web","Ports":"*:18080-\\u003e80/tcp","Replicas":"2/2"}|replicated\n');
});

test('--format json, raw and custom templates', () => {
  assert.equal(ls('json'), '{"ID":"4dv2m6ghpro9","Image":"busybox:latest","Mode":"global","Name":"g","Ports":"","Replicas":"1/1"}\n'
    + '{"ID":"0s9fopvycrv8","Image":"busybox:latest","Mode":"replicated","Name":"web","Ports":"*:18080-\\u003e80/tcp","Replicas":"2/2"}\n');
  assert.equal(ls('raw').split('\n\n')[0], 'id: 4dv2m6ghpro9\nname: g\nmode: global\nreplicas: 1/1\nimage: busybox:latest\nports: ');
  assert.equal(ls('  {{.Name}}: {{.Replicas}}  '), 'g: 1/1\nweb: 2/2\n');
  assert.equal(formatRows([{ ID: 'x', Self: true }], '{{.Self}} {{not .Self}} {{json .Self}}', '', {}, 'node.nodeContext'), 'true false true\n');
});

test('list errors name docker\'s context type and exit 1', () => {
  assert.throws(() => ls('{{.Foo}}'), (e: FormatError) => e.exitCode === 1
    && e.message === 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *service.serviceContext');
  assert.throws(() => ls('table {{.Name}}\\t{{.Label "x"}}'), /can't evaluate field Label in type \*service.serviceContext/);
  assert.throws(() => ls('{{.Name'), { message: 'template parsing error: template: :1: unclosed action' });
});

test('legacy helpers: render and goJson over plain data', () => {
  assert.equal(render('{{.a}}\\t{{json .b}}', { a: 1, b: { y: '<', x: 2 } }), '1\t{"x":2,"y":"<"}');
  assert.equal(goJson({ b: '<&>', a: [1, 2.5] }), '{"a":[1,2.5],"b":"\\u003c\\u0026\\u003e"}');
});

test('decoded structs fill absent fields with zero values and drop unknown ones', () => {
  const v = decode(SERVICE, { ID: 'x', Bogus: 1, spec: { name: 'lower-case keys match' } });
  const t = Template.parse('{{.ID}}|{{.Spec.Name}}|{{.Spec.Labels}}|{{.UpdateStatus}}|{{.Spec.TaskTemplate.ForceUpdate}}|{{.CreatedAt}}|{{.Spec.Mode.Replicated}}', DOCKER_FUNCS);
  assert.equal(t.execute(v), 'x|lower-case keys match|map[]|<nil>|0|0001-01-01 00:00:00 +0000 UTC|<nil>');
});
