import { isoNano, type Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { Service, Task, TaskState } from '../../types/objects.js';

/**
 * A new task of a service for a slot (replicated) or a node (global). Stored
 * objects are frozen, so the task shares its spec and endpoint with the
 * service instead of copying them.
 */
export function newTask(clock: Clock, s: Service, at: { slot?: number; nodeId?: string }, desired: TaskState = 'running'): Task {
  return {
    ID: newId(), Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: s.Spec.TaskTemplate ?? {},
    ServiceID: s.ID,
    ...(at.slot !== undefined ? { Slot: at.slot } : {}),
    ...(at.nodeId !== undefined ? { NodeID: at.nodeId } : {}),
    ServiceAnnotations: { Name: s.Spec.Name, Labels: s.Spec.Labels ?? {} },
    ...(s.Endpoint ? { Endpoint: s.Endpoint } : {}),
    SpecVersion: { Index: s.Version.Index },
    DesiredState: desired,
    Status: { State: 'new', Message: 'created', Timestamp: isoNano(clock.now()) },
  };
}

/** The task runs the service's current task template. */
export function isUpToDate(t: Task, s: Service): boolean {
  const tmpl = s.Spec.TaskTemplate ?? {};
  if (t.Spec === tmpl) return true;
  // Key order differs between a created and an updated spec: compare contents, not text.
  return canonical(t.Spec) === canonical(tmpl);
}

/** Canonical text of frozen specs, computed once per object. */
const canonicalText = new WeakMap<object, string>();

/** JSON with object keys sorted, so equal values give equal text. */
function canonical(v: object): string {
  let text = canonicalText.get(v);
  if (text === undefined) {
    text = JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x));
    if (Object.isFrozen(v)) canonicalText.set(v, text);
  }
  return text;
}
