import type { ReadTx } from '../../store/store.js';
import type { ServiceSpec } from '../../types/objects.js';
import type { Config, Secret } from '../../types/secrets.js';
import { rpcError } from './rpc-errors.js';

/**
 * swarmkit's validateSecretRefsSpec / validateConfigRefsSpec: every
 * reference names its object by ID and name, has a file target, and no two
 * references of a kind share a target.
 */
export function validateServiceRefs(spec: ServiceSpec): void {
  const cs = spec.TaskTemplate?.ContainerSpec;
  if (!cs) return;
  const secretTargets = new Map<string, string>();
  for (const r of cs.Secrets ?? []) {
    if (!r.SecretID || !r.SecretName) throw rpcError('InvalidArgument', 'malformed secret reference');
    if (!r.File) throw rpcError('InvalidArgument', 'malformed secret reference, no target provided');
    const name = r.File.Name ?? '';
    if (!name) throw rpcError('InvalidArgument', 'malformed file secret reference, invalid target file name provided');
    const prev = secretTargets.get(name);
    if (prev !== undefined) throw rpcError('InvalidArgument', `secret references '${prev}' and '${r.SecretName}' have a conflicting target: '${name}'`);
    secretTargets.set(name, r.SecretName);
  }
  const configTargets = new Map<string, string>();
  for (const r of cs.Configs ?? []) {
    if (!r.ConfigID || !r.ConfigName) throw rpcError('InvalidArgument', 'malformed config reference');
    if (!r.File) throw rpcError('InvalidArgument', 'malformed config reference, no target provided');
    const name = r.File.Name ?? '';
    if (!name) throw rpcError('InvalidArgument', 'malformed file config reference, invalid target file name provided');
    const prev = configTargets.get(name);
    if (prev !== undefined) throw rpcError('InvalidArgument', `config references '${prev}' and '${r.ConfigName}' have a conflicting target: '${name}'`);
    configTargets.set(name, r.ConfigName);
  }
}

/** swarmkit's checkSecretExistence then checkConfigExistence: by ID, and the name must still be the object's. */
export function checkRefsExist(tx: ReadTx, spec: ServiceSpec): void {
  const cs = spec.TaskTemplate?.ContainerSpec;
  if (!cs) return;
  const secrets = tx.table('secrets');
  const missingSecrets = (cs.Secrets ?? []).filter((r) => (secrets.get(r.SecretID ?? '') as Secret | undefined)?.Spec.Name !== r.SecretName).map((r) => r.SecretName);
  if (missingSecrets.length) throw rpcError('InvalidArgument', `${missingSecrets.length === 1 ? 'secret' : 'secrets'} not found: ${missingSecrets.join(', ')}`);
  const configs = tx.table('configs');
  const missingConfigs = (cs.Configs ?? []).filter((r) => (configs.get(r.ConfigID ?? '') as Config | undefined)?.Spec.Name !== r.ConfigName).map((r) => r.ConfigName);
  if (missingConfigs.length) throw rpcError('InvalidArgument', `${missingConfigs.length === 1 ? 'config' : 'configs'} not found: ${missingConfigs.join(', ')}`);
}
