import type { Task } from './objects.js';

/**
 * Whether a task may take traffic (VIP and ingress backends, DNS answers):
 * it is RUNNING and still meant to run. A task with a health check reaches
 * RUNNING only once healthy (it stays STARTING before), and leaves it, failed,
 * when it turns unhealthy, so RUNNING already means healthy (moby activates a
 * task's service binding at the same point: healthy, or started without a check).
 */
export function servesTraffic(t: Pick<Task, 'Status' | 'DesiredState'>): boolean {
  return t.Status.State === 'running' && (t.DesiredState === 'running' || t.DesiredState === 'complete');
}
