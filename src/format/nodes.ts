/** Parse tree nodes of text/template (parse/node.go); String() is what error messages quote. */
import { quote } from './strconv.js';

export abstract class Node {
  constructor(readonly pos: number) {}
  abstract toString(): string;
}

export class ListNode extends Node {
  nodes: Node[] = [];
  toString() { return this.nodes.map(String).join(''); }
}
export class TextNode extends Node {
  constructor(pos: number, readonly text: string) { super(pos); }
  toString() { return this.text; }
}
export class CommentNode extends Node {
  constructor(pos: number, readonly text: string) { super(pos); }
  toString() { return `{{${this.text}}}`; }
}
export class PipeNode extends Node {
  isAssign = false;
  decl: VariableNode[] = [];
  cmds: CommandNode[] = [];
  constructor(pos: number, readonly line: number) { super(pos); }
  toString() {
    const d = this.decl.length ? `${this.decl.map(String).join(', ')} := ` : '';
    return d + this.cmds.map(String).join(' | ');
  }
}
export class ActionNode extends Node {
  constructor(pos: number, readonly line: number, readonly pipe: PipeNode) { super(pos); }
  toString() { return `{{${this.pipe}}}`; }
}
export class CommandNode extends Node {
  args: Node[] = [];
  toString() { return this.args.map((a) => (a instanceof PipeNode ? `(${a})` : String(a))).join(' '); }
}
export class IdentifierNode extends Node {
  constructor(pos: number, readonly ident: string) { super(pos); }
  toString() { return this.ident; }
}
export class VariableNode extends Node {
  constructor(pos: number, readonly ident: string[]) { super(pos); }
  toString() { return this.ident.join('.'); }
}
export class DotNode extends Node { toString() { return '.'; } }
export class NilNode extends Node { toString() { return 'nil'; } }
export class FieldNode extends Node {
  constructor(pos: number, readonly ident: string[]) { super(pos); }
  toString() { return this.ident.map((i) => `.${i}`).join(''); }
}
export class ChainNode extends Node {
  field: string[] = [];
  constructor(pos: number, readonly node: Node) { super(pos); }
  toString() {
    const base = this.node instanceof PipeNode ? `(${this.node})` : String(this.node);
    return base + this.field.map((f) => `.${f}`).join('');
  }
}
export class BoolNode extends Node {
  constructor(pos: number, readonly value: boolean) { super(pos); }
  toString() { return this.value ? 'true' : 'false'; }
}
export class NumberNode extends Node {
  isInt = false; isUint = false; isFloat = false; isComplex = false;
  int64 = 0n; uint64 = 0n; float64 = 0; complex = { re: 0, im: 0 };
  constructor(pos: number, readonly text: string) { super(pos); }
  toString() { return this.text; }
}
export class StringNode extends Node {
  constructor(pos: number, readonly quoted: string, readonly text: string) { super(pos); }
  toString() { return this.quoted; }
}
export class EndNode extends Node { toString() { return '{{end}}'; } }
export class ElseNode extends Node {
  constructor(pos: number, readonly line: number) { super(pos); }
  toString() { return '{{else}}'; }
}
export class BranchNode extends Node {
  constructor(pos: number, readonly line: number, readonly kind: 'if' | 'range' | 'with', readonly pipe: PipeNode,
    readonly list: ListNode, readonly elseList: ListNode | undefined) { super(pos); }
  toString() {
    return `{{${this.kind} ${this.pipe}}}${this.list}${this.elseList ? `{{else}}${this.elseList}` : ''}{{end}}`;
  }
}
export class BreakNode extends Node { toString() { return '{{break}}'; } }
export class ContinueNode extends Node { toString() { return '{{continue}}'; } }
export class TemplateNode extends Node {
  constructor(pos: number, readonly line: number, readonly name: string, readonly pipe: PipeNode | undefined) { super(pos); }
  toString() { return `{{template ${quote(this.name)}${this.pipe ? ` ${this.pipe}` : ''}}}`; }
}
