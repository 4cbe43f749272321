/** Go's predefined template functions (funcs.go): and or not len index slice print printf println eq ne lt le gt ge html js urlquery call. */
import { sprint, sprintf, sprintln } from './fmt.js';
import { GoError, T, assignable, isFloat, isInt, isUint, typeString, zeroOf, type FuncSig, type GoFunc, type GoType, type Val } from './types.js';
import { bool, compareStrings, indexOf, indirect, indirectInterface, int, isNil, isTrue, length, str, val } from './values.js';

const RV = T.reflectValue;
const sig = (params: GoType[], results: GoType[], variadic = false): FuncSig => ({ params, results, variadic });
const fn = (s: FuncSig, call: (args: Val[]) => Val): GoFunc => ({ sig: s, call });
const variadicAny = { kind: 'slice', elem: T.any } as GoType;
const variadicRV = { kind: 'slice', elem: RV } as GoType;

/** reflect's panic when a method is called on the zero Value. */
const zeroValuePanic = (m: string) => new GoError(`reflect: call of reflect.Value.${m} on zero Value`);

export const truth = (v: Val) => isTrue(indirectInterface(v))[0];

function length1(item: Val): Val {
  const [v, nil] = indirect(item);
  if (nil) throw new GoError('len of nil pointer');
  if (!v) throw zeroValuePanic('Type');
  const k = v.t.kind;
  if (k === 'array' || k === 'map' || k === 'slice' || k === 'string') return int(length(v));
  throw new GoError(`len of type ${typeString(v.t)}`);
}

const intLike = (t: GoType) => isInt(t.kind) || isUint(t.kind);

function indexArg(index: Val, cap: number): number {
  if (!index) throw new GoError('cannot index slice/array with nil');
  if (!intLike(index.t)) throw new GoError(`cannot index slice/array with type ${typeString(index.t)}`);
  const x = index.v as number;
  if (x < 0 || x > cap) throw new GoError(`index out of range: ${x}`);
  return x;
}

function prepareArg(value: Val, argType: GoType): Val {
  if (!value) {
    if (!['interface', 'map', 'ptr', 'slice', 'func'].includes(argType.kind)) throw new GoError(`value is nil; should be of type ${typeString(argType)}`);
    return val(argType, zeroOf(argType));
  }
  if (assignable(value.t, argType)) return value;
  if (intLike(value.t) && intLike(argType)) return val(argType, value.v);
  throw new GoError(`value has type ${typeString(value.t)}; should be ${typeString(argType)}`);
}

function index(args: Val[]): Val {
  let item = indirectInterface(args[0]);
  if (!item) throw new GoError('index of untyped nil');
  for (const raw of args.slice(1)) {
    const idx = indirectInterface(raw);
    const [it, nil] = indirect(item);
    if (nil) throw new GoError('index of nil pointer');
    item = it!;
    switch (item.t.kind) {
      case 'array': case 'slice': case 'string': {
        const x = indexArg(idx, length(item));
        if (x === length(item)) throw new GoError(`reflect: ${item.t.kind} index out of range`);
        item = indexOf(item, x);
        break;
      }
      case 'map': {
        const key = prepareArg(idx, item.t.key!)!;
        const m = item.v as Map<any, any> | null;
        const hit = m?.has(keyOf(key.v));
        item = val(item.t.elem!, hit ? m!.get(keyOf(key.v)) : zeroOf(item.t.elem!));
        break;
      }
      default: throw new GoError(`can't index item of type ${typeString(item.t)}`);
    }
  }
  return item;
}

/** Map keys are stored raw; an interface key is keyed by its dynamic value. */
const keyOf = (k: any) => (k && typeof k === 'object' && 't' in k ? k.v : k);

function slice(args: Val[]): Val {
  const item = indirectInterface(args[0]);
  if (!item) throw new GoError('slice of untyped nil');
  const idxs = args.slice(1);
  if (idxs.length > 3) throw new GoError(`too many slice indexes: ${idxs.length}`);
  let cap: number;
  switch (item.t.kind) {
    case 'string':
      if (idxs.length === 3) throw new GoError('cannot 3-index slice a string');
      cap = length(item);
      break;
    case 'array': case 'slice': cap = length(item); break;
    default: throw new GoError(`can't slice item of type ${typeString(item.t)}`);
  }
  const idx = [0, length(item), cap];
  idxs.forEach((x, i) => { idx[i] = indexArg(indirectInterface(x), cap); });
  if (idx[0] > idx[1]) throw new GoError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (idxs.length === 3 && idx[1] > idx[2]) throw new GoError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (item.t.kind === 'string') return val(item.t, Buffer.from(item.v).subarray(idx[0], idx[1]).toString('utf8'));
  const t = item.t.kind === 'array' ? ({ kind: 'slice', elem: item.t.elem } as GoType) : item.t;
  return val(t, (item.v ?? []).slice(idx[0], idx[1]));
}

type BasicKind = 'invalid' | 'bool' | 'complex' | 'int' | 'float' | 'string' | 'uint';
function basicKind(v: Val): BasicKind {
  if (!v) return 'invalid';
  const k = v.t.kind;
  if (k === 'bool') return 'bool';
  if (isInt(k)) return 'int';
  if (isUint(k)) return 'uint';
  if (isFloat(k)) return 'float';
  if (k === 'complex128') return 'complex';
  if (k === 'string') return 'string';
  return 'invalid';
}

const errBadComparisonType = () => new GoError('invalid type for comparison');
const errBadComparison = () => new GoError('incompatible types for comparison');

function eq(args: Val[]): boolean {
  const a1 = indirectInterface(args[0]);
  if (args.length < 2) throw new GoError('missing argument for comparison');
  const k1 = basicKind(a1);
  for (const raw of args.slice(1)) {
    const a = indirectInterface(raw);
    const k2 = basicKind(a);
    let t = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') t = a1!.v >= 0 && a1!.v === a!.v;
      else if (k1 === 'uint' && k2 === 'int') t = a!.v >= 0 && a1!.v === a!.v;
      else if (a1 && a) throw errBadComparison();
    } else if (k1 === 'complex') t = a1!.v.re === a!.v.re && a1!.v.im === a!.v.im;
    else if (k1 !== 'invalid') t = a1!.v === a!.v;
    else {
      if (a1 && a && a1.t.kind !== a.t.kind) throw new GoError(`non-comparable types ${sprint([a1])}: ${typeString(a1.t)}, ${typeString(a.t)}: ${sprint([a])}`);
      if (isNil(a1) || isNil(a)) t = isNil(a) === isNil(a1);
      else {
        if (['map', 'slice', 'func'].includes(a!.t.kind) || (a!.t.kind === 'struct' && a!.t.name !== 'time.Time')) {
          throw new GoError(`non-comparable type ${sprint([a])}: ${typeString(a!.t)}`);
        }
        t = a1!.t === a!.t && a1!.v === a!.v;
      }
    }
    if (t) return true;
  }
  return false;
}

function lt(a: Val, b: Val): boolean {
  const a1 = indirectInterface(a), a2 = indirectInterface(b);
  const k1 = basicKind(a1), k2 = basicKind(a2);
  if (k1 === 'invalid' || k2 === 'invalid') throw errBadComparisonType();
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return a1!.v < 0 || a1!.v < a2!.v;
    if (k1 === 'uint' && k2 === 'int') return a2!.v >= 0 && a1!.v < a2!.v;
    throw errBadComparison();
  }
  if (k1 === 'bool' || k1 === 'complex') throw errBadComparisonType();
  if (k1 === 'string') return compareStrings(a1!.v, a2!.v) < 0;
  return a1!.v < a2!.v;
}
const le = (a: Val, b: Val) => lt(a, b) || eq([a, b]);

/** evalArgs: fmt.Sprint of the arguments after the template's printable indirection. */
function evalArgs(args: Val[]): string {
  if (args.length === 1 && args[0]?.t.kind === 'string') return args[0].v;
  return sprint(args.map((a) => {
    let v = indirectInterface(a);
    if (v?.t.kind === 'ptr') v = indirect(v)[0];
    return v ?? str('<no value>');
  }));
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    const named: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
    if (named[ch]) out += named[ch];
    else if (r < 0x20) out += '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    else if (r < 0x80 || /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** call: the 1.21+ form that names the callee in its errors. */
function call(name: string, args: Val[]): Val {
  const f = indirectInterface(args[0]);
  if (!f) throw new GoError('call of nil');
  if (f.t.kind !== 'func') throw new GoError(`non-function ${name} of type ${typeString(f.t)}`);
  const s = f.t.sig!;
  const rest = args.slice(1);
  if (s.variadic ? rest.length < s.params.length - 1 : rest.length !== s.params.length) {
    throw new GoError(`wrong number of args for ${name}: got ${rest.length} want ${s.variadic ? `at least ${s.params.length - 1}` : s.params.length}`);
  }
  const argv = rest.map((a, i) => prepareArg(indirectInterface(a), s.variadic && i >= s.params.length - 1 ? s.params[s.params.length - 1].elem! : s.params[i]));
  return (f.v as GoFunc['call'])(argv);
}

export const BUILTINS: Record<string, GoFunc> = {
  and: fn(sig([RV, variadicRV], [RV], true), () => undefined),
  or: fn(sig([RV, variadicRV], [RV], true), () => undefined),
  call: fn(sig([RV, variadicRV], [RV], true), (args) => call(String(args[0]?.v), args.slice(1))),
  html: fn(sig([variadicAny], [T.string], true), (a) => str(htmlEscape(evalArgs(a)))),
  index: fn(sig([RV, variadicRV], [RV, T.error], true), index),
  slice: fn(sig([RV, variadicRV], [RV, T.error], true), slice),
  js: fn(sig([variadicAny], [T.string], true), (a) => str(jsEscape(evalArgs(a)))),
  len: fn(sig([RV], [T.int, T.error]), ([a]) => length1(a)),
  not: fn(sig([RV], [T.bool]), ([a]) => bool(!truth(a))),
  print: fn(sig([variadicAny], [T.string], true), (a) => str(sprint(a))),
  printf: fn(sig([T.string, variadicAny], [T.string], true), ([f, ...a]) => str(sprintf(f!.v, a))),
  println: fn(sig([variadicAny], [T.string], true), (a) => str(sprintln(a))),
  urlquery: fn(sig([variadicAny], [T.string], true), (a) => str(queryEscape(evalArgs(a)))),
  eq: fn(sig([RV, variadicRV], [T.bool, T.error], true), (a) => bool(eq(a))),
  ne: fn(sig([RV, RV], [T.bool, T.error]), ([a, b]) => bool(!eq([a, b]))),
  lt: fn(sig([RV, RV], [T.bool, T.error]), ([a, b]) => bool(lt(a, b))),
  le: fn(sig([RV, RV], [T.bool, T.error]), ([a, b]) => bool(le(a, b))),
  gt: fn(sig([RV, RV], [T.bool, T.error]), ([a, b]) => bool(!le(a, b))),
  ge: fn(sig([RV, RV], [T.bool, T.error]), ([a, b]) => bool(!lt(a, b))),
};
