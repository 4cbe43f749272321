// Templated secrets and configs (`--template-driver golang`), expanded per
// task on the worker as swarmkit's template package does (context.go,
// expand.go): {{.Service.Name}}, {{.Task.Slot}}, {{.Node.Hostname}},
// {{env "X"}}, {{secret "target"}}, {{config "target"}}.
import { Template } from '../format/template.js';
import { untyped } from '../format/decode.js';
import { GoError, T, sliceOf, type GoFunc, type Val } from '../format/types.js';
import { str } from '../format/values.js';
import type { NodeDescription, Task } from '../types/objects.js';

export interface PayloadSources {
  /** The payload of a secret the task references, by ID (templated ones expanded). */
  secret(id: string): Buffer | undefined;
  config(id: string): Buffer | undefined;
}

/** swarmkit's naming.Task: <service>.<slot or node>.<task id>. */
function taskName(t: Task): string {
  return `${t.ServiceAnnotations?.Name ?? t.ServiceID}.${t.Slot ? t.Slot : t.NodeID}.${t.ID}`;
}

/** swarmkit's template.Context for a task on a node. */
export function templateContext(t: Task, node: NodeDescription | undefined) {
  return {
    Service: { ID: t.ServiceID, Name: t.ServiceAnnotations?.Name ?? '', Labels: t.ServiceAnnotations?.Labels ?? {} },
    Node: { ID: t.NodeID ?? '', Hostname: node?.Hostname ?? '', Platform: { Architecture: node?.Platform?.Architecture ?? '', OS: node?.Platform?.OS ?? '' } },
    Task: { ID: t.ID, Name: taskName(t), Slot: t.Slot ? String(t.Slot) : t.NodeID ?? '' },
  };
}

const getter = (f: (arg: string) => string): GoFunc => ({
  sig: { params: [T.string], variadic: false, results: [T.string, T.error] },
  call: (args: Val[]) => str(f(String(args[0]?.v ?? ''))),
});

/** Expands a templated payload for the task; a bad template or a missing reference throws with Go's words. */
export function expandPayload(payload: Buffer, t: Task, node: NodeDescription | undefined, sources: PayloadSources): Buffer {
  const cs = t.Spec.ContainerSpec ?? {};
  const funcs = {
    secret: getter((target) => {
      const ref = (cs.Secrets ?? []).find((r) => r.File?.Name === target);
      const data = ref?.SecretID ? sources.secret(ref.SecretID) : undefined;
      if (!data) throw new GoError(`secret target ${target} not found`);
      return data.toString('utf8');
    }),
    config: getter((target) => {
      const ref = (cs.Configs ?? []).find((r) => r.File?.Name === target);
      const data = ref?.ConfigID ? sources.config(ref.ConfigID) : undefined;
      if (!data) throw new GoError(`config target ${target} not found`);
      return data.toString('utf8');
    }),
    env: getter((name) => {
      for (const e of cs.Env ?? []) {
        const i = e.indexOf('=');
        if (i >= 0 && e.slice(0, i) === name) return e.slice(i + 1);
      }
      return '';
    }),
  };
  const join: GoFunc = {
    sig: { params: [sliceOf(T.string)], variadic: true, results: [T.string] },
    call: (args: Val[]) => { const parts = args.map((x) => String(x?.v ?? '')); return str(parts.slice(1).join(parts[0] ?? '')); },
  };
  const tmpl = Template.parse(payload.toString('utf8'), { join, ...funcs }, 'expansion');
  tmpl.missingKey = 'error';
  return Buffer.from(tmpl.execute(untyped(templateContext(t, node), 'int64') ?? undefined), 'utf8');
}
