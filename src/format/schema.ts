/**
 * Reads Go type declarations (a subset of Go syntax: `package p`, `type N
 * struct {…}`, `type N base`, fields with tags, embedded fields) into GoTypes,
 * so docker's API structs can be written down as Go spells them.
 */
import { DurationType, TimeType } from './gotime.js';
import { T, mapOf, ptrTo, sliceOf, type Field, type GoType } from './types.js';

export class TypeRegistry {
  private types = new Map<string, GoType>();

  constructor() {
    for (const t of Object.values(T)) if (t.name && !t.name.includes('.')) this.types.set(t.name, t);
    this.types.set('byte', T.uint8);
    this.types.set('rune', T.int32);
    this.types.set('any', T.any);
    this.types.set('time.Time', TimeType);
    this.types.set('time.Duration', DurationType);
  }

  /** The named type, created empty on first mention so declarations may come in any order. */
  named(name: string): GoType {
    let t = this.types.get(name);
    if (!t) this.types.set(name, (t = { kind: 'struct', name, fields: [] }));
    return t;
  }

  get(name: string): GoType {
    const t = this.types.get(name);
    if (!t) throw new Error(`unknown Go type ${name}`);
    return t;
  }

  /** Declares the types in src (Go syntax, one declaration or field per line). */
  declare(src: string): this {
    let pkg = '';
    let current: GoType | undefined;
    for (let line of src.split('\n')) {
      line = line.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      let m: RegExpExecArray | null;
      if ((m = /^package (\w+)$/.exec(line))) { pkg = m[1]; continue; }
      if (current) {
        if (line === '}') { current = undefined; continue; }
        current.fields!.push(...this.fieldLine(line, pkg));
        continue;
      }
      if ((m = /^type (\w+) struct \{\s*(\})?$/.exec(line))) {
        const t = this.named(`${pkg}.${m[1]}`);
        Object.assign(t, { kind: 'struct', fields: [] });
        if (!m[2]) current = t;
        continue;
      }
      if ((m = /^type (\w+) (=\s*)?(.+)$/.exec(line))) {
        const base = this.typeExpr(m[3], pkg);
        const t = this.named(`${pkg}.${m[1]}`);
        const name = m[2] ? base.name : t.name;
        // a defined type keeps none of its base's methods; an alias is the same type
        Object.assign(t, { ...base, name, methods: m[2] ? base.methods : t.methods, ptrTo: undefined });
        continue;
      }
      throw new Error(`cannot read Go declaration: ${line}`);
    }
    return this;
  }

  private fieldLine(line: string, pkg: string): Field[] {
    const tagM = /`([^`]*)`$/.exec(line);
    const tag = tagM ? tagM[1] : '';
    const body = tagM ? line.slice(0, tagM.index).trim() : line;
    const m = /^([\w, ]+?)\s+(\S.*)$/.exec(body);
    if (!m || /^[*\w.]+$/.test(body)) {
      const type = this.typeExpr(body, pkg);
      const name = body.replace(/^\*/, '').replace(/^.*\./, '');
      return [{ name, type, embedded: true, tag }];
    }
    const type = this.typeExpr(m[2], pkg);
    return m[1].split(',').map((n) => ({ name: n.trim(), type, embedded: false, tag }));
  }

  /** A type expression: T, pkg.T, *T, []T, [N]T, map[K]V, any, interface{}, struct{}. */
  typeExpr(s: string, pkg: string): GoType {
    s = s.trim();
    if (s.startsWith('*')) return ptrTo(this.typeExpr(s.slice(1), pkg));
    if (s.startsWith('[]')) return sliceOf(this.typeExpr(s.slice(2), pkg));
    let m = /^\[(\d+)\](.+)$/.exec(s);
    if (m) return { kind: 'array', len: Number(m[1]), elem: this.typeExpr(m[2], pkg) };
    if (s.startsWith('map[')) {
      let depth = 0, i = 3;
      for (; i < s.length; i++) {
        if (s[i] === '[') depth++;
        else if (s[i] === ']' && --depth === 0) break;
      }
      return mapOf(this.typeExpr(s.slice(4, i), pkg), this.typeExpr(s.slice(i + 1), pkg));
    }
    if (s === 'interface{}' || s === 'any') return T.any;
    if (s === 'struct{}') return { kind: 'struct', fields: [] };
    m = /^(\w+)\.(\w+)$/.exec(s);
    if (m) return this.named(s);
    if (this.types.has(s)) return this.types.get(s)!;
    return this.named(`${pkg}.${s}`);
  }
}
