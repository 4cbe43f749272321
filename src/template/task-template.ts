// Templated container specs, as swarmkit's template package expands them
// (expand.go, context.go): a task's Env values, Hostname and each mount's
// Source, Target, volume labels and driver options are Go templates over
// {{.Service.ID/Name/Labels}}, {{.Node.ID/Hostname/Platform.OS/Architecture}}
// and {{.Task.ID/Name/Slot}}, expanded on the worker from the task and its
// node; the manager expands them once against placeholder values to refuse
// a bad template at create/update, with Docker's words.
import { Template } from '../format/template.js';
import { decode } from '../format/decode.js';
import { quote } from '../format/strconv.js';
import { T, mapOf, ptrTo, sliceOf, type Field, type GoFunc, type GoType, type Val } from '../format/types.js';
import { str } from '../format/values.js';
import type { ContainerSpec, Mount, NodeDescription, ServiceSpec, Task } from '../types/objects.js';
import { templateContext } from './payload-template.js';

const field = (name: string, type: GoType): Field => ({ name, type, embedded: false, tag: '' });
const anonymous = (...fields: Field[]): GoType => ({ kind: 'struct', fields });

/** swarmkit's template.Context (its anonymous structs print as Go spells them in errors). */
const CONTEXT: GoType = {
  kind: 'struct', name: 'template.Context', fields: [
    field('Service', anonymous(field('ID', T.string), field('Name', T.string), field('Labels', mapOf(T.string, T.string)))),
    field('Node', anonymous(field('ID', T.string), field('Hostname', T.string),
      field('Platform', { kind: 'struct', name: 'template.Platform', fields: [field('Architecture', T.string), field('OS', T.string)] }))),
    field('Task', anonymous(field('ID', T.string), field('Name', T.string), field('Slot', T.string))),
  ],
};

/** swarmkit's one template function: join(sep, elems...). */
const join: GoFunc = {
  sig: { params: [sliceOf(T.string)], variadic: true, results: [T.string] },
  call: (args: Val[]) => { const parts = args.map((x) => String(x?.v ?? '')); return str(parts.slice(1).join(parts[0] ?? '')); },
};

class ExpandError extends Error {}

type Expand = (s: string) => string;

function expander(t: Task, node: NodeDescription | undefined): Expand {
  const data = decode(ptrTo(CONTEXT), templateContext(t, node));
  return (s) => {
    try {
      const tmpl = Template.parse(s, { join }, 'expansion');
      tmpl.missingKey = 'error';
      return tmpl.execute(data);
    } catch (e) {
      throw new ExpandError((e as Error).message);
    }
  };
}

/** Go's errors.Wrap: the cause keeps its words after the context. */
function wrap<R>(what: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof ExpandError) throw new ExpandError(`${what}: ${e.message}`);
    throw e;
  }
}

const expandMap = (x: Expand, m: Record<string, string> | undefined) =>
  m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, wrap(`expanding map entry ${quote(k)}=${quote(v)}`, () => x(v))]));

function expandMount(x: Expand, m: Mount): Mount {
  const out: Mount = { ...m };
  if (m.Source !== undefined) out.Source = wrap(`expanding mount source ${quote(m.Source)}`, () => x(m.Source!));
  if (m.Target !== undefined) out.Target = wrap(`expanding mount target ${quote(m.Target)}`, () => x(m.Target!));
  if (m.VolumeOptions) {
    const vo = m.VolumeOptions;
    out.VolumeOptions = { ...vo, ...(vo.Labels ? { Labels: wrap('expanding volume labels', () => expandMap(x, vo.Labels)) } : {}) };
    if (vo.DriverConfig?.Options) {
      out.VolumeOptions.DriverConfig = { ...vo.DriverConfig, Options: wrap('expanding volume driver config', () => expandMap(x, vo.DriverConfig!.Options))! };
    }
  }
  return out;
}

/** A value with a template in it (the common case has none: nothing to parse). */
const templated = (s: string | undefined) => !!s && s.includes('{{');

function expandSpec(cs: ContainerSpec, x: Expand): ContainerSpec {
  const out: ContainerSpec = { ...cs };
  if (cs.Env?.some(templated)) {
    out.Env = wrap('expanding env failed', () => cs.Env!.map((e) => {
      const i = e.indexOf('=');
      return i < 0 ? e : `${e.slice(0, i)}=${wrap(`expanding env ${quote(e)}`, () => x(e.slice(i + 1)))}`;
    }));
  }
  if (cs.Mounts?.length) out.Mounts = wrap('expanding mounts failed', () => cs.Mounts!.map((m) => expandMount(x, m)));
  if (templated(cs.Hostname)) out.Hostname = wrap('expanding hostname failed', () => x(cs.Hostname!));
  return out;
}

/** The task with its container spec expanded for this node; throws (Docker's words) on a bad template. */
export function expandTask(t: Task, node: NodeDescription | undefined): Task {
  const cs = t.Spec.ContainerSpec;
  if (!cs || !(cs.Env?.some(templated) || templated(cs.Hostname) || cs.Mounts?.some((m) => templated(m.Source) || templated(m.Target)
    || Object.values(m.VolumeOptions?.Labels ?? {}).some(templated) || Object.values(m.VolumeOptions?.DriverConfig?.Options ?? {}).some(templated)))) return t;
  return { ...t, Spec: { ...t.Spec, ContainerSpec: expandSpec(cs, expander(t, node)) } };
}

/**
 * swarmkit's validateContainerSpec: the spec expanded for a placeholder task
 * and node; the template's error, if any (the caller answers InvalidArgument).
 */
export function containerSpecTemplateError(spec: ServiceSpec): string | undefined {
  const cs = spec.TaskTemplate?.ContainerSpec;
  if (!cs) return undefined;
  const task = {
    ID: '', ServiceID: 'serviceid', Slot: 1, NodeID: 'nodeid', ServiceAnnotations: { Name: 'servicename' },
    Spec: spec.TaskTemplate,
  } as unknown as Task;
  const node = { Hostname: 'nodeHostname', Platform: { OS: 'os', Architecture: 'architecture' } } as NodeDescription;
  try {
    expandSpec(cs, expander(task, node));
    return undefined;
  } catch (e) {
    if (e instanceof ExpandError) return e.message;
    throw e;
  }
}
