/** Executes parsed templates over GoValues, following text/template's exec.go step by step. */
import { BUILTINS, truth } from './builtins.js';
import { sprint } from './fmt.js';
import {
  ActionNode, BoolNode, BranchNode, BreakNode, ChainNode, CommandNode, CommentNode, ContinueNode, DotNode, FieldNode,
  IdentifierNode, ListNode, NilNode, Node, NumberNode, PipeNode, StringNode, TemplateNode, TextNode, VariableNode,
} from './nodes.js';
import type { Tree } from './parse.js';
import { quote } from './strconv.js';
import {
  GoError, T, assignable, findMethod, isExported, isFloat, isInt, isUint, ptrTo, typeString, zeroOf,
  type GoFunc, type GoType, type GoValue, type Method, type Val,
} from './types.js';
import { elem, fieldByName, fieldValue, indexOf, indirect, indirectInterface, isTrue, length, methodRecv, sortedEntries, str, val } from './values.js';

export class ExecError extends Error {}

/** What exec needs of a template: its trees, functions and missingkey option. */
export interface ExecTemplate {
  name: string;
  trees: Map<string, Tree>;
  funcs: Map<string, GoFunc>;
  missingKey: 'invalid' | 'zero' | 'error';
}

const MISSING: GoValue = { t: { kind: 'struct', name: 'template.missingValType', fields: [] }, v: {} };
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_DEPTH = 100000;

type Callable = { sig: GoFunc['sig']; invoke(args: Val[]): Val };

export class State {
  node: Node | undefined;
  vars: { name: string; value: Val }[];
  depth = 0;
  constructor(private tmpl: ExecTemplate, private tree: Tree, private out: (s: string) => void, dot: Val) {
    this.vars = [{ name: '$', value: dot }];
  }

  errorf(msg: string): never {
    const name = quote(this.tree.name);
    if (!this.node) throw new ExecError(`template: ${this.tree.name}: ${msg}`);
    const text = this.tree.text.slice(0, this.node.pos);
    const nl = text.lastIndexOf('\n');
    const col = Buffer.byteLength(nl < 0 ? text : text.slice(nl + 1));
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    throw new ExecError(`template: ${this.tmpl.name}:${line}:${col}: executing ${name} at <${this.node}>: ${msg}`);
  }

  at(n: Node) { this.node = n; }
  mark() { return this.vars.length; }
  pop(m: number) { this.vars.length = m; }
  push(name: string, value: Val) { this.vars.push({ name, value }); }
  setVar(name: string, value: Val) {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) { this.vars[i].value = value; return; }
    this.errorf(`undefined variable: ${name}`);
  }
  setTopVar(n: number, value: Val) { this.vars[this.vars.length - n].value = value; }
  varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: Val, node: Node): void {
    this.at(node);
    if (node instanceof ActionNode) {
      const v = this.evalPipeline(dot, node.pipe);
      if (node.pipe.decl.length === 0) this.printValue(node, v);
    } else if (node instanceof BreakNode) throw BREAK;
    else if (node instanceof ContinueNode) throw CONTINUE;
    else if (node instanceof CommentNode) { /* nothing */ } else if (node instanceof BranchNode) {
      if (node.kind === 'range') this.walkRange(dot, node);
      else this.walkIfOrWith(node, dot);
    } else if (node instanceof ListNode) for (const n of node.nodes) this.walk(dot, n);
    else if (node instanceof TemplateNode) this.walkTemplate(dot, node);
    else if (node instanceof TextNode) this.out(node.text);
    else this.errorf(`unknown node: ${node}`);
  }

  private walkIfOrWith(node: BranchNode, dot: Val) {
    const m = this.mark();
    try {
      const v = this.evalPipeline(dot, node.pipe);
      const [t, ok] = isTrue(indirectInterface(v));
      if (!ok) this.errorf(`if/with can't use ${sprint([v])}`);
      if (t) this.walk(node.kind === 'with' ? v : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally { this.pop(m); }
  }

  private walkRange(dot: Val, r: BranchNode) {
    this.at(r);
    const outer = this.mark();
    try {
      const v = indirect(this.evalPipeline(dot, r.pipe))[0];
      const mark = this.mark();
      const decl = r.pipe.decl;
      const one = (index: Val, el: Val) => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0].ident[0], decl.length > 1 ? index : el);
          else this.setTopVar(1, el);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1].ident[0], el);
          else this.setTopVar(2, index);
        }
        try { this.walk(el, r.list); } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally { this.pop(mark); }
      };
      let ran = false;
      if (v) {
        const k = v.t.kind;
        if (k === 'array' || k === 'slice') {
          for (let i = 0; i < length(v); i++) { ran = true; one(val(T.int, i), indexOf(v, i)); }
        } else if (k === 'map') {
          for (const [key, value] of sortedEntries(v)) { ran = true; one(key, value); }
        } else if (isInt(k) || isUint(k)) {
          if (decl.length > 1) this.errorf(`can't use ${sprint([v])} to iterate over more than one variable`);
          for (let i = 0; i < v.v; i++) { ran = true; one(undefined, val(v.t, i)); }
        } else this.errorf(`range can't iterate over ${sprint([v])}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally { this.pop(outer); }
  }

  private walkTemplate(dot: Val, t: TemplateNode) {
    this.at(t);
    const tree = this.tmpl.trees.get(t.name);
    if (!tree) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth === MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const d = this.evalPipeline(dot, t.pipe);
    const s = new State(this.tmpl, tree, this.out, d);
    s.depth = this.depth + 1;
    s.walk(d, tree.root);
  }

  evalPipeline(dot: Val, pipe: PipeNode | undefined): Val {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: Val = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // an interface{} result is replaced by the value inside it
      if (value && value.t.kind === 'interface' && !value.t.name) value = value.v ?? undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.push(v.ident[0], value);
    }
    return value;
  }

  private notAFunction(args: Node[], final: Val) {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${args[0]}`);
  }

  private evalCommand(dot: Val, cmd: CommandNode, final: Val): Val {
    const first = cmd.args[0];
    if (first instanceof FieldNode) return this.evalFieldNode(dot, first, cmd.args, final);
    if (first instanceof ChainNode) return this.evalChainNode(dot, first, cmd.args, final);
    if (first instanceof IdentifierNode) return this.evalFunction(dot, first, cmd, cmd.args, final);
    if (first instanceof PipeNode) { this.notAFunction(cmd.args, final); return this.evalPipeline(dot, first); }
    if (first instanceof VariableNode) return this.evalVariableNode(dot, first, cmd.args, final);
    this.at(first);
    this.notAFunction(cmd.args, final);
    if (first instanceof BoolNode) return val(T.bool, first.value);
    if (first instanceof DotNode) return dot;
    if (first instanceof NilNode) this.errorf('nil is not a command');
    if (first instanceof NumberNode) return this.idealConstant(first);
    if (first instanceof StringNode) return str(first.text);
    this.errorf(`can't evaluate command ${quote(String(first))}`);
  }

  private idealConstant(c: NumberNode): Val {
    this.at(c);
    const hexInt = /^0[xX]/.test(c.text) && !/[pP]/.test(c.text);
    if (c.isComplex) return val(T.complex128, c.complex);
    if (c.isFloat && !hexInt && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return val(T.float64, c.float64);
    if (c.isInt) return val(T.int, Number(c.int64));
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: Val, f: FieldNode, args: Node[] | undefined, final: Val): Val {
    this.at(f);
    return this.evalFieldChain(dot, dot, f, f.ident, args, final);
  }

  private evalChainNode(dot: Val, c: ChainNode, args: Node[] | undefined, final: Val): Val {
    this.at(c);
    if (c.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (c.node instanceof NilNode) this.errorf(`indirection through explicit nil in ${c}`);
    const pipe = this.evalArg(dot, undefined, c.node);
    return this.evalFieldChain(dot, pipe, c, c.field, args, final);
  }

  private evalVariableNode(dot: Val, v: VariableNode, args: Node[] | undefined, final: Val): Val {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) { this.notAFunction(args ?? [], final); return value; }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: Val, receiver: Val, node: Node, ident: string[], args: Node[] | undefined, final: Val): Val {
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(dot, ident[i], node, undefined, MISSING, receiver);
    return this.evalField(dot, ident[ident.length - 1], node, args, final, receiver);
  }

  private evalFunction(dot: Val, node: IdentifierNode, cmd: Node, args: Node[] | undefined, final: Val): Val {
    this.at(node);
    const name = node.ident;
    const user = this.tmpl.funcs.get(name);
    const f = user ?? BUILTINS[name];
    if (!f) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, { sig: f.sig, invoke: (a) => f.call(a) }, !user, cmd, name, args, final);
  }

  private evalField(dot: Val, fieldName: string, node: Node, args: Node[] | undefined, final: Val, receiver: Val): Val {
    if (!receiver) {
      if (this.tmpl.missingKey === 'error') this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    const typ = receiver.t;
    const [r, isNilPtr] = indirect(receiver);
    if (r!.t.kind === 'interface' && isNilPtr) this.errorf(`nil pointer evaluating ${typeString(typ)}.${fieldName}`);
    const ptr = r!.t.kind !== 'interface' && r!.t.kind !== 'ptr' && r!.addr ? { t: ptrTo(r!.t), v: { target: r!.v } } : r!;
    const m = isExported(fieldName) ? findMethod(ptr.t, fieldName, !!r!.addr) : undefined;
    if (m) return this.evalCall(dot, boundMethod(m, ptr), false, node, fieldName, args, final);
    const hasArgs = (args?.length ?? 0) > 1 || final !== MISSING;
    const rv = r!;
    switch (rv.t.kind) {
      case 'struct': {
        const path = fieldByName(rv.t, fieldName);
        if (path) {
          if (!isExported(fieldName)) this.errorf(`${fieldName} is an unexported field of struct type ${typeString(typ)}`);
          let field: GoValue;
          try { field = fieldValue(rv, path); } catch (e) {
            if (e instanceof GoError) this.errorf(e.message);
            throw e;
          }
          if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
          return field;
        }
        break;
      }
      case 'map': {
        if (assignable(T.string, rv.t.key!)) {
          if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
          const m = rv.v as Map<any, any> | null;
          if (m?.has(fieldName)) return val(rv.t.elem!, m.get(fieldName));
          if (this.tmpl.missingKey === 'zero') return val(rv.t.elem!, zeroOf(rv.t.elem!));
          if (this.tmpl.missingKey === 'error') this.errorf(`map has no entry for key ${quote(fieldName)}`);
          return undefined;
        }
        break;
      }
      case 'ptr': {
        const et = rv.t.elem!;
        if (et.kind === 'struct' && !fieldByName(et, fieldName)) break;
        if (isNilPtr) this.errorf(`nil pointer evaluating ${typeString(typ)}.${fieldName}`);
        break;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeString(typ)}`);
  }

  private evalCall(dot: Val, fun: Callable, isBuiltin: boolean, node: Node, name: string, args: Node[] | undefined, final: Val): Val {
    const a = args ? args.slice(1) : [];
    const { params, variadic } = fun.sig;
    const numIn = a.length + (final !== MISSING ? 1 : 0);
    let numFixed = a.length;
    if (variadic) {
      numFixed = params.length - 1;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${params.length - 1} got ${a.length}`);
    } else if (numIn !== params.length) this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);

    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: Val;
      for (const arg of a) {
        v = this.evalArg(dot, T.reflectValue, arg);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, T.reflectValue);
      return v;
    }
    const argv: Val[] = [];
    let i = 0;
    for (; i < numFixed && i < a.length; i++) argv.push(this.evalArg(dot, params[i], a[i]));
    if (variadic) {
      const t = params[params.length - 1].elem!;
      for (; i < a.length; i++) argv.push(this.evalArg(dot, t, a[i]));
    }
    if (final !== MISSING) {
      let t = params[params.length - 1];
      if (variadic) t = numIn - 1 < numFixed ? params[numIn - 1] : t.elem!;
      argv.push(this.validateType(final, t));
    }
    // call names its callee in its errors
    if (isBuiltin && name === 'call') argv.unshift(str(String(a[0])));
    try {
      const r = fun.invoke(argv);
      return r && r.t === T.reflectValue ? r.v : r;
    } catch (e) {
      if (!(e instanceof GoError)) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e.message}`);
    }
  }

  private validateType(value: Val, typ: GoType | undefined): Val {
    if (!value) {
      if (!typ) return undefined;
      if (canBeNil(typ)) return typ === T.reflectValue ? undefined : val(typ, zeroOf(typ));
      this.errorf(`invalid value; expected ${typeString(typ)}`);
    }
    if (typ === T.reflectValue) return value;
    if (typ && !assignable(value.t, typ)) {
      if (value.t.kind === 'interface' && value.v !== null) {
        const inner = value.v as GoValue;
        if (assignable(inner.t, typ)) return inner;
        value = inner;
      }
      if (value.t.kind === 'ptr' && assignable(value.t.elem!, typ)) {
        const e = elem(value);
        if (!e) this.errorf(`dereference of nil pointer of type ${typeString(typ)}`);
        return e;
      }
      if (value.addr && assignable(ptrTo(value.t), typ)) return { t: ptrTo(value.t), v: { target: value.v } };
      this.errorf(`wrong type for value; expected ${typeString(typ)}; got ${typeString(value.t)}`);
    }
    return value;
  }

  private evalArg(dot: Val, typ: GoType | undefined, n: Node): Val {
    this.at(n);
    if (n instanceof DotNode) return this.validateType(dot, typ);
    if (n instanceof NilNode) {
      if (typ && canBeNil(typ)) return typ === T.reflectValue ? undefined : val(typ, zeroOf(typ));
      this.errorf(`cannot assign nil to ${typ ? typeString(typ) : '<nil>'}`);
    }
    if (n instanceof FieldNode) return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
    if (n instanceof VariableNode) return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), typ);
    if (n instanceof PipeNode) return this.validateType(this.evalPipeline(dot, n), typ);
    if (n instanceof IdentifierNode) return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), typ);
    if (n instanceof ChainNode) return this.validateType(this.evalChainNode(dot, n, undefined, MISSING), typ);
    const t = typ!;
    const k = t.kind;
    if (k === 'bool') {
      if (n instanceof BoolNode) return val(t, n.value);
      this.errorf(`expected bool; found ${n}`);
    }
    if (k === 'complex128') {
      if (n instanceof NumberNode && n.isComplex) return val(t, n.complex);
      this.errorf(`expected complex; found ${n}`);
    }
    if (isFloat(k)) {
      if (n instanceof NumberNode && n.isFloat) return val(t, n.float64);
      this.errorf(`expected float; found ${n}`);
    }
    if (isInt(k)) {
      if (n instanceof NumberNode && n.isInt) return val(t, Number(n.int64));
      this.errorf(`expected integer; found ${n}`);
    }
    if (isUint(k)) {
      if (n instanceof NumberNode && n.isUint) return val(t, Number(n.uint64));
      this.errorf(`expected unsigned integer; found ${n}`);
    }
    if ((k === 'interface' && !t.name) || t === T.reflectValue) return this.evalEmptyInterface(dot, n);
    if (k === 'string') {
      if (n instanceof StringNode) return val(t, n.text);
      this.errorf(`expected string; found ${n}`);
    }
    this.errorf(`can't handle ${n} for arg of type ${typeString(t)}`);
  }

  private evalEmptyInterface(dot: Val, n: Node): Val {
    this.at(n);
    if (n instanceof BoolNode) return val(T.bool, n.value);
    if (n instanceof DotNode) return dot;
    if (n instanceof FieldNode) return this.evalFieldNode(dot, n, undefined, MISSING);
    if (n instanceof IdentifierNode) return this.evalFunction(dot, n, n, undefined, MISSING);
    if (n instanceof NilNode) this.errorf("evalEmptyInterface: nil (can't happen)");
    if (n instanceof NumberNode) return this.idealConstant(n);
    if (n instanceof StringNode) return str(n.text);
    if (n instanceof VariableNode) return this.evalVariableNode(dot, n, undefined, MISSING);
    if (n instanceof PipeNode) return this.evalPipeline(dot, n);
    this.errorf(`can't handle assignment of ${n} to empty interface argument`);
  }

  private printValue(n: Node, v: Val) {
    this.at(n);
    const [p, ok] = printableValue(v);
    if (!ok) this.errorf(`can't print ${n} of type ${typeString(v!.t)}`);
    this.out(sprint([p]));
  }
}

function canBeNil(t: GoType): boolean {
  return ['func', 'interface', 'map', 'ptr', 'slice'].includes(t.kind) || t === T.reflectValue;
}

const stringish = (t: GoType) => !!(findMethod(t, 'Error') ?? findMethod(t, 'String'));

/** printableValue: pointers are followed; the zero Value prints as <no value>. */
function printableValue(v: Val): [Val, boolean] {
  if (v?.t.kind === 'ptr') v = indirect(v)[0];
  if (!v) return [str('<no value>'), true];
  if (!stringish(v.t)) {
    if (v.addr && stringish(ptrTo(v.t))) return [{ t: ptrTo(v.t), v: { target: v.v } }, true];
    if (v.t.kind === 'func') return [v, false];
  }
  return [v, true];
}

/** A method with its receiver bound, callable like a function. */
function boundMethod(m: Method, recv: GoValue): Callable {
  return { sig: m.sig, invoke: (args) => m.call(methodRecv(recv), args) };
}
