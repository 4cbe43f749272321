import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untyped } from '../../src/format/decode.js';
import { DOCKER_FUNCS } from '../../src/format/funcs.js';
import { lex } from '../../src/format/lex.js';
import { ExecError, Template, TemplateError } from '../../src/format/template.js';
import { DATA, GO_CASES } from './template-go-cases.js';

/** Runs a template as docker does (its functions), returning output and error like Go's Execute. */
function run(tpl: string, data: unknown = DATA): { out: string | null; err?: string } {
  let t: Template;
  try { t = Template.parse(tpl, DOCKER_FUNCS); } catch (e) {
    assert.ok(e instanceof TemplateError, String(e));
    return { out: null, err: e.message };
  }
  try { return { out: t.execute(untyped(data, 'float64') ?? undefined) }; } catch (e) {
    assert.ok(e instanceof ExecError, String(e));
    return { out: (e as ExecError & { partial: string }).partial, err: e.message };
  }
}

test('matches Go text/template on every recorded case', () => {
  const failures: string[] = [];
  for (const [tpl, out, err] of GO_CASES) {
    const got = run(tpl);
    if (got.out !== out || got.err !== err) failures.push(`${JSON.stringify(tpl)}\n  want ${JSON.stringify({ out, err })}\n  got  ${JSON.stringify(got)}`);
  }
  assert.equal(failures.length, 0, failures.join('\n'));
  assert.ok(GO_CASES.length > 300);
});

// Go 1.22-1.24 features the docker 28.2 binary (go1.24) has, checked against it.
test('Go 1.24 additions: else with, range over an integer, call naming its callee', () => {
  assert.deepEqual(run('{{with .Missing}}x{{else with .Name}}{{.}}{{end}}'), { out: 'web' });
  assert.deepEqual(run('{{with .Missing}}x{{else with .Nil}}y{{else}}z{{end}}'), { out: 'z' });
  assert.deepEqual(run('{{range 3}}{{.}}{{end}}'), { out: '012' });
  assert.deepEqual(run('{{range $i := 2}}<{{$i}}>{{end}}'), { out: '<0><1>' });
  assert.deepEqual(run('{{range 0}}x{{else}}none{{end}}'), { out: 'none' });
  assert.equal(run('{{range $a, $b := 3}}{{end}}').err, 'template: :1:18: executing "" at <3>: can\'t use 3 to iterate over more than one variable');
  assert.equal(run('{{call .Name}}').err, 'template: :1:2: executing "" at <call .Name>: error calling call: non-function .Name of type string');
});

test('lexer: trim markers, comments, raw strings and positions', () => {
  const items = lex('a {{- .X -}} b{{/* c */}}{{`r`}}');
  assert.deepEqual(items.map((i) => [i.typ, i.val]), [
    ['text', 'a'], ['leftDelim', '{{'], ['field', '.X'], ['rightDelim', '}}'], ['text', 'b'],
    ['leftDelim', '{{'], ['rawString', '`r`'], ['rightDelim', '}}'], ['EOF', ''],
  ]);
  assert.equal(lex('{{-3}}')[1].typ, 'number');
  assert.deepEqual(lex('{{"x').at(-1), { typ: 'error', pos: 2, val: 'unterminated quoted string', line: 1 });
});

test('errors name the line and byte column of the failing node', () => {
  assert.equal(run('héllo {{.Name.X}}').err, 'template: :1:14: executing "" at <.Name.X>: can\'t evaluate field X in type interface {}');
  assert.equal(run('a\nb {{.Nested.In.Deep.Z}}').err, 'template: :2:11: executing "" at <.Nested.In.Deep.Z>: can\'t evaluate field Z in type interface {}');
  assert.equal(run('a\n{{if}}').err, 'template: :2: missing value for if');
  assert.equal(run('{{.Name\n| nope}}').err, 'template: :2: function "nope" not defined');
});

test('execution errors keep the output written before them', () => {
  assert.deepEqual(run('ok {{.Name}} {{index .A 9}} never'), {
    out: 'ok web ', err: 'template: :1:15: executing "" at <index .A 9>: error calling index: index out of range: 9',
  });
});

test('missingkey=error and missingkey=zero options', () => {
  const t = Template.parse('{{.Name}}-{{.Nope}}', DOCKER_FUNCS);
  t.missingKey = 'error';
  assert.throws(() => t.execute(untyped({ Name: 'a' }, 'float64') ?? undefined), /map has no entry for key "Nope"/);
  const z = Template.parse('{{.Nope}}|{{.Name}}', DOCKER_FUNCS);
  z.missingKey = 'zero';
  // the zero interface{} is dug out of its interface and is no value at all
  assert.equal(z.execute(untyped({ Name: 'a' }, 'float64') ?? undefined), '<no value>|a');
});

test('define, template and block share the tree set', () => {
  assert.deepEqual(run('{{define "row"}}[{{.}}]{{end}}{{range .A}}{{template "row" .}}{{end}}'), { out: '[x][y]' });
  assert.deepEqual(run('{{block "b" .Name}}<{{.}}>{{end}}'), { out: '<web>' });
  assert.equal(run('{{define "r"}}{{.Q.Z}}{{end}}{{template "r" .Name}}').err, 'template: :1:18: executing "r" at <.Q.Z>: can\'t evaluate field Q in type string');
});

test('untyped data in int64 mode prints whole numbers as integers, as docker\'s typed fields would', () => {
  const t = Template.parse('{{.Mem}} {{.Ratio}} {{printf "%d" .Mem}}', DOCKER_FUNCS);
  assert.equal(t.execute(untyped({ Mem: 25134616576, Ratio: 0.5 }, 'int64') ?? undefined), '25134616576 0.5 25134616576');
  assert.equal(Template.parse('{{.Mem}}', DOCKER_FUNCS).execute(untyped({ Mem: 25134616576 }, 'float64') ?? undefined), '2.5134616576e+10');
});
