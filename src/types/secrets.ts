// Secrets and configs as the Engine API shapes them (docker-engine-api-v1.47.yaml,
// moby's api/types/swarm/secret.go and config.go).
import type { Labels, Meta } from './objects.js';

export interface Driver { Name?: string; Options?: Record<string, string> }

export interface SecretSpec {
  Name?: string;
  Labels?: Labels;
  /** base64 of the payload; never returned by the API. */
  Data?: string;
  Driver?: Driver;
  /** `--template-driver golang`: the payload is a Go template expanded per task on the worker. */
  Templating?: Driver;
}
export interface Secret extends Meta { Spec: SecretSpec }

export interface ConfigSpec {
  Name?: string;
  Labels?: Labels;
  /** base64 of the payload (returned by inspect, as Docker does). */
  Data?: string;
  Templating?: Driver;
}
export interface Config extends Meta { Spec: ConfigSpec }

/** Docker's limits on a payload, exclusive (swarmkit's MaxSecretSize: 500 KiB; MaxConfigSize: 1000 KiB). */
export const MAX_SECRET_BYTES = 500 * 1024;
export const MAX_CONFIG_BYTES = 1000 * 1024;
