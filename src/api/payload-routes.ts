import { decodeBody } from './json/decode.js';
import { empty, json, parseFilters, type ApiRequest } from './http.js';
import type { Route, RouteKind } from './route.js';
import { configSpec, secretSpec } from '../types/schema.js';
import { refuseUnsupported } from '../manager/controlapi/unsupported.js';
import { payloadVersion } from '../manager/controlapi/payload-objects.js';
import type { ConfigSpec, SecretSpec } from '../types/secrets.js';

type MakeRoute = (method: string, pattern: RegExp, kind: RouteKind, run: Route['run']) => Route;

const spec = async <T>(r: ApiRequest, schema: typeof secretSpec) => {
  const s = await decodeBody<T>(schema, await r.body(), {});
  refuseUnsupported(schema, s);
  return s;
};

/** /secrets and /configs: create, list, inspect, update (labels), remove. */
export function payloadRoutes(route: MakeRoute): Route[] {
  return [
    route('GET', /^\/secrets$/, 'cluster-read', (r, b) => json(b.control().listSecrets(parseFilters(r.query)))),
    route('POST', /^\/secrets\/create$/, 'cluster-write', async (r, b) => json(await b.control().createSecret(await spec<SecretSpec>(r, secretSpec)), 201)),
    route('GET', /^\/secrets\/(?<id>[^/]+)$/, 'cluster-read', (r, b) => json(b.control().getSecret(r.params.id))),
    route('POST', /^\/secrets\/(?<id>[^/]+)\/update$/, 'cluster-write', async (r, b) => {
      const v = payloadVersion(r.query, 'secret');
      await b.control().updateSecret(r.params.id, v, await spec<SecretSpec>(r, secretSpec));
      return empty();
    }),
    route('DELETE', /^\/secrets\/(?<id>[^/]+)$/, 'cluster-write', async (r, b) => { await b.control().removeSecret(r.params.id); return empty(204); }),

    route('GET', /^\/configs$/, 'cluster-read', (r, b) => json(b.control().listConfigs(parseFilters(r.query)))),
    route('POST', /^\/configs\/create$/, 'cluster-write', async (r, b) => json(await b.control().createConfig(await spec<ConfigSpec>(r, configSpec)), 201)),
    route('GET', /^\/configs\/(?<id>[^/]+)$/, 'cluster-read', (r, b) => json(b.control().getConfig(r.params.id))),
    route('POST', /^\/configs\/(?<id>[^/]+)\/update$/, 'cluster-write', async (r, b) => {
      const v = payloadVersion(r.query, 'config');
      await b.control().updateConfig(r.params.id, v, await spec<ConfigSpec>(r, configSpec));
      return empty();
    }),
    route('DELETE', /^\/configs\/(?<id>[^/]+)$/, 'cluster-write', async (r, b) => { await b.control().removeConfig(r.params.id); return empty(204); }),
  ];
}
