import type { EventMessage } from './event-message.js';

/** Filters as the API parses them (a key with its values). */
export type EventFilters = Record<string, string[]>;

const has = (f: EventFilters, key: string) => (f[key]?.length ?? 0) > 0;

/** Go's filters.Args.ExactMatch: no values for the key matches everything. */
function exact(f: EventFilters, key: string, source: string): boolean {
  return !has(f, key) || f[key].includes(source);
}

/** Go's filters.Args.FuzzyMatch: exact, or a value is a prefix of source. */
function fuzzy(f: EventFilters, key: string, source: string): boolean {
  return exact(f, key, source) || f[key].some((p) => source.startsWith(p));
}

/** The actor's ID or name, fuzzily (moby's fuzzyMatchName): applies to events of every type. */
function byName(f: EventFilters, key: string, e: EventMessage): boolean {
  return fuzzy(f, key, e.Actor.ID) || fuzzy(f, key, e.Actor.Attributes.name ?? '');
}

/** Go's MatchKVList: every `k` or `k=v` value must be among the attributes. */
function labels(f: EventFilters, attrs: Record<string, string>): boolean {
  if (!has(f, 'label')) return true;
  if (Object.keys(attrs).length === 0) return false;
  return f.label.every((kv) => {
    const i = kv.indexOf('=');
    const k = i < 0 ? kv : kv.slice(0, i);
    if (!Object.hasOwn(attrs, k)) return false;
    return i < 0 || attrs[k] === kv.slice(i + 1);
  });
}

const stripTag = (image: string) => {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(0, colon) : image;
};

/** The image of an image event (its name) or of a container event (its image attribute). */
function image(f: EventFilters, e: EventMessage): boolean {
  const name = e.Actor.Attributes[e.Type === 'image' ? 'name' : 'image'] ?? '';
  return [e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name)].some((s) => exact(f, 'image', s));
}

/** Whether an event passes the filters, as moby's daemon/events Filter.Include decides. */
export function includeEvent(f: EventFilters, e: EventMessage): boolean {
  // Docker matches these three event names by prefix ("health_status: healthy").
  const fuzzyEvent = (f.event ?? []).some((v) => v === 'health_status' || v === 'exec_create' || v === 'exec_start');
  return (fuzzyEvent ? fuzzy(f, 'event', e.Action) : exact(f, 'event', e.Action))
    && exact(f, 'type', e.Type)
    && exact(f, 'scope', e.scope)
    && ['daemon', 'container', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config'].every((k) => byName(f, k, e))
    && image(f, e)
    && labels(f, e.Actor.Attributes);
}
