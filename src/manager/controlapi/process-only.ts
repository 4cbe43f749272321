import type { ReadTx } from '../../store/store.js';
import type { ServiceSpec } from '../../types/objects.js';
import { PROCESS_ENGINE } from '../../types/executors.js';
import { rpcError } from './rpc-errors.js';

/**
 * A swarm whose every node runs host processes cannot run an image: a service
 * without a command would be rejected on every node forever, so it is refused
 * at once instead.
 */
export function refuseImageOnlyOnProcessNodes(tx: ReadTx, spec: ServiceSpec): void {
  const cs = spec.TaskTemplate?.ContainerSpec;
  if (!cs || cs.Command?.length || cs.Args?.length) return;
  const nodes = tx.nodes.all();
  if (nodes.length === 0 || !nodes.every((n) => n.Description?.Engine?.EngineVersion === PROCESS_ENGINE)) return;
  throw rpcError('InvalidArgument', `no command specified: every node of this swarm runs tasks with the process executor, which runs the task's command, not the image (${cs.Image ?? ''}); give a command, or run tswarm with the docker executor (scripts/up.sh)`);
}
