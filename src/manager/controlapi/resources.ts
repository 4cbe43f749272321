import type { ResourceObject, ServiceSpec } from '../../types/objects.js';
import { rpcError } from './rpc-errors.js';

/** Go's %g of a float64 below 1 in magnitude: the shortest digits, in e-notation under 1e-4 ("1e-06", "0.0005"). */
function goG(x: number): string {
  const [mant, exp] = x.toExponential().split('e');
  const e = Number(exp);
  return e < -4 ? `${mant}e-${String(-e).padStart(2, '0')}` : String(x);
}

function checkResources(r: ResourceObject | undefined): void {
  if (!r) return;
  const cpus = r.NanoCPUs ?? 0;
  if (cpus !== 0 && cpus < 1e6) throw rpcError('InvalidArgument', `invalid cpu value ${goG(cpus / 1e9)}: Must be at least 0.001`);
  const mem = r.MemoryBytes ?? 0;
  if (mem !== 0 && mem < 4 * 1024 * 1024) throw rpcError('InvalidArgument', `invalid memory value ${mem}: Must be at least 4MiB`);
}

/** swarmkit's validateResourceRequirements: limits, then reservations; the first of a task spec's checks. */
export function validateResources(s: ServiceSpec): void {
  checkResources(s.TaskTemplate?.Resources?.Limits);
  checkResources(s.TaskTemplate?.Resources?.Reservations);
}
