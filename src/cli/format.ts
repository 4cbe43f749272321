/**
 * --format for the CLI, as docker 28.2 does it: list commands render rows
 * through cli/command/formatter (table/json/raw/custom templates, header row,
 * tabwriter), inspect commands through cli/command/inspect (typed objects,
 * JSON by default), `info` through its own direct template.
 */
import { contextType, contextValue, headerValue } from '../format/contexts.js';
import { decode, untyped } from '../format/decode.js';
import { CONFIG, DOCKER_INFO, DOCKER_VERSION, NODE, SECRET, SERVICE, TASK } from '../format/dockertypes.js';
import { DOCKER_FUNCS, HEADER_FUNCS } from '../format/funcs.js';
import { indent, marshal } from '../format/gojson.js';
import { TabWriter } from '../format/tabwriter.js';
import { ExecError, Template, TemplateError } from '../format/template.js';
import { T, sliceOf, type GoFunc, type GoType } from '../format/types.js';
import { val } from '../format/values.js';

/** An error the CLI prints as is, exiting with exitCode (docker's cli.StatusError). */
export class FormatError extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); }
}

/** `--format raw` per list context, as docker's NewListFormat/NewFormat define it. */
const RAW: Record<string, string> = {
  'service.serviceContext': 'id: {{.ID}}\\nname: {{.Name}}\\nmode: {{.Mode}}\\nreplicas: {{.Replicas}}\\nimage: {{.Image}}\\nports: {{.Ports}}\\n',
  'node.nodeContext': 'node_id: {{.ID}}\\nhostname: {{.Hostname}}\\nstatus: {{.Status}}\\navailability: {{.Availability}}\\nmanager_status: {{.ManagerStatus}}\\n',
  'task.taskContext': 'id: {{.ID}}\\nname: {{.Name}}\\nimage: {{.Image}}\\nnode: {{.Node}}\\ndesired_state: {{.DesiredState}}\\ncurrent_state: {{.CurrentState}}\\nerror: {{.Error}}\\nports: {{.Ports}}\\n',
};

/** formatter.Format.templateString: drops "table", trims spaces, turns \t and \n escapes into the characters. */
function templateString(f: string): string {
  if (f === 'json') return '{{json .}}';
  const body = f.startsWith('table') ? f.slice(5) : f;
  return body.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

function parseTemplate(text: string, exitCode = 1, funcs = DOCKER_FUNCS): Template {
  try {
    return Template.parse(text, funcs);
  } catch (e) {
    if (e instanceof TemplateError) throw new FormatError(`template parsing error: ${e.message}`, exitCode);
    throw e;
  }
}

/** Go's text/template with docker's functions over plain JSON-like data; throws on a bad template. */
export function render(tpl: string, obj: unknown): string {
  const t = parseTemplate(templateString(tpl));
  try { return t.execute(untyped(obj, 'int64') ?? undefined); } catch (e) {
    if (e instanceof ExecError) throw new FormatError(`template parsing error: ${e.message}`);
    throw e;
  }
}

/** Go's encoding/json (HTML-escaping) of plain JSON-like data. */
export function goJson(v: unknown): string {
  return marshal(untyped(v, 'int64') ?? undefined);
}

const FIELD = /\{\{\s*\.(\w+)/g;

/**
 * Prints rows with a --format (raw, `table …`, `json` or a template) or the
 * command's default table. Each row is a docker list context named `context`
 * (e.g. 'service.serviceContext') whose columns are the row's keys; headers
 * name the columns whose header is not the key in capitals.
 */
export function formatRows(rows: Record<string, unknown>[], format: string | undefined, defaultTable: string, headers: Record<string, string>,
  context = 'formatter.rowContext'): string {
  let f = format === undefined || format === '' || format === 'table' ? defaultTable : format;
  if (f === 'raw' && RAW[context]) f = RAW[context];
  const isTable = f.startsWith('table');
  const tpl = parseTemplate(templateString(f));
  const columns: Record<string, 'string' | 'bool'> = {};
  for (const r of rows) for (const [k, v] of Object.entries(r)) columns[k] = typeof v === 'boolean' ? 'bool' : 'string';
  const type = contextType(context, columns);
  let body = '';
  for (const r of rows) {
    try { body += tpl.execute(contextValue(type, r)) + '\n'; } catch (e) {
      if (e instanceof ExecError) throw new FormatError(`template parsing error: ${e.message}`);
      throw e;
    }
  }
  if (!isTable) return body;
  const names: Record<string, string> = {};
  for (const k of [...Object.keys(columns), ...[...defaultTable.matchAll(FIELD)].map((m) => m[1])]) names[k] = k.toUpperCase();
  Object.assign(names, headers);
  let header = '';
  try { tpl.withFuncs(HEADER_FUNCS).executeTo(headerValue(names), (s) => { header += s; }); } catch (e) {
    // docker ignores a header that fails to render, keeping what it printed
    if (!(e instanceof ExecError)) throw e;
  }
  return new TabWriter().write(header).write('\n').write(body).flush();
}

export const INSPECT_TYPES: Record<string, GoType> = { 'swarm.Service': SERVICE, 'swarm.Node': NODE, 'swarm.Task': TASK, 'swarm.Secret': SECRET, 'swarm.Config': CONFIG };

/**
 * `docker <object> inspect [--format]`: objects decoded into docker's structs;
 * no format prints them as indented JSON, `json` as compact JSON, a template
 * once per object. Writes what docker writes to stdout, then throws the
 * joined errors (exit 1) if any object failed. rawFallback: a failing
 * template runs again on the object's plain JSON, as docker does for the
 * objects it inspects with their raw bytes.
 */
export function formatInspect(list: unknown[], format: string | undefined, typeName: keyof typeof INSPECT_TYPES | string, out: (s: string) => void,
  rawFallback = false): void {
  const type = INSPECT_TYPES[typeName];
  if (!type) throw new Error(`no Go type for ${typeName}`);
  const values = list.map((x) => decode(type, x));
  if (!format || format === 'json') {
    if (values.length === 0) { out('[]\n'); return; }
    const all = marshal(val(sliceOf(T.any), values));
    out((format ? all : indent(all, '    ')) + '\n');
    return;
  }
  const tpl = parseTemplate(format);
  let buffer = '';
  const errors: string[] = [];
  values.forEach((v, i) => {
    try { buffer += tpl.execute(v) + '\n'; } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      if (!rawFallback) { errors.push(`template parsing error: ${e.message}`); return; }
      // docker's raw fallback (objects inspected with their raw JSON: secrets, configs): the JSON as maps, missingkey=error
      tpl.missingKey = 'error';
      try { buffer += tpl.execute(untyped(list[i], 'int64') ?? undefined) + '\n'; } catch (e2) {
        if (!(e2 instanceof ExecError)) throw e2;
        errors.push(`template parsing error: ${e2.message}`);
      } finally { tpl.missingKey = 'invalid'; }
    }
  });
  out(buffer || '\n');
  if (errors.length) throw new FormatError(errors.join('\n'));
}

/**
 * `docker info --format`: the template runs straight to stdout over the info decoded into docker's structs
 * (system.Info and swarm.Info: Go field order and time.Time in {{json}}), a newline follows even after an error.
 */
export function formatInfo(info: unknown, format: string, out: (s: string) => void): void {
  const tpl = parseTemplate(format === 'json' ? '{{json .}}' : format, 64);
  let s = '';
  try { tpl.executeTo(decode(DOCKER_INFO, info), (x) => { s += x; }); } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    out(s + '\n');
    throw new FormatError(e.message);
  }
  out(s + '\n');
}

/** docker version's own template (cli/command/system/version.go, 28.2). */
const VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:\t{{.GoVersion}}
 Git commit:\t{{.GitCommit}}
 Built:\t{{.BuildTime}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

/** version.go's getDetailsOrder: a component's detail keys, sorted. */
const VERSION_FUNCS: Record<string, GoFunc> = {
  ...DOCKER_FUNCS,
  getDetailsOrder: { sig: { params: [T.any], results: [sliceOf(T.string)], variadic: false },
    call: ([c]) => val(sliceOf(T.string), [...((c!.v as { Details?: Map<string, string> | null }).Details?.keys() ?? [])].sort()) },
};

/**
 * `docker version [--format]`: the template (docker's own by default) over the client's and the server's
 * versions, through a tabwriter (minwidth 20, padding 1) as docker's, a newline after; the server part is
 * left out when the daemon did not answer.
 */
export function formatVersion(data: { Client: unknown; Server: unknown }, format: string | undefined, out: (s: string) => void): void {
  const text = !format ? VERSION_TEMPLATE : format === 'json' ? '{{json .}}' : format;
  const tpl = parseTemplate(text, 64, VERSION_FUNCS);
  const tw = new TabWriter({ minwidth: 20, tabwidth: 1, padding: 1, padchar: ' ' });
  let failure: ExecError | undefined;
  try { tpl.executeTo(decode(DOCKER_VERSION, data), (x) => { tw.write(x); }); } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    failure = e;
  }
  tw.write('\n');
  out(tw.flush());
  if (failure) throw new FormatError(failure.message);
}
