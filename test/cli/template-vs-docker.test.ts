import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

// The docker CLI renders --format templates itself, so against the same daemon
// it is the reference: tswarm must print the same bytes, to the same streams,
// with the same exit status.

const INSPECT_TEMPLATES = [
  '{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}};{{end}}',
  '{{json .Spec.TaskTemplate}}',
  '{{join .Spec.TaskTemplate.ContainerSpec.Args ","}}',
  '{{if eq .Spec.Mode.Replicated.Replicas 2}}two{{else}}other{{end}}',
  '{{printf "%s-%d" .Spec.Name 3}}',
  '{{len .Spec.Labels}}',
  '{{.Spec.Name | upper}}',
  '{{title .Spec.Name}}',
  '{{pad .Spec.Name 2 3}}|',
  '{{truncate .ID 5}}',
  '{{.Version}} {{.CreatedAt}} {{.Spec.Mode.Replicated.Replicas}}',
  '{{.Spec.TaskTemplate.ContainerSpec.StopGracePeriod}} {{.Spec.UpdateConfig}}',
  '{{with .Spec.EndpointSpec}}{{range .Ports}}{{.PublishedPort}}:{{.TargetPort}}/{{.Protocol}} {{end}}{{end}}',
  '{{index .Spec.Labels "b"}} {{.Spec.Labels.zz}}',
  'a  {{- /* trimmed */ -}}  {{ .Spec.Name -}}  !',
  '{{$n := .Spec.Name}}{{if and $n (not .UpdateStatus)}}{{$n}} ok{{else if .UpdateStatus}}updating{{end}}',
  '{{range $i, $e := .Spec.TaskTemplate.ContainerSpec.Env}}{{$i}}:{{$e}} {{else}}none{{end}}',
  '{{json .}}',
  '{{.Spec.Name | printf "%q" | len}}',
  '{{lt (len .Spec.Labels) 3}} {{eq .Spec.Name "web" "x"}} {{ne .Spec.Name "g"}} {{or .UpdateStatus "none"}}',
  '{{slice .ID 0 4}} {{index .Spec.TaskTemplate.ContainerSpec.Args 0}}',
  '{{split .Spec.TaskTemplate.ContainerSpec.Image ":"}} {{lower "ABC"}}',
  '{{html "<x>"}} {{js "it\'s"}} {{urlquery "a b&c"}} {{print 1 2 "s"}}{{println}}',
  '{{printf "%v|%+v|%5.1f|%x" .Spec.Labels .Spec.RollbackConfig 3.14159 255}}',
  '{{.CreatedAt.Format "2006-01-02"}} {{.Spec.TaskTemplate.RestartPolicy.Delay}}',
  '{{with .Spec.Mode.Global}}global{{else with .Spec.Mode.Replicated}}replicated {{.Replicas}}{{end}}',
  '{{range 3}}{{.}}{{end}} {{range .Endpoint.Ports}}{{.PublishMode}}{{break}}{{end}}',
  '{{.Endpoint.Ports}} {{.Spec.TaskTemplate.Placement}}',
  '{{.Spec.Mode.Replicated.Replicas}}',
  // errors: execution, parsing, wrong types and unknown names
  '{{.Spec.Foo}}',
  '{{.Spec.Name.Foo}}',
  '{{upper .Spec.Mode.Replicated.Replicas}}',
  '{{index .Spec.TaskTemplate.ContainerSpec.Args 7}}',
  '{{call .Spec.Name}}',
  '{{',
  '{{nope .ID}}',
  '{{if .ID}}unclosed',
  '{{end}}',
];

const CASES: string[][] = [
  ...INSPECT_TEMPLATES.map((f) => ['service', 'inspect', '--format', f, 'web']),
  ...INSPECT_TEMPLATES.slice(0, 14).map((f) => ['service', 'inspect', '--format', f, 'g']),
  ['service', 'inspect', '--format', '{{.Spec.Name}} {{.Spec.Mode.Replicated.Replicas}}', 'web', 'g'],
  ['service', 'inspect', '--format', 'json', 'web'],
  ['service', 'inspect', 'web', 'g'],
  ['service', 'ls', '--format', 'table {{.Name}}\\t{{.Replicas}}'],
  ['service', 'ls', '--format', '{{.Name}}: {{.Mode}} {{.Ports}}'],
  ['service', 'ls', '--format', 'json'],
  ['service', 'ls', '--format', 'raw'],
  ['service', 'ls', '--format', 'table'],
  ['service', 'ls', '--format', 'table {{.Name | upper}}\\t{{pad .Mode 1 2}}\\t{{truncate .ID 5}}\\t{{json .Image}}'],
  ['service', 'ls', '--format', 'table {{.Name}} {{json .}}|{{.Mode}}'],
  ['service', 'ls', '--format', 'table\\t{{.Name}}\\t{{.Header}}'],
  ['service', 'ls', '--format', '{{.Foo}}'],
  ['service', 'ls', '--format', '{{.Name'],
  ['node', 'ls', '--format', 'table {{.Hostname}}\\t{{.Status}}\\t{{.Availability}}\\t{{.ManagerStatus}}\\t{{.EngineVersion}}'],
  ['node', 'ls', '--format', '{{.Hostname}} {{if .Self}}self{{end}} {{json .Self}}'],
  ['node', 'ls', '--format', 'table {{.Self}}\\t{{.Hostname}}'],
  ['node', 'ls', '--format', '{{.Foo}}'],
  ['node', 'ls', '--format', '{{.ID}} {{.TLSStatus}}'],
  ['node', 'ls', '--format', 'json'],
  ['node', 'ls', '--format', 'table {{.ID}}\t{{.TLSStatus}}'],
  ['service', 'ps', '--format', 'table {{.Name}}\\t{{.Image}}\\t{{.DesiredState}}\\t{{.Node}}', 'web'],
  ['service', 'ps', '--format', '{{.Name}} {{.Node}} {{.Error}}|{{.Ports}}', 'web'],
  ['service', 'ps', '--format', 'json', 'web'],
  ['service', 'ps', '--format', '{{.Nope}}', 'web'],
  ['node', 'inspect', '--format', '{{.Status.State}} {{.Spec.Availability}} {{.Description.Hostname}} {{.ManagerStatus.Leader}}', 'self'],
  ['node', 'inspect', '--format', '{{upper .Status.State}}', 'self'],
  ['node', 'inspect', '--format', '{{json .ManagerStatus}} {{.Spec.Labels}} {{len .Description.Engine.Plugins}}', 'self'],
  ['node', 'inspect', 'self'],
  ['info', '--format', '{{.Swarm.NodeID}} {{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'],
  ['info', '--format', '{{'],
];

async function both(host: string, args: string[]): Promise<[RunResult, RunResult]> {
  return Promise.all([docker(host, ...args), tswarm(host, ...args)]);
}

test('tswarm --format prints what docker --format prints', { timeout: 300_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await tswarm(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  const web = await tswarm(d.host, 'service', 'create', '-d', '--name', 'web', '--replicas', '2', '--label', 'a=1', '--label', 'b=two',
    '-e', 'FOO=bar', '-e', 'X=<y>', '-p', '18097:80', 'busybox', 'sleep', '1000');
  assert.equal(web.code, 0, web.stderr);
  assert.equal((await tswarm(d.host, 'service', 'create', '-d', '--name', 'g', '--mode', 'global', 'busybox', 'top')).code, 0);
  await eventually(async () => {
    const ls = (await docker(d.host, 'service', 'ls', '--format', '{{.Name}}={{.Replicas}}')).stdout;
    return ls === 'g=1/1\nweb=2/2\n';
  }, 60_000, 'services running');

  assert.ok(CASES.length >= 60);
  const failures: string[] = [];
  let succeeded = 0;
  for (const args of CASES) {
    let [a, b] = await both(d.host, args);
    if (a.code === 0) succeeded++;
    // `service ps` states say "Running N seconds ago": a second may tick between the two runs
    for (let i = 0; i < 3 && a.stdout !== b.stdout && args[1] === 'ps'; i++) [a, b] = await both(d.host, args);
    if (a.stdout !== b.stdout || a.stderr !== b.stderr || a.code !== b.code) {
      failures.push(`${args.join(' ')}\n  docker: ${JSON.stringify(a)}\n  tswarm: ${JSON.stringify(b)}`);
    }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${CASES.length} differ:\n${failures.join('\n')}`);
  // not two identical failures: docker did render most of them
  assert.ok(succeeded > 50, `docker succeeded on ${succeeded} cases`);
  assert.deepEqual(await docker(d.host, 'service', 'inspect', '--format', INSPECT_TEMPLATES[0], 'web'), { code: 0, stdout: 'a=1;b=two;\n', stderr: '' });
});
