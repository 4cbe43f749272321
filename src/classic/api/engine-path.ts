import type { Engine } from '../pool/engine.js';
import { compareVersions } from '../../api/http.js';

/**
 * The path to send an engine: the client's API version when the engine
 * serves it, else unversioned (the engine's own newest), and the query.
 */
export function enginePath(engine: Engine, version: string, path: string, query: URLSearchParams): string {
  const v = version.replace(/^\/v/, '');
  const serves = engine.apiVersion;
  const prefix = v && serves && compareVersions(v, serves) <= 0 ? `/v${v}` : v && !serves ? `/v${v}` : '';
  const q = query.toString();
  return `${prefix}${path}${q ? `?${q}` : ''}`;
}
