import { newId } from '../../ids.js';
import { ApiError, badRequest, notFound } from '../../types/errors.js';
import type { Service } from '../../types/objects.js';
import { MAX_CONFIG_BYTES, MAX_SECRET_BYTES, type Config, type Secret } from '../../types/secrets.js';
import type { Filters } from './api.js';
import { decodeStdBase64 } from './base64.js';
import type { ControlDeps } from './deps.js';
import { validateFilters } from './filters.js';
import { outOfSequence, rpcError } from './rpc-errors.js';

/** swarmkit's isValidConfigOrSecretName. */
const NAME_RE = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

type Kind = 'secret' | 'config';
type PayloadObject = Secret | Config;
type Table<K extends Kind> = K extends 'secret' ? 'secrets' : 'configs';

/** The services whose task template references the object (swarmkit's ByReferencedSecretID / ConfigID). */
export function servicesUsing(services: Service[], kind: Kind, id: string): Service[] {
  return services.filter((s) => {
    const cs = s.Spec.TaskTemplate?.ContainerSpec;
    return kind === 'secret' ? (cs?.Secrets ?? []).some((r) => r.SecretID === id) : (cs?.Configs ?? []).some((r) => r.ConfigID === id);
  });
}

/**
 * Secrets and configs: the same life (create, inspect, list, labels-only
 * update, remove while unused) with Docker's messages, which name the kind.
 * A secret's payload never leaves through here; a config's does (Docker
 * shows it in `config inspect`).
 */
export class PayloadObjectControl<K extends Kind> {
  private readonly table: Table<K>;

  constructor(private d: ControlDeps, private kind: K) {
    this.table = (kind === 'secret' ? 'secrets' : 'configs') as Table<K>;
  }

  private shown(o: PayloadObject): PayloadObject {
    const c = structuredClone(o);
    if (this.kind === 'secret') delete c.Spec.Data;
    return c;
  }

  private all(): PayloadObject[] {
    return this.d.store.view((tx) => tx.table(this.table).all() as PayloadObject[]);
  }

  /** The moby daemon's lookup: full ID, then exact name, then unique ID prefix. */
  private find(ref: string): PayloadObject {
    const all = this.all();
    const byId = all.find((o) => o.ID === ref);
    if (byId) return byId;
    const byName = all.filter((o) => o.Spec.Name === ref);
    const matches = byName.length ? byName : all.filter((o) => o.ID.startsWith(ref));
    if (matches.length === 0) throw notFound(`${this.kind} ${ref} not found`);
    if (matches.length > 1) throw badRequest(`${this.kind} ${ref} is ambiguous (${matches.length} matches found)`);
    return matches[0];
  }

  get(ref: string): PayloadObject {
    return this.shown(this.find(ref));
  }

  list(filters: Filters): PayloadObject[] {
    validateFilters(filters, ['id', 'label', 'name', 'names']);
    // swarmkit: names, name prefixes and ID prefixes are one OR; labels must all match.
    const ors = [
      ...(filters.names ?? []).map((v) => (o: PayloadObject) => o.Spec.Name === v),
      ...(filters.name ?? []).map((v) => (o: PayloadObject) => (o.Spec.Name ?? '').startsWith(v)),
      ...(filters.id ?? []).map((v) => (o: PayloadObject) => o.ID.startsWith(v)),
    ];
    const labels = filters.label ?? [];
    return this.all()
      .filter((o) => ors.length === 0 || ors.some((f) => f(o)))
      .filter((o) => labels.every((l) => {
        const i = l.indexOf('=');
        const lbl = o.Spec.Labels ?? {};
        return i < 0 ? l in lbl : lbl[l.slice(0, i)] === l.slice(i + 1);
      }))
      .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))
      .map((o) => this.shown(o));
  }

  async create(spec: PayloadObject['Spec'] & { Driver?: { Name?: string } }): Promise<{ ID: string }> {
    const name = spec.Name ?? '';
    if (!name) throw rpcError('InvalidArgument', 'name must be provided');
    if (name.length > 64 || !NAME_RE.test(name)) {
      throw rpcError('InvalidArgument', 'invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]');
    }
    if (this.kind === 'secret' && spec.Driver) {
      if (!spec.Driver.Name) throw rpcError('InvalidArgument', 'secret driver must have a name');
      // No secret driver plugins here: Docker answers the same for a plugin it does not have.
      throw rpcError('Unknown', `plugin ${JSON.stringify(spec.Driver.Name)} not found`);
    }
    const data = spec.Data === undefined || spec.Data === null ? Buffer.alloc(0) : decodeStdBase64(spec.Data);
    const max = this.kind === 'secret' ? MAX_SECRET_BYTES : MAX_CONFIG_BYTES;
    if (data.length >= max || data.length < 1) {
      throw rpcError('InvalidArgument', `${this.kind} data must be larger than 0 and less than ${max} bytes`);
    }
    const stored = {
      Name: name, Labels: spec.Labels ?? {}, Data: data.toString('base64'),
      ...(spec.Driver ? { Driver: spec.Driver } : {}), ...(spec.Templating ? { Templating: spec.Templating } : {}),
    };
    const id = newId();
    await this.d.store.update((tx) => {
      if (tx.table(this.table).getByName(name)) throw rpcError('AlreadyExists', `${this.kind} ${name} already exists`);
      tx.create(this.table, { ID: id, Version: { Index: 0 }, CreatedAt: '', UpdatedAt: '', Spec: stored } as never);
    });
    return { ID: id };
  }

  /** Only the labels may change (swarmkit's UpdateSecret / UpdateConfig). */
  async update(ref: string, version: number, spec: PayloadObject['Spec']): Promise<void> {
    const cur = this.find(ref);
    await this.d.store.update((tx) => {
      const now = tx.table(this.table).get(cur.ID) as PayloadObject | undefined;
      if (!now) throw notFound(`${this.kind} ${ref} not found`);
      const data = spec.Data === undefined || spec.Data === null ? undefined : decodeStdBase64(spec.Data);
      if ((spec.Name ?? '') !== now.Spec.Name || (data !== undefined && !data.equals(Buffer.from(now.Spec.Data ?? '', 'base64')))) {
        throw rpcError('InvalidArgument', 'only updates to Labels are allowed');
      }
      if (now.Version.Index !== version) throw outOfSequence();
      tx.update(this.table, { ...structuredClone(now), Spec: { ...structuredClone(now.Spec), Labels: spec.Labels ?? {} } } as never);
    });
  }

  async remove(ref: string): Promise<void> {
    const o = this.find(ref);
    await this.d.store.update((tx) => {
      if (!tx.table(this.table).get(o.ID)) throw notFound(`${this.kind} ${ref} not found`);
      const users = servicesUsing(tx.services.all(), this.kind, o.ID).sort((a, b) => (a.ID < b.ID ? -1 : 1)).map((s) => s.Spec.Name);
      if (users.length) {
        throw rpcError('InvalidArgument', `${this.kind} '${o.Spec.Name}' is in use by the following ${users.length === 1 ? 'service' : 'services'}: ${users.join(', ')}`);
      }
      tx.remove(this.table, o.ID);
    });
  }
}

/** Docker's refusal of a version query parameter it cannot read ("invalid secret version"). */
export function payloadVersion(q: URLSearchParams, kind: Kind): number {
  const v = q.get('version') ?? '';
  if (!/^[0-9]+$/.test(v) || BigInt(v) > 0xffffffffffffffffn) throw new ApiError(400, `invalid ${kind} version`);
  return Number(v);
}
