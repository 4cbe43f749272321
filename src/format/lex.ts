/** The lexer of Go's text/template (parse/lex.go): items with position and line. */

export type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'complex' | 'assign' | 'declare' | 'EOF' | 'field' | 'identifier'
  | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString' | 'rightDelim' | 'rightParen' | 'space' | 'string'
  | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';

export interface Item { typ: ItemType; pos: number; val: string; line: number }

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else', end: 'end',
  if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};
export const isKeyword = (t: ItemType) => Object.values(KEYWORDS).includes(t);

const LEFT = '{{', RIGHT = '}}', LEFT_COMMENT = '/*', RIGHT_COMMENT = '*/';
const TRIM_MARKER_LEN = 2;

const isSpace = (r: string) => r === ' ' || r === '\t' || r === '\r' || r === '\n';
const isAlphaNumeric = (r: string) => r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
const hasLeftTrimMarker = (s: string) => s.length >= 2 && s[0] === '-' && isSpace(s[1]);
const hasRightTrimMarker = (s: string) => s.length >= 2 && isSpace(s[0]) && s[1] === '-';
const rightTrimLength = (s: string) => s.length - s.replace(/[ \t\r\n]+$/, '').length;
const leftTrimLength = (s: string) => s.length - s.replace(/^[ \t\r\n]+/, '').length;
const count = (s: string, c: string) => s.split(c).length - 1;

type State = ((l: Lexer) => State) | null;

class Lexer {
  items: Item[] = [];
  pos = 0;
  start = 0;
  atEOF = false;
  parenDepth = 0;
  line = 1;
  startLine = 1;
  constructor(readonly input: string, readonly breakOK: boolean, readonly continueOK: boolean) {}

  next(): string {
    if (this.pos >= this.input.length) { this.atEOF = true; return ''; }
    const r = String.fromCodePoint(this.input.codePointAt(this.pos)!);
    this.pos += r.length;
    if (r === '\n') this.line++;
    return r;
  }
  peek(): string { const r = this.next(); this.backup(); return r; }
  backup() {
    if (!this.atEOF && this.pos > 0) {
      const prev = this.input.charCodeAt(this.pos - 1);
      const w = prev >= 0xdc00 && prev <= 0xdfff && this.pos > 1 ? 2 : 1;
      this.pos -= w;
      if (this.input[this.pos] === '\n') this.line--;
    }
  }
  emit(typ: ItemType) {
    this.items.push({ typ, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }
  ignore() {
    this.line += count(this.input.slice(this.start, this.pos), '\n');
    this.start = this.pos;
    this.startLine = this.line;
  }
  accept(valid: string): boolean {
    const r = this.next();
    if (r !== '' && valid.includes(r)) return true;
    this.backup();
    return false;
  }
  acceptRun(valid: string) {
    for (let r = this.next(); r !== '' && valid.includes(r); r = this.next());
    this.backup();
  }
  errorf(msg: string): State {
    this.items.push({ typ: 'error', pos: this.start, val: msg, line: this.startLine });
    return null;
  }
  atRightDelim(): [boolean, boolean] {
    const rest = this.input.slice(this.pos);
    if (hasRightTrimMarker(rest) && rest.slice(TRIM_MARKER_LEN).startsWith(RIGHT)) return [true, true];
    if (rest.startsWith(RIGHT)) return [true, false];
    return [false, false];
  }
  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    if (r === '' || '.,|:)('.includes(r)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }
}

function lexText(l: Lexer): State {
  const x = l.input.indexOf(LEFT, l.pos);
  if (x >= 0) {
    l.pos = x;
    let trim = 0;
    if (hasLeftTrimMarker(l.input.slice(l.pos + LEFT.length))) trim = rightTrimLength(l.input.slice(l.start, l.pos));
    l.pos -= trim;
    if (l.pos > l.start) {
      l.line += count(l.input.slice(l.start, l.pos), '\n');
      l.emit('text');
    }
    l.pos += trim;
    l.ignore();
    return lexLeftDelim;
  }
  l.pos = l.input.length;
  if (l.pos > l.start) {
    l.line += count(l.input.slice(l.start, l.pos), '\n');
    l.emit('text');
  }
  l.emit('EOF');
  return null;
}

function lexLeftDelim(l: Lexer): State {
  l.pos += LEFT.length;
  const trimSpace = hasLeftTrimMarker(l.input.slice(l.pos));
  const after = trimSpace ? TRIM_MARKER_LEN : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.pos + after)) {
    l.pos += after;
    l.ignore();
    return lexComment;
  }
  l.emit('leftDelim');
  l.pos += after;
  l.ignore();
  l.parenDepth = 0;
  return lexInsideAction;
}

function lexComment(l: Lexer): State {
  l.pos += LEFT_COMMENT.length;
  const i = l.input.indexOf(RIGHT_COMMENT, l.pos);
  if (i < 0) return l.errorf('unclosed comment');
  l.pos = i + RIGHT_COMMENT.length;
  const [delim, trimSpace] = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  if (trimSpace) l.pos += TRIM_MARKER_LEN;
  l.pos += RIGHT.length;
  if (trimSpace) l.pos += leftTrimLength(l.input.slice(l.pos));
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): State {
  const trimSpace = hasRightTrimMarker(l.input.slice(l.pos));
  if (trimSpace) { l.pos += TRIM_MARKER_LEN; l.ignore(); }
  l.pos += RIGHT.length;
  l.emit('rightDelim');
  if (trimSpace) { l.pos += leftTrimLength(l.input.slice(l.pos)); l.ignore(); }
  return lexText;
}

function lexInsideAction(l: Lexer): State {
  const [delim] = l.atRightDelim();
  if (delim) {
    if (l.parenDepth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === '') return l.errorf('unclosed action');
  if (isSpace(r)) { l.backup(); return lexSpace; }
  switch (r) {
    case '=': l.emit('assign'); return lexInsideAction;
    case ':':
      if (l.next() !== '=') return l.errorf('expected :=');
      l.emit('declare');
      return lexInsideAction;
    case '|': l.emit('pipe'); return lexInsideAction;
    case '"': return lexQuote;
    case '`': return lexRawQuote;
    case '$': return lexVariable;
    case "'": return lexChar;
    case '(': l.emit('leftParen'); l.parenDepth++; return lexInsideAction;
    case ')':
      l.emit('rightParen');
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf(`unexpected right paren U+0029 ')'`);
      return lexInsideAction;
  }
  if (r === '.') {
    if (l.pos < l.input.length) {
      const c = l.input[l.pos];
      if (c < '0' || c > '9') return lexField;
    }
  }
  if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) { l.backup(); return lexNumber; }
  if (isAlphaNumeric(r)) { l.backup(); return lexIdentifier; }
  const cp = r.codePointAt(0)!;
  if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) { l.emit('char'); return lexInsideAction; }
  return l.errorf(`unrecognized character in action: ${unicodeName(r)}`);
}

/** Go's %#U: U+0041 'A' (no quoted form for unprintables). */
function unicodeName(r: string): string {
  const cp = r.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(r) ? `U+${hex} '${r}'` : `U+${hex}`;
}

function lexSpace(l: Lexer): State {
  let numSpaces = 0;
  while (isSpace(l.peek())) { l.next(); numSpaces++; }
  if (hasRightTrimMarker(l.input.slice(l.pos - 1)) && l.input.startsWith(RIGHT, l.pos - 1 + TRIM_MARKER_LEN)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  l.emit('space');
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r !== '' && isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${unicodeName(r || '\0')}`);
    const kw = KEYWORDS[word];
    if (kw && kw !== 'dot') {
      if ((kw === 'break' && !l.breakOK) || (kw === 'continue' && !l.continueOK)) l.emit('identifier');
      else l.emit(kw);
    } else if (word[0] === '.') l.emit('field');
    else if (word === 'true' || word === 'false') l.emit('bool');
    else l.emit('identifier');
    return lexInsideAction;
  }
}

const lexField = (l: Lexer) => lexFieldOrVariable(l, 'field');

function lexVariable(l: Lexer): State {
  if (l.atTerminator()) { l.emit('variable'); return lexInsideAction; }
  return lexFieldOrVariable(l, 'variable');
}

function lexFieldOrVariable(l: Lexer, typ: ItemType): State {
  if (l.atTerminator()) {
    l.emit(typ === 'variable' ? 'variable' : 'dot');
    return lexInsideAction;
  }
  let r: string;
  for (;;) {
    r = l.next();
    if (r === '' || !isAlphaNumeric(r)) { l.backup(); break; }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${unicodeName(r || '\0')}`);
  l.emit(typ);
  return lexInsideAction;
}

function lexChar(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === '\\') {
      const n = l.next();
      if (n !== '' && n !== '\n') continue;
      return l.errorf('unterminated character constant');
    }
    if (r === '' || r === '\n') return l.errorf('unterminated character constant');
    if (r === "'") break;
  }
  l.emit('charConstant');
  return lexInsideAction;
}

function lexNumber(l: Lexer): State {
  if (!scanNumber(l)) return l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    if (!scanNumber(l) || l.input[l.pos - 1] !== 'i') return l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.start, l.pos))}`);
    l.emit('complex');
  } else l.emit('number');
  return lexInsideAction;
}

function scanNumber(l: Lexer): boolean {
  l.accept('+-');
  let digits = '0123456789_';
  if (l.accept('0')) {
    if (l.accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (l.accept('oO')) digits = '01234567_';
    else if (l.accept('bB')) digits = '01_';
  }
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (digits.length === 11 && l.accept('eE')) { l.accept('+-'); l.acceptRun('0123456789_'); }
  if (digits.length === 23 && l.accept('pP')) { l.accept('+-'); l.acceptRun('0123456789_'); }
  l.accept('i');
  const p = l.peek();
  if (p !== '' && isAlphaNumeric(p)) { l.next(); return false; }
  return true;
}

function lexQuote(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === '\\') {
      const n = l.next();
      if (n !== '' && n !== '\n') continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === '' || r === '\n') return l.errorf('unterminated quoted string');
    if (r === '"') break;
  }
  l.emit('string');
  return lexInsideAction;
}

function lexRawQuote(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === '') return l.errorf('unterminated raw quoted string');
    if (r === '`') break;
  }
  l.emit('rawString');
  return lexInsideAction;
}

/** Lexes the whole input; the list ends with EOF or an error item. */
export function lex(input: string, breakOK = true, continueOK = true): Item[] {
  const l = new Lexer(input, breakOK, continueOK);
  for (let state: State = lexText; state; state = state(l));
  return l.items;
}
