/**
 * Go's fmt (Sprint, Sprintf, Sprintln) over GoValue: verbs, flags, width,
 * precision, argument indexes, %!verb(type=value) errors, map/struct/slice
 * printing and Stringer/error methods, as print.go and format.go do it.
 */
import { canBackquote, formatFloat, quote, quoteRune } from './strconv.js';
import { findMethod, isFloat, isInt, isUint, typeString, zeroOf, type GoValue, type Val } from './types.js';
import { elem, indexOf, indirectInterface, length, methodRecv, sortedEntries } from './values.js';

interface Flags {
  plus: boolean; minus: boolean; sharp: boolean; space: boolean; zero: boolean;
  plusV: boolean; sharpV: boolean; wid?: number; prec?: number;
}
const clear = (): Flags => ({ plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false });

const addrs = new WeakMap<object, number>();
let nextAddr = 0;
/** A stable fake address for a map, slice or pointer (Go would print the real one). */
function addrOf(v: GoValue): number {
  if (v.v === null) return 0;
  if (typeof v.v.addr === 'number') return v.v.addr;
  if (typeof v.v !== 'object' && typeof v.v !== 'function') return 0;
  let a = addrs.get(v.v);
  if (a === undefined) addrs.set(v.v, (a = 0xc000100000 + 0x30 * nextAddr++));
  return a;
}

const runeCount = (s: string) => [...s].length;

class Printer {
  buf = '';
  f = clear();
  private erroring = false;

  private writePadding(n: number) {
    if (n > 0) this.buf += (this.f.zero ? '0' : ' ').repeat(n);
  }

  pad(s: string) {
    if (!this.f.wid) { this.buf += s; return; }
    const w = this.f.wid - runeCount(s);
    if (!this.f.minus) { this.writePadding(w); this.buf += s; } else { this.buf += s; this.writePadding(w); }
  }

  printArg(arg: Val, verb: string) {
    arg = indirectInterface(arg);
    if (!arg) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, undefined);
      return;
    }
    if (verb === 'T') { this.fmtS(typeString(arg.t)); return; }
    if (verb === 'p') { this.fmtPointer(arg, 'p'); return; }
    if (this.handleMethods(arg, verb)) return;
    this.printValue(arg, verb, 0);
  }

  /** Calls Error() or String() for the verbs that take a string. */
  private handleMethods(v: GoValue, verb: string): boolean {
    if (this.erroring || this.f.sharpV || !'vsxXq'.includes(verb)) return false;
    const m = findMethod(v.t, 'Error') ?? findMethod(v.t, 'String');
    if (!m || m.sig.params.length !== 0 || m.sig.results.length !== 1 || m.sig.results[0].kind !== 'string') return false;
    // a nil receiver panics in the method; fmt's catchPanic prints <nil>
    if (v.t.kind === 'ptr' && v.v === null) { this.buf += '<nil>'; return true; }
    this.fmtString(m.call(methodRecv(v), [])!.v, verb);
    return true;
  }

  printValue(v: Val, verb: string, depth: number) {
    if (depth > 0 && v && this.handleMethods(v, verb)) return;
    if (!v) {
      if (depth === 0) this.buf += '<invalid reflect.Value>';
      else if (verb === 'v') this.buf += '<nil>';
      else this.badVerb(verb, undefined);
      return;
    }
    const k = v.t.kind;
    if (k === 'bool') return this.fmtBool(v.v, verb, v);
    if (isInt(k)) return this.fmtInteger(v.v, true, verb, v);
    if (isUint(k)) return this.fmtInteger(v.v, false, verb, v);
    if (isFloat(k)) return this.fmtFloat(v.v, k === 'float32' ? 32 : 64, verb, v);
    switch (k) {
      case 'complex128': return this.fmtComplex(v, verb);
      case 'string': return this.fmtString(v.v, verb, v);
      case 'map': return this.printMap(v, verb, depth);
      case 'struct': return this.printStruct(v, verb, depth);
      case 'interface': {
        const e = elem(v);
        if (!e) this.buf += this.f.sharpV ? `${typeString(v.t)}(nil)` : '<nil>';
        else this.printValue(e, verb, depth + 1);
        return;
      }
      case 'array': case 'slice': return this.printList(v, verb, depth);
      case 'ptr':
        if (depth === 0 && v.v !== null && ['array', 'slice', 'struct', 'map'].includes(v.t.elem!.kind)) {
          this.buf += '&';
          this.printValue(elem(v), verb, depth + 1);
          return;
        }
        return this.fmtPointer(v, verb);
      case 'func': return this.fmtPointer(v, verb);
    }
    this.buf += `?${typeString(v.t)}?`;
  }

  private printMap(v: GoValue, verb: string, depth: number) {
    if (this.f.sharpV) {
      this.buf += typeString(v.t);
      if (v.v === null) { this.buf += '(nil)'; return; }
      this.buf += '{';
    } else this.buf += 'map[';
    sortedEntries(v).forEach(([key, value], i) => {
      if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
      this.printValue(key, verb, depth + 1);
      this.buf += ':';
      this.printValue(value, verb, depth + 1);
    });
    this.buf += this.f.sharpV ? '}' : ']';
  }

  private printStruct(v: GoValue, verb: string, depth: number) {
    if (this.f.sharpV) this.buf += typeString(v.t);
    this.buf += '{';
    (v.t.fields ?? []).forEach((f, i) => {
      if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
      if (this.f.plusV || this.f.sharpV) this.buf += `${f.name}:`;
      const raw = v.v?.[f.name];
      this.printValue({ t: f.type, v: raw === undefined ? zeroOf(f.type) : raw }, verb, depth + 1);
    });
    this.buf += '}';
  }

  private printList(v: GoValue, verb: string, depth: number) {
    const n = length(v);
    if ('sqxX'.includes(verb) && v.t.elem!.kind === 'uint8') {
      const bytes = Buffer.from((v.v ?? []) as number[]);
      if (verb === 's') this.fmtS(bytes.toString('utf8'));
      else if (verb === 'q') this.fmtQ(bytes.toString('utf8'));
      else this.fmtSx(bytes, verb === 'X');
      return;
    }
    if (this.f.sharpV) {
      this.buf += typeString(v.t);
      if (v.t.kind === 'slice' && v.v === null) { this.buf += '(nil)'; return; }
      this.buf += '{';
      for (let i = 0; i < n; i++) { if (i > 0) this.buf += ', '; this.printValue(indexOf(v, i), verb, depth + 1); }
      this.buf += '}';
      return;
    }
    this.buf += '[';
    for (let i = 0; i < n; i++) { if (i > 0) this.buf += ' '; this.printValue(indexOf(v, i), verb, depth + 1); }
    this.buf += ']';
  }

  badVerb(verb: string, v: Val) {
    this.erroring = true;
    this.buf += `%!${verb}(`;
    if (v) { this.buf += `${typeString(v.t)}=`; this.printArg(v, 'v'); } else this.buf += '<nil>';
    this.buf += ')';
    this.erroring = false;
  }

  private fmtBool(b: boolean, verb: string, v: GoValue) {
    if (verb === 't' || verb === 'v') this.pad(b ? 'true' : 'false');
    else this.badVerb(verb, v);
  }

  fmtInteger(n: number, signed: boolean, verb: string, v: GoValue) {
    switch (verb) {
      case 'v': return this.f.sharpV && !signed ? this.fmt0x64(n, true) : this.integer(n, 10, signed, verb, false);
      case 'd': return this.integer(n, 10, signed, verb, false);
      case 'b': return this.integer(n, 2, signed, verb, false);
      case 'o': case 'O': return this.integer(n, 8, signed, verb, false);
      case 'x': return this.integer(n, 16, signed, verb, false);
      case 'X': return this.integer(n, 16, signed, verb, true);
      case 'c': return this.pad(n > 0x10ffff || n < 0 ? '\ufffd' : String.fromCodePoint(n));
      case 'q': return this.pad(quoteRune(n, this.f.plus));
      case 'U': return this.fmtUnicode(n);
    }
    this.badVerb(verb, v);
  }

  private fmt0x64(n: number, leading0x: boolean) {
    const sharp = this.f.sharp;
    this.f.sharp = leading0x;
    this.integer(n, 16, false, 'v', false);
    this.f.sharp = sharp;
  }

  private integer(n: number, base: number, signed: boolean, verb: string, upper: boolean) {
    const neg = signed && n < 0;
    let digits = BigInt(Math.abs(Math.trunc(n))).toString(base);
    if (upper) digits = digits.toUpperCase();
    let prec = 0;
    if (this.f.prec !== undefined) {
      prec = this.f.prec;
      if (prec === 0 && n === 0) {
        const z = this.f.zero; this.f.zero = false; this.writePadding(this.f.wid ?? 0); this.f.zero = z;
        return;
      }
    } else if (this.f.zero && this.f.wid !== undefined) {
      prec = this.f.wid;
      if (neg || this.f.plus || this.f.space) prec--;
    }
    digits = digits.padStart(prec, '0');
    if (this.f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (neg) digits = '-' + digits;
    else if (this.f.plus) digits = '+' + digits;
    else if (this.f.space) digits = ' ' + digits;
    const z = this.f.zero; this.f.zero = false; this.pad(digits); this.f.zero = z;
  }

  private fmtUnicode(n: number) {
    let s = 'U+' + n.toString(16).toUpperCase().padStart(this.f.prec !== undefined && this.f.prec > 4 ? this.f.prec : 4, '0');
    if (this.f.sharp && n <= 0x10ffff && /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(String.fromCodePoint(n))) s += ` '${String.fromCodePoint(n)}'`;
    const z = this.f.zero; this.f.zero = false; this.pad(s); this.f.zero = z;
  }

  fmtFloat(x: number, size: 32 | 64, verb: string, v: GoValue) {
    const conv: Record<string, [string, number]> = { v: ['g', -1], b: ['b', -1], g: ['g', -1], G: ['G', -1], x: ['x', -1], X: ['X', -1], f: ['f', 6], e: ['e', 6], E: ['E', 6], F: ['f', 6] };
    const c = conv[verb];
    if (!c) { this.badVerb(verb, v); return; }
    const prec = this.f.prec ?? c[1];
    let num = formatFloat(x, c[0], prec, size);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.f.space && num[0] === '+' && !this.f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const z = this.f.zero; this.f.zero = false;
      if (num[1] === 'N' && !this.f.space && !this.f.plus) num = num.slice(1);
      this.pad(num); this.f.zero = z;
      return;
    }
    if (this.f.sharp && c[0] !== 'b') num = sharpFloat(num, c[0], prec);
    if (this.f.plus || num[0] !== '+') {
      if (this.f.zero && this.f.wid !== undefined && this.f.wid > num.length) {
        this.buf += num[0]; this.writePadding(this.f.wid - num.length); this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  private fmtComplex(v: GoValue, verb: string) {
    if (!'vbgGxXfFeE'.includes(verb)) { this.badVerb(verb, v); return; }
    const oldPlus = this.f.plus;
    this.buf += '(';
    this.fmtFloat(v.v.re, 64, verb, v);
    this.f.plus = true;
    this.fmtFloat(v.v.im, 64, verb, v);
    this.buf += 'i)';
    this.f.plus = oldPlus;
  }

  fmtString(s: string, verb: string, v?: GoValue) {
    switch (verb) {
      case 'v': return this.f.sharpV ? this.fmtQ(s) : this.fmtS(s);
      case 's': return this.fmtS(s);
      case 'x': return this.fmtSx(Buffer.from(s), false);
      case 'X': return this.fmtSx(Buffer.from(s), true);
      case 'q': return this.fmtQ(s);
    }
    this.badVerb(verb, v ?? { t: { kind: 'string', name: 'string' }, v: s });
  }

  private truncate(s: string): string {
    return this.f.prec !== undefined ? [...s].slice(0, this.f.prec).join('') : s;
  }

  fmtS(s: string) { this.pad(this.truncate(s)); }

  private fmtQ(s: string) {
    s = this.truncate(s);
    if (this.f.sharp && canBackquote(s)) { this.pad('`' + s + '`'); return; }
    this.pad(quote(s, this.f.plus));
  }

  private fmtSx(b: Buffer, upper: boolean) {
    let n = b.length;
    if (this.f.prec !== undefined && this.f.prec < n) n = this.f.prec;
    let width = 2 * n;
    if (width > 0) {
      if (this.f.space) { if (this.f.sharp) width *= 2; width += n - 1; } else if (this.f.sharp) width += 2;
    } else {
      if (this.f.wid !== undefined) this.writePadding(this.f.wid);
      return;
    }
    if (this.f.wid !== undefined && this.f.wid > width && !this.f.minus) this.writePadding(this.f.wid - width);
    const x = upper ? '0X' : '0x';
    let out = this.f.sharp ? x : '';
    for (let i = 0; i < n; i++) {
      if (this.f.space && i > 0) out += ' ' + (this.f.sharp ? x : '');
      const h = b[i].toString(16).padStart(2, '0');
      out += upper ? h.toUpperCase() : h;
    }
    this.buf += out;
    if (this.f.wid !== undefined && this.f.wid > width && this.f.minus) this.writePadding(this.f.wid - width);
  }

  fmtPointer(v: GoValue, verb: string) {
    if (!['ptr', 'func', 'map', 'slice'].includes(v.t.kind)) { this.badVerb(verb, v); return; }
    const u = addrOf(v);
    switch (verb) {
      case 'v':
        if (this.f.sharpV) { this.buf += `(${typeString(v.t)})(`; if (u === 0) this.buf += 'nil'; else this.fmt0x64(u, true); this.buf += ')'; } else if (u === 0) this.pad('<nil>');
        else this.fmt0x64(u, !this.f.sharp);
        return;
      case 'p': this.fmt0x64(u, !this.f.sharp); return;
      case 'b': case 'o': case 'd': case 'x': case 'X': this.fmtInteger(u, false, verb, v); return;
    }
    this.badVerb(verb, v);
  }
}

/** %#g and friends keep the point and trailing zeros. */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = verb === 'g' || verb === 'G' || verb === 'x' ? (prec === -1 ? 6 : prec) : 0;
  let tail = '';
  let body = num;
  // hex digits include e: only p starts a hex float's exponent
  const e = (verb === 'x' || verb === 'X' ? /[pP]/ : /[eEpP]/).exec(num.slice(1));
  if (e) { tail = num.slice(1 + e.index); body = num.slice(0, 1 + e.index); }
  let sawNonzero = false;
  for (const ch of body.slice(1)) {
    if (ch === '.') continue;
    if (ch !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!body.includes('.')) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  while (digits-- > 0) body += '0';
  return body + tail;
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: Val[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((a, i) => {
    const c = indirectInterface(a);
    const isString = !!c && c.t.kind === 'string';
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(c, 'v');
    prevString = isString;
  });
  return p.buf;
}

export function sprintln(args: Val[]): string {
  const p = new Printer();
  args.forEach((a, i) => { if (i > 0) p.buf += ' '; p.printArg(a, 'v'); });
  return p.buf + '\n';
}

export function sprintf(format: string, a: Val[]): string {
  return doPrintf(new Printer(), format, a);
}

function parsenum(s: string, start: number, end: number): [number | undefined, number] {
  let i = start, n = 0, ok = false;
  while (i < end && s[i] >= '0' && s[i] <= '9') {
    if (n > 1e6) return [undefined, end];
    n = n * 10 + Number(s[i]);
    ok = true;
    i++;
  }
  return [ok ? n : undefined, i];
}

function intFromArg(a: Val[], argNum: number): [number | undefined, number] {
  if (argNum >= a.length) return [undefined, argNum];
  const v = indirectInterface(a[argNum]);
  let n: number | undefined;
  if (v && (isInt(v.t.kind) || isUint(v.t.kind))) n = v.v;
  if (n !== undefined && Math.abs(n) > 1e6) n = undefined;
  return [n, argNum + 1];
}

function doPrintf(p: Printer, format: string, a: Val[]): string {
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;
  const argNumber = (i: number): [number, boolean] => {
    if (i >= end || format[i] !== '[') return [i, false];
    reordered = true;
    const close = format.indexOf(']', i + 1);
    if (close < 0) { goodArgNum = false; return [i + 1, false]; }
    const [n, ni] = parsenum(format, i + 1, close);
    if (n === undefined || ni !== close) { goodArgNum = false; return [close + 1, false]; }
    if (n - 1 >= 0 && n - 1 < a.length) { argNum = n - 1; return [close + 1, true]; }
    goodArgNum = false;
    return [close + 1, true];
  };
  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.f = clear();
    let simple = false;
    for (; i < end; i++) {
      const c = format[i];
      if (c === '#') p.f.sharp = true;
      else if (c === '0') p.f.zero = !p.f.minus;
      else if (c === '+') p.f.plus = true;
      else if (c === '-') { p.f.minus = true; p.f.zero = false; } else if (c === ' ') p.f.space = true;
      else {
        if (c >= 'a' && c <= 'z' && argNum < a.length) {
          if (c === 'v') { p.f.sharpV = p.f.sharp; p.f.sharp = false; p.f.plusV = p.f.plus; p.f.plus = false; }
          p.printArg(a[argNum], c);
          argNum++;
          i++;
          simple = true;
        }
        break;
      }
    }
    if (simple) continue;
    [i, afterIndex] = argNumber(i);
    if (i < end && format[i] === '*') {
      i++;
      [p.f.wid, argNum] = intFromArg(a, argNum);
      if (p.f.wid === undefined) p.buf += '%!(BADWIDTH)';
      else if (p.f.wid < 0) { p.f.wid = -p.f.wid; p.f.minus = true; p.f.zero = false; }
      afterIndex = false;
    } else {
      [p.f.wid, i] = parsenum(format, i, end);
      if (afterIndex && p.f.wid !== undefined) goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      [i, afterIndex] = argNumber(i);
      if (i < end && format[i] === '*') {
        i++;
        [p.f.prec, argNum] = intFromArg(a, argNum);
        if (p.f.prec !== undefined && p.f.prec < 0) p.f.prec = undefined;
        if (p.f.prec === undefined) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        [p.f.prec, i] = parsenum(format, i, end);
        p.f.prec ??= 0;
      }
    }
    if (!afterIndex) [i, afterIndex] = argNumber(i);
    if (i >= end) { p.buf += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') p.buf += '%';
    else if (!goodArgNum) p.buf += `%!${verb}(BADINDEX)`;
    else if (argNum >= a.length) p.buf += `%!${verb}(MISSING)`;
    else {
      if (verb === 'v') { p.f.sharpV = p.f.sharp; p.f.sharp = false; p.f.plusV = p.f.plus; p.f.plus = false; }
      p.printArg(a[argNum], verb);
      argNum++;
    }
  }
  if (!reordered && argNum < a.length) {
    p.f = clear();
    p.buf += '%!(EXTRA ';
    a.slice(argNum).forEach((arg, j) => {
      if (j > 0) p.buf += ', ';
      const c = indirectInterface(arg);
      if (!c) p.buf += '<nil>';
      else { p.buf += `${typeString(c.t)}=`; p.printArg(c, 'v'); }
    });
    p.buf += ')';
  }
  return p.buf;
}
