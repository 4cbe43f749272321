import { isoNano, type Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { Service, Task, TaskState } from '../../types/objects.js';

/** A new task of a service for a slot (replicated) or a node (global). */
export function newTask(clock: Clock, s: Service, at: { slot?: number; nodeId?: string }, desired: TaskState = 'running'): Task {
  return {
    ID: newId(), Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '',
    Spec: structuredClone(s.Spec.TaskTemplate ?? {}),
    ServiceID: s.ID,
    ...(at.slot !== undefined ? { Slot: at.slot } : {}),
    ...(at.nodeId !== undefined ? { NodeID: at.nodeId } : {}),
    ServiceAnnotations: { Name: s.Spec.Name, Labels: s.Spec.Labels ?? {} },
    ...(s.Endpoint ? { Endpoint: structuredClone(s.Endpoint) } : {}),
    SpecVersion: { Index: s.Version.Index },
    DesiredState: desired,
    Status: { State: 'new', Message: 'created', Timestamp: isoNano(clock.now()) },
  };
}

/** The task runs the service's current task template. */
export function isUpToDate(t: Task, s: Service): boolean {
  return JSON.stringify(t.Spec) === JSON.stringify(s.Spec.TaskTemplate ?? {});
}
