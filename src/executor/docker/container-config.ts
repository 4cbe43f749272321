import { onOverlay } from '../../network/overlay/attachments.js';
import type { Task } from '../../types/objects.js';

export const LABEL_TASK = 'com.docker.swarm.task.id';
/** The engine's bridge network for the outside traffic of tasks on overlay networks (Docker's name). */
export const GWBRIDGE = 'docker_gwbridge';

/** `<service>.<slot>.<task>` (global: `<service>.<node>.<task>`), as swarmkit names containers. */
export function containerName(t: Task): string {
  return `${t.ServiceAnnotations?.Name ?? t.ServiceID}.${t.Slot ? t.Slot : t.NodeID}.${t.ID}`; // slot 0 (a job's first) is named by its node, as swarmkit
}

/** The engine's container config for a task; restarts are the orchestrator's, never the engine's. */
export function containerConfig(t: Task): Record<string, unknown> {
  const cs = t.Spec.ContainerSpec ?? {};
  const limits = t.Spec.Resources?.Limits ?? {};
  const hostPorts = (t.Endpoint?.Ports ?? []).filter((p) => p.PublishMode === 'host');
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of t.Endpoint?.Ports ?? []) exposed[`${p.TargetPort}/${p.Protocol ?? 'tcp'}`] = {};
  for (const p of hostPorts) bindings[`${p.TargetPort}/${p.Protocol ?? 'tcp'}`] = [{ HostIp: '0.0.0.0', HostPort: p.PublishedPort ? String(p.PublishedPort) : '' }];
  return {
    Image: cs.Image,
    ...(cs.Command?.length ? { Entrypoint: cs.Command } : {}),
    ...(cs.Args?.length ? { Cmd: cs.Args } : {}),
    Env: cs.Env ?? [],
    WorkingDir: cs.Dir ?? '',
    User: cs.User ?? '',
    Hostname: cs.Hostname ?? '',
    Tty: !!cs.TTY,
    OpenStdin: !!cs.OpenStdin,
    StopSignal: cs.StopSignal,
    ...(cs.StopGracePeriod !== undefined ? { StopTimeout: Math.round(cs.StopGracePeriod / 1e9) } : {}),
    ExposedPorts: exposed,
    Labels: {
      ...(cs.Labels ?? {}),
      'com.docker.swarm.task': '', // marks a swarm task's container, as Docker's executor does
      [LABEL_TASK]: t.ID,
      'com.docker.swarm.task.name': containerName(t).replace(/\.[^.]+$/, `.${t.ID}`),
      'com.docker.swarm.service.id': t.ServiceID,
      'com.docker.swarm.service.name': t.ServiceAnnotations?.Name ?? '',
      'com.docker.swarm.node.id': t.NodeID ?? '',
    },
    ...(cs.HealthCheck ? { Healthcheck: cs.HealthCheck } : {}),
    HostConfig: {
      RestartPolicy: { Name: 'no' },
      // A task on overlay networks goes out through docker_gwbridge, as in Docker (the overlays are joined by the agent).
      ...(onOverlay(t) ? { NetworkMode: GWBRIDGE } : {}),
      PortBindings: bindings,
      ReadonlyRootfs: !!cs.ReadOnly,
      Mounts: (cs.Mounts ?? []).map((m) => ({ Type: m.Type ?? 'volume', Source: m.Source ?? '', Target: m.Target, ReadOnly: !!m.ReadOnly,
        ...(m.BindOptions ? { BindOptions: m.BindOptions } : {}), ...(m.VolumeOptions ? { VolumeOptions: m.VolumeOptions } : {}),
        ...(m.TmpfsOptions ? { TmpfsOptions: m.TmpfsOptions } : {}) })),
      ...(limits.NanoCPUs ? { NanoCpus: limits.NanoCPUs } : {}),
      ...(limits.MemoryBytes ? { Memory: limits.MemoryBytes } : {}),
      ...(limits.Pids ? { PidsLimit: limits.Pids } : {}),
      ...(cs.Hosts?.length ? { ExtraHosts: cs.Hosts } : {}),
      ...(cs.Init !== undefined && cs.Init !== null ? { Init: cs.Init } : {}),
      ...(cs.Sysctls ? { Sysctls: cs.Sysctls } : {}),
      ...(cs.CapabilityAdd ? { CapAdd: cs.CapabilityAdd } : {}),
      ...(cs.CapabilityDrop ? { CapDrop: cs.CapabilityDrop } : {}),
      ...(cs.DNSConfig?.Nameservers ? { Dns: cs.DNSConfig.Nameservers } : {}),
    },
  };
}
