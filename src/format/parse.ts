/** The parser of Go's text/template (parse/parse.go), with its error messages. */
import { SyntaxError as LitError, newNumber, unquote } from './golit.js';
import { isKeyword, lex, type Item, type ItemType } from './lex.js';
import {
  ActionNode, BoolNode, BranchNode, BreakNode, ChainNode, CommandNode, ContinueNode, DotNode, ElseNode, EndNode, FieldNode,
  IdentifierNode, ListNode, NilNode, Node, NumberNode, PipeNode, StringNode, TemplateNode, TextNode, VariableNode,
} from './nodes.js';
import { quote } from './strconv.js';

export class TemplateError extends Error {}

export interface Tree { name: string; root: ListNode; text: string }

/** item.String() as parse errors print tokens. */
function itemString(i: Item): string {
  if (i.typ === 'EOF') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (isKeyword(i.typ)) return `<${i.val}>`;
  const runes = [...i.val];
  if (runes.length > 10) return `${quote(runes.slice(0, 10).join(''))}...`;
  return quote(i.val);
}

class Parser {
  private items: Item[];
  private idx = 0;
  private token: Item[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(private name: string, readonly text: string, private funcs: Set<string>, private trees: Map<string, Tree>, items?: Item[]) {
    this.items = items ?? lex(text, !funcs.has('break'), !funcs.has('continue'));
  }

  private nextItem(): Item { return this.items[Math.min(this.idx++, this.items.length - 1)]; }

  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.nextItem();
    return this.token[this.peekCount];
  }
  backup() { this.peekCount++; }
  backup2(t1: Item) { this.token[1] = t1; this.peekCount = 2; }
  backup3(t2: Item, t1: Item) { this.token[1] = t1; this.token[2] = t2; this.peekCount = 3; }
  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.nextItem();
    return this.token[0];
  }
  nextNonSpace(): Item {
    let t: Item;
    do t = this.next(); while (t.typ === 'space');
    return t;
  }
  peekNonSpace(): Item { const t = this.nextNonSpace(); this.backup(); return t; }

  errorf(msg: string): never {
    throw new TemplateError(`template: ${this.name}:${this.token[0]?.line ?? 1}: ${msg}`);
  }
  expect(expected: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }
  expectOneOf(a: ItemType, b: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== a && t.typ !== b) this.unexpected(t, context);
    return t;
  }
  unexpected(t: Item, context: string): never {
    if (t.typ === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(t)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }

  private lit<T>(f: () => T): T {
    try { return f(); } catch (e) {
      if (e instanceof LitError) this.errorf(e.message);
      throw e;
    }
  }

  parse(): ListNode {
    const root = new ListNode(this.peek().pos);
    while (this.peek().typ !== 'EOF') {
      if (this.peek().typ === 'leftDelim') {
        const delim = this.next();
        if (this.nextNonSpace().typ === 'define') {
          this.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n instanceof EndNode || n instanceof ElseNode) this.errorf(`unexpected ${n}`);
      root.nodes.push(n);
    }
    return root;
  }

  private sub(name: string): Parser {
    const p = new Parser(name, this.text, this.funcs, this.trees, this.items);
    p.idx = this.idx;
    p.token = [...this.token];
    p.peekCount = this.peekCount;
    p.name = this.name;
    return p;
  }
  private resume(p: Parser) { this.idx = p.idx; this.token = p.token; this.peekCount = p.peekCount; }

  private add(name: string, root: ListNode) {
    const old = this.trees.get(name);
    if (!old || isEmptyTree(old.root)) { this.trees.set(name, { name, root, text: this.text }); return; }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${quote(name)}`);
  }

  private parseDefinition() {
    const context = 'define clause';
    const p = this.sub('definition');
    const nameTok = p.expectOneOf('string', 'rawString', context);
    const name = p.lit(() => unquote(nameTok.val));
    p.expect('rightDelim', context);
    const [root, end] = p.itemList();
    if (!(end instanceof EndNode)) p.errorf(`unexpected ${end} in ${context}`);
    this.resume(p);
    this.add(name, root);
  }

  itemList(): [ListNode, Node] {
    const list = new ListNode(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== 'EOF') {
      const n = this.textOrAction();
      if (n instanceof EndNode || n instanceof ElseNode) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  textOrAction(): Node {
    const t = this.nextNonSpace();
    if (t.typ === 'text') return new TextNode(t.pos, t.val);
    if (t.typ === 'leftDelim') {
      this.actionLine = t.line;
      try { return this.action(); } finally { this.actionLine = 0; }
    }
    this.unexpected(t, 'input');
  }

  action(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case 'block': return this.blockControl();
      case 'break': return this.branchKeyword('break', t);
      case 'continue': return this.branchKeyword('continue', t);
      case 'else': return this.elseControl();
      case 'end': return new EndNode(this.expect('rightDelim', 'end').pos);
      case 'if': return this.control('if');
      case 'range': return this.control('range');
      case 'template': return this.templateControl();
      case 'with': return this.control('with');
    }
    this.backup();
    const tok = this.peek();
    return new ActionNode(tok.pos, tok.line, this.pipeline('command', 'rightDelim'));
  }

  private branchKeyword(kw: 'break' | 'continue', t: Item): Node {
    const n = this.nextNonSpace();
    if (n.typ !== 'rightDelim') this.unexpected(n, `{{${kw}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kw}}} outside {{range}}`);
    return kw === 'break' ? new BreakNode(t.pos) : new ContinueNode(t.pos);
  }

  pipeline(context: string, end: ItemType): PipeNode {
    const tok = this.peekNonSpace();
    const pipe = new PipeNode(tok.pos, tok.line);
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === 'assign' || next.typ === 'declare') {
        pipe.isAssign = next.typ === 'assign';
        this.nextNonSpace();
        pipe.decl.push(new VariableNode(v.pos, [v.val]));
        this.vars.push(v.val);
      } else if (next.typ === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(new VariableNode(v.pos, [v.val]));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === 'space') this.backup3(v, tokenAfterVariable);
      else this.backup2(v);
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.typ) {
        case 'bool': case 'charConstant': case 'complex': case 'dot': case 'field': case 'identifier':
        case 'number': case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string) {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const a = c.args[0];
      if (a instanceof BoolNode || a instanceof DotNode || a instanceof NilNode || a instanceof NumberNode || a instanceof StringNode) {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private control(context: 'if' | 'range' | 'with'): Node {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, first] = this.itemList();
      let next = first;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next instanceof ElseNode) {
        // "else if" / "else with" nest a new if/with that shares this one's {{end}}
        const kw = this.peek().typ;
        if ((context === 'if' && kw === 'if') || (context === 'with' && kw === 'with')) {
          this.next();
          elseList = new ListNode(next.pos);
          elseList.nodes.push(this.control(context));
        } else {
          [elseList, next] = this.itemList();
          if (!(next instanceof EndNode)) this.errorf(`expected end; found ${next}`);
        }
      }
      return new BranchNode(pipe.pos, pipe.line, context, pipe, list, elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private elseControl(): Node {
    const p = this.peekNonSpace();
    if (p.typ === 'if' || p.typ === 'with') return new ElseNode(p.pos, p.line);
    const t = this.expect('rightDelim', 'else');
    return new ElseNode(t.pos, t.line);
  }

  private blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const p = this.sub(name);
    const [root, end] = p.itemList();
    if (!(end instanceof EndNode)) this.errorf(`unexpected ${end} in ${context}`);
    this.resume(p);
    this.add(name, root);
    return new TemplateNode(t.pos, t.line, name, pipe);
  }

  private templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return new TemplateNode(t.pos, t.line, name, pipe);
  }

  private templateName(t: Item, context: string): string {
    if (t.typ === 'string' || t.typ === 'rawString') return this.lit(() => unquote(t.val));
    this.unexpected(t, context);
  }

  command(): CommandNode {
    const cmd = new CommandNode(this.peekNonSpace().pos);
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === 'space') continue;
      if (t.typ === 'rightDelim' || t.typ === 'rightParen') this.backup();
      else if (t.typ !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): Node | undefined {
    let node = this.term();
    if (!node) return undefined;
    if (this.peek().typ === 'field') {
      const chain = new ChainNode(this.peek().pos, node);
      while (this.peek().typ === 'field') chain.field.push(this.next().val.slice(1));
      if (node instanceof FieldNode) node = new FieldNode(chain.pos, [...node.ident, ...chain.field]);
      else if (node instanceof VariableNode) node = new VariableNode(chain.pos, [...node.ident, ...chain.field]);
      else if (node instanceof BoolNode || node instanceof StringNode || node instanceof NumberNode || node instanceof NilNode || node instanceof DotNode) {
        this.errorf(`unexpected . after term ${quote(String(node))}`);
      } else node = chain;
    }
    return node;
  }

  term(): Node | undefined {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case 'identifier':
        if (!this.funcs.has(t.val)) this.errorf(`function ${quote(t.val)} not defined`);
        return new IdentifierNode(t.pos, t.val);
      case 'dot': return new DotNode(t.pos);
      case 'nil': return new NilNode(t.pos);
      case 'variable': return this.useVar(t.pos, t.val);
      case 'field': return new FieldNode(t.pos, t.val.slice(1).split('.'));
      case 'bool': return new BoolNode(t.pos, t.val === 'true');
      case 'charConstant': case 'complex': case 'number': {
        const typ = t.typ;
        return this.lit(() => newNumber(t.pos, t.val, typ));
      }
      case 'leftParen': return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string': case 'rawString': return new StringNode(t.pos, t.val, this.lit(() => unquote(t.val)));
    }
    this.backup();
    return undefined;
  }

  private useVar(pos: number, name: string): Node {
    const v = new VariableNode(pos, name.split('.'));
    if (!this.vars.includes(v.ident[0])) this.errorf(`undefined variable ${quote(v.ident[0])}`);
    return v;
  }
}

/** IsEmptyTree: only space and comments. */
function isEmptyTree(n: Node): boolean {
  if (n instanceof ListNode) return n.nodes.every(isEmptyTree);
  if (n instanceof TextNode) return n.text.trim() === '';
  return false;
}

/** Parses text into its named trees (the top one under name, plus any {{define}}/{{block}}). */
export function parse(name: string, text: string, funcs: Set<string>): Map<string, Tree> {
  const trees = new Map<string, Tree>();
  const p = new Parser(name, text, funcs, trees);
  const root = p.parse();
  const old = trees.get(name);
  if (!old || isEmptyTree(old.root)) trees.set(name, { name, root, text });
  else if (!isEmptyTree(root)) p.errorf(`template: multiple definition of template ${quote(name)}`);
  return trees;
}
