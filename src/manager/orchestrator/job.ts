import type { Service, ServiceSpec, Task } from '../../types/objects.js';

/** Job services (replicated-job, global-job): tasks run to completion and are not restarted once complete. */
export const isJobSpec = (s: ServiceSpec | undefined): boolean => !!(s?.Mode?.ReplicatedJob || s?.Mode?.GlobalJob);
export const isJob = (s: Service | undefined): boolean => isJobSpec(s?.Spec);

/** The run of the job the service is on (0 at create; every update starts the next). */
export const jobIteration = (s: Service): number => s.JobStatus?.JobIteration.Index ?? 0;

/** The task belongs to the job's current run. */
export const inIteration = (t: Task, iteration: number): boolean => !!t.JobIteration && (t.JobIteration.Index ?? 0) === iteration;

/** Go omits a zero Index: the first run shows as `{}`, as Docker shows it. */
export const iterationVersion = (n: number): { Index?: number } => (n === 0 ? {} : { Index: n });
