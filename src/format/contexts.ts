/**
 * The values docker's list formatters execute templates on: a *xxxContext
 * per row whose columns are methods (so `{{json .}}` marshals them with
 * sorted keys, and unknown names fail as "can't evaluate field X in type
 * *service.serviceContext"), and the formatter.SubHeaderContext map the
 * header row renders from.
 */
import { marshal } from './gojson.js';
import { T, mapOf, ptrTo, sliceOf, type GoType, type GoValue, type Method } from './types.js';
import { Ptr, str, val } from './values.js';

const bytes = sliceOf(T.uint8);
const sig0 = (r: GoType[]) => ({ params: [], variadic: false, results: r });

/** formatter.HeaderContext, embedded in every list context. */
const HEADER_CONTEXT: GoType = {
  kind: 'struct', name: 'formatter.HeaderContext', fields: [{ name: 'Header', type: T.any, embedded: false, tag: '' }],
  methods: [{ name: 'FullHeader', ptr: true, sig: sig0([T.any]), call: (r) => val(T.any, r.v.Header ?? null) }],
};

/** formatter.SubHeaderContext: map[string]string with a Label method. */
const SUB_HEADER: GoType = { ...mapOf(T.string, T.string), name: 'formatter.SubHeaderContext' };
SUB_HEADER.methods = [{
  name: 'Label', sig: { params: [T.string], variadic: false, results: [T.string] },
  call: (_r, [name]) => str((name!.v as string).split('.').pop()!.replace(/[-_]/g, ' ')),
}];

/** A *name context type whose methods are the columns. */
export function contextType(name: string, columns: Record<string, 'string' | 'bool'>): GoType {
  const t: GoType = { kind: 'struct', name, fields: [{ name: 'HeaderContext', type: HEADER_CONTEXT, embedded: true, tag: '' }] };
  const methods: Method[] = Object.entries(columns).map(([col, kind]) => ({
    name: col, ptr: true, sig: sig0([kind === 'bool' ? T.bool : T.string]),
    call: (r) => val(kind === 'bool' ? T.bool : T.string, r.v.row[col] ?? (kind === 'bool' ? false : '')),
  }));
  // formatter.MarshalJSON: every exported no-argument, one-result method but FullHeader
  methods.push({
    name: 'MarshalJSON', ptr: true, sig: sig0([bytes, T.error]),
    call: (r) => {
      const m = new Map(methods.filter((x) => x.sig.results.length === 1).map((x) => [x.name, x.call(r, [])]));
      return val(bytes, [...Buffer.from(marshal(val(mapOf(T.string, T.any), m)))]);
    },
  });
  t.methods = methods;
  return ptrTo(t);
}

/** One row as a context value. */
export function contextValue(type: GoType, row: Record<string, unknown>): GoValue {
  return val(type, new Ptr({ HeaderContext: { Header: null }, row }));
}

export function headerValue(headers: Record<string, string>): GoValue {
  return val(SUB_HEADER, new Map(Object.entries(headers)));
}
