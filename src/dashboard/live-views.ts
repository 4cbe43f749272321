import type { Node, Service, Task } from '../types/objects.js';
import { isTerminal, taskStateRank } from '../types/objects.js';
import type { NodeView, ServiceView, TaskView } from './live-types.js';

/** An image as people read it: without the digest docker pins it to. */
export const shortImage = (image: string | undefined): string => (image ?? '').replace(/@sha256:[0-9a-f]+$/, '');

export function nodeView(n: Node): NodeView {
  const v: NodeView = {
    ID: n.ID,
    Name: n.Spec.Name || n.Description?.Hostname || n.ID.slice(0, 12),
    Hostname: n.Description?.Hostname ?? '',
    Role: n.Spec.Role ?? 'worker',
    Availability: n.Spec.Availability ?? 'active',
    State: n.Status.State,
    Addr: n.Status.Addr ?? '',
    NanoCPUs: n.Description?.Resources?.NanoCPUs ?? 0,
    MemoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    EngineVersion: n.Description?.Engine?.EngineVersion ?? '',
  };
  if (n.ManagerStatus) {
    v.Leader = !!n.ManagerStatus.Leader;
    v.Reachability = n.ManagerStatus.Reachability;
  }
  return v;
}

function modeOf(s: Service): ServiceView['Mode'] {
  const m = s.Spec.Mode ?? {};
  if (m.Global) return 'global';
  if (m.ReplicatedJob) return 'replicated-job';
  if (m.GlobalJob) return 'global-job';
  return 'replicated';
}

export function serviceView(s: Service): ServiceView {
  const mode = modeOf(s);
  const ports = (s.Endpoint?.Ports ?? s.Spec.EndpointSpec?.Ports ?? [])
    .filter((p) => p.PublishedPort)
    .map((p) => `${p.PublishedPort}:${p.TargetPort}/${p.Protocol ?? 'tcp'}${p.PublishMode === 'host' ? ' (host)' : ''}`);
  return {
    ID: s.ID,
    Name: s.Spec.Name ?? '',
    Image: shortImage(s.Spec.TaskTemplate?.ContainerSpec?.Image),
    Mode: mode,
    ...(mode === 'replicated' ? { Replicas: s.Spec.Mode?.Replicated?.Replicas ?? 1 } : {}),
    ...(mode === 'replicated-job' ? { Replicas: s.Spec.Mode?.ReplicatedJob?.TotalCompletions ?? 1 } : {}),
    ...(s.UpdateStatus?.State ? { UpdateState: s.UpdateStatus.State } : {}),
    ...(s.UpdateStatus?.Message ? { UpdateMessage: s.UpdateStatus.Message } : {}),
    Ports: ports,
    UpdatedAt: s.UpdatedAt,
  };
}

/**
 * A task the page holds: one meant to run, or one on its node still running
 * while it is shut down. Finished tasks, and tasks to be shut down that never
 * reached a node, are history, read on demand (GET /tasks).
 */
export function isCurrentTask(t: Task): boolean {
  if (!isTerminal(t.DesiredState)) return true;
  return !isTerminal(t.Status.State) && taskStateRank(t.Status.State) >= taskStateRank('assigned');
}

export function taskView(t: Task): TaskView {
  return {
    ID: t.ID,
    ServiceID: t.ServiceID,
    ...(t.NodeID ? { NodeID: t.NodeID } : {}),
    ...(t.Slot !== undefined ? { Slot: t.Slot } : {}),
    State: t.Status.State,
    DesiredState: t.DesiredState,
    Image: shortImage(t.Spec.ContainerSpec?.Image),
    ...(t.Status.Err ? { Err: t.Status.Err } : {}),
    ...(t.Status.Timestamp ? { Timestamp: t.Status.Timestamp } : {}),
  };
}
